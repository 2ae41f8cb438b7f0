"""Backtracking line searches: exact-value Armijo and inexact-value (MAID).

Two searches live here:

* :func:`line_search_backtracking` -- the classical Armijo backtracking
  search (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Algorithm 3.1)
  with the calling conventions of :func:`scipy.optimize.line_search`. When the
  objective is a Numba-compiled function the whole search runs compiled.
  Its Python loop is :func:`armijo_path`, the Armijo test along any path
  (a ray, or a projection arc), which block coordinate descent uses too.
* :func:`line_search_inexact` -- the backtracking search of MAID (Salehi,
  Mukherjee, Roberts & Ehrhardt, 2023, its inexact backtracking) for
  objectives known only up to a certified error: the sufficient-decrease test
  compares an *upper* bound on the new value with a *lower* bound on the old
  one (:func:`inexact_sufficient_decrease`).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
from numba import njit
from numba.core.registry import CPUDispatcher
try:  # the class scipy's own line searches warn with, so one filter covers both
    from scipy.optimize._linesearch import LineSearchWarning
except ImportError:  # pragma: no cover
    class LineSearchWarning(RuntimeWarning):
        """A line search found no acceptable step."""

__all__ = [
    "armijo_path",
    "line_search_backtracking",
    "line_search_inexact",
    "inexact_sufficient_decrease",
    "InexactStep",
    "LineSearchWarning",
]


# ---------------------------------------------------------------------------
# exact values: Armijo backtracking
# ---------------------------------------------------------------------------

@njit(cache=True)
def _armijo_compiled(f, xk, pk, args, phi0, derphi0, c1, alpha0, rho, amin, maxiter):
    """Armijo backtracking with ``f`` a Numba function ``f(x, *args)``.

    Returns (alpha or -1.0 on failure, function evaluations, phi(alpha))."""
    alpha = alpha0
    xnew = np.empty_like(xk)
    phi = np.inf
    for it in range(maxiter):
        for i in range(xk.size):
            xnew[i] = xk[i] + alpha * pk[i]
        phi = f(xnew, *args)
        if phi <= phi0 + c1 * alpha * derphi0:
            return alpha, it + 1, phi
        alpha *= rho
        if alpha < amin:
            return -1.0, it + 1, phi
    return -1.0, maxiter, phi


def _check_unit(value, name, *, open_right=True):
    v = float(value)
    ok = 0.0 < v < 1.0 if open_right else 0.0 < v <= 1.0
    if not ok or math.isnan(v):
        raise ValueError(f"`{name}` must lie in (0, 1), got {value!r}")
    return v


def armijo_path(phi, phi0, decrease, *, c1=1e-4, alpha0=1.0, rho=0.5, maxiter=60,
                amin=0.0, slack=0.0):
    """Armijo backtracking along a path: the first ``alpha = alpha0 * rho**k``
    with ``phi(alpha) <= phi0 + c1 * decrease(alpha) + slack``.

    ``decrease(alpha)`` is the model's (negative) decrease at ``alpha``:
    ``alpha * g @ p`` on a ray, ``g @ (x(alpha) - x)`` on a projection arc;
    trials where it is not negative are skipped without evaluating ``phi``.
    ``slack`` accepts decreases below the rounding error of ``phi0``. The
    search stops after ``maxiter`` trials or when ``alpha`` falls below
    ``amin``.

    Returns
    -------
    alpha : float or None
        The accepted step, None when none passed.
    n_eval : int
        Evaluations of ``phi``.
    phi_alpha : float or None
        ``phi(alpha)``.

    Examples
    --------
    >>> from optsolve.optimize.linesearch import armijo_path
    >>> armijo_path(lambda a: (1 - a) ** 2 + a * a, 1.0, lambda a: -2.0 * a)
    (0.5, 2, 0.5)
    """
    alpha = alpha0
    n_eval = 0
    for _ in range(maxiter):
        dec = decrease(alpha)
        if dec < 0:
            value = phi(alpha)
            n_eval += 1
            if value <= phi0 + c1 * dec + slack:
                return alpha, n_eval, value
        alpha *= rho
        if alpha < amin:
            break
    return None, n_eval, None


def line_search_backtracking(f, myfprime, xk, pk, gfk=None, old_fval=None,
                             args=(), c1=1e-4, alpha0=1.0, rho=0.5, amin=1e-12,
                             maxiter=60):
    """Find a step satisfying the Armijo sufficient-decrease condition.

    Starting from ``alpha0``, the step is multiplied by ``rho`` until
    ``f(xk + alpha*pk) <= f(xk) + c1*alpha*gfk @ pk``. The arguments and the
    returned tuple follow :func:`scipy.optimize.line_search`, so the two can
    be swapped. If ``f`` is a Numba-compiled function (``@njit``) taking a
    1-D float64 array and ``*args``, the search loop runs compiled too.

    Parameters
    ----------
    f : callable ``f(x, *args) -> float``
        Objective function.
    myfprime : callable ``myfprime(x, *args) -> ndarray`` or None
        Gradient of ``f``; only called when ``gfk`` is not given.
    xk : array_like
        Current point (1-D).
    pk : array_like
        Search direction; must be a descent direction (``gfk @ pk < 0``).
    gfk : array_like, optional
        Gradient at ``xk``.
    old_fval : float, optional
        ``f(xk)``; computed when not given.
    args : tuple, optional
        Extra arguments passed to ``f`` and ``myfprime``.
    c1 : float, optional
        Sufficient-decrease constant in (0, 1).
    alpha0 : float, optional
        First trial step (> 0).
    rho : float, optional
        Step shrink factor in (0, 1).
    amin : float, optional
        The search fails when the step falls below ``amin``.
    maxiter : int, optional
        At most this many trial steps.

    Returns
    -------
    alpha : float or None
        The accepted step, or None if no step was accepted (a
        ``LineSearchWarning`` (scipy's class) is issued).
    fc : int
        Number of function evaluations (including ``f(xk)`` when computed).
    gc : int
        Number of gradient evaluations.
    new_fval : float or None
        ``f(xk + alpha*pk)``.
    old_fval : float
        ``f(xk)``.
    new_slope : None
        Kept for compatibility with :func:`scipy.optimize.line_search`;
        backtracking never evaluates the gradient at the new point.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize import line_search_backtracking
    >>> f = lambda x: float(x @ x)
    >>> grad = lambda x: 2 * x
    >>> xk = np.array([1.0, 2.0])
    >>> alpha, fc, gc, fnew, fold, _ = line_search_backtracking(f, grad, xk, -grad(xk))
    >>> alpha, fnew < fold
    (0.5, True)
    """
    xk = np.asarray(xk, dtype=float)
    pk = np.asarray(pk, dtype=float)
    if xk.ndim != 1 or pk.shape != xk.shape:
        raise ValueError("`xk` and `pk` must be 1-D arrays of the same length")
    if not (np.all(np.isfinite(xk)) and np.all(np.isfinite(pk))):
        raise ValueError("`xk` and `pk` must be finite")
    c1 = _check_unit(c1, "c1")
    rho = _check_unit(rho, "rho")
    alpha0 = float(alpha0)
    if not alpha0 > 0 or not math.isfinite(alpha0):
        raise ValueError(f"`alpha0` must be positive and finite, got {alpha0!r}")
    if isinstance(maxiter, bool) or int(maxiter) != maxiter or maxiter < 1:
        raise ValueError(f"`maxiter` must be a positive integer, got {maxiter!r}")
    maxiter = int(maxiter)
    args = tuple(args)
    fc = gc = 0
    if gfk is None:
        if myfprime is None:
            raise ValueError("`myfprime` is needed when `gfk` is not given")
        gfk = myfprime(xk, *args)
        gc += 1
    gfk = np.asarray(gfk, dtype=float)
    if gfk.shape != xk.shape:
        raise ValueError("`gfk` must have the shape of `xk`")
    if old_fval is None:
        old_fval = float(f(xk, *args))
        fc += 1
    derphi0 = float(gfk @ pk)
    if not derphi0 < 0:
        warnings.warn("`pk` is not a descent direction", LineSearchWarning,
                      stacklevel=2)
        return None, fc, gc, None, old_fval, None

    if isinstance(f, CPUDispatcher):
        alpha, n, phi = _armijo_compiled(f, xk, pk, args, float(old_fval), derphi0,
                                         c1, alpha0, rho, float(amin), maxiter)
        fc += int(n)
        if alpha < 0:
            warnings.warn("The line search did not find an acceptable step",
                          LineSearchWarning, stacklevel=2)
            return None, fc, gc, None, old_fval, None
        return float(alpha), fc, gc, float(phi), old_fval, None

    # c1 is folded into the decrease: the test reads old_fval + c1 * alpha * derphi0
    alpha, n, phi = armijo_path(lambda a: float(f(xk + a * pk, *args)), old_fval,
                                lambda a: c1 * a * derphi0, c1=1.0, alpha0=alpha0, rho=rho,
                                maxiter=maxiter, amin=amin)
    fc += n
    if alpha is not None:
        return alpha, fc, gc, phi, old_fval, None
    warnings.warn("The line search did not find an acceptable step",
                  LineSearchWarning, stacklevel=2)
    return None, fc, gc, None, old_fval, None


# ---------------------------------------------------------------------------
# inexact values: MAID's backtracking
# ---------------------------------------------------------------------------

def inexact_sufficient_decrease(fun_new, gradnorm_new, fun_old, gradnorm_old,
                                eps_new, eps_old, alpha, direction_sqnorm, *,
                                c=1e-4, upper_lipschitz=0.0):
    """The sufficient-decrease test of MAID on inexact upper-level values.

    With ``x~`` a lower-level solution certified to ``||x~ - x*|| <= eps``
    and ``g`` convex with an ``upper_lipschitz``-Lipschitz gradient, the true
    value ``f(theta) = g(x*(theta))`` lies in::

        [g(x~) - ||grad g(x~)|| eps,  g(x~) + ||grad g(x~)|| eps + L_g eps^2 / 2]

    The step is accepted when the upper bound at the new point minus the lower
    bound at the old point is at most ``-c * alpha * ||direction||^2``; it
    then decreases the true objective by at least that much.

    Returns
    -------
    bool
        Whether the step passes the test.

    Examples
    --------
    >>> from optsolve.optimize.linesearch import inexact_sufficient_decrease
    >>> inexact_sufficient_decrease(0.5, 1.0, 1.0, 1.0, 1e-3, 1e-3, 0.1, 1.0)
    True
    >>> inexact_sufficient_decrease(0.999, 1.0, 1.0, 1.0, 1e-3, 1e-3, 0.1, 1.0)
    False
    """
    upper_new = fun_new + gradnorm_new * eps_new + 0.5 * upper_lipschitz * eps_new ** 2
    lower_old = fun_old - gradnorm_old * eps_old
    return bool(upper_new - lower_old <= -c * alpha * direction_sqnorm)


@dataclass
class InexactStep:
    """Outcome of :func:`line_search_inexact`.

    Attributes
    ----------
    accepted : bool
        Whether a trial step passed the sufficient-decrease test.
    alpha : float
        The accepted step (the last one tried when none was accepted).
    theta : ndarray or None
        The accepted point ``theta - alpha * direction``.
    fun, gradnorm : float
        Inexact upper value and ``||grad g||`` at the accepted point.
    payload : object
        Whatever ``evaluate`` returned as its third item at the accepted
        point (the lower-level solution, for MAID).
    ntrials : int
        Trial steps evaluated.
    """

    accepted: bool
    alpha: float
    theta: Optional[np.ndarray]
    fun: float
    gradnorm: float
    payload: Any
    ntrials: int


def line_search_inexact(evaluate: Callable, theta, direction, fun_old, gradnorm_old,
                        eps, *, alpha0, rho=0.5, c=1e-4, upper_lipschitz=0.0,
                        maxiter=10, hopeless_factor=None, slope=None):
    """Backtracking on inexact values (MAID's line search).

    Tries ``theta - alpha0 * rho**i * direction`` for ``i = 0, 1, ...`` and
    accepts the first trial passing :func:`inexact_sufficient_decrease`.

    Parameters
    ----------
    evaluate : callable ``evaluate(theta) -> (fun, gradnorm, payload)``
        Inexact upper-level value, ``||grad g||`` at the lower-level solution
        computed with accuracy ``eps``, and anything the caller wants back.
    theta, direction : ndarray
        Current point and the (inexact) gradient; the step is along
        ``-direction``.
    fun_old, gradnorm_old : float
        Inexact value and gradient norm at ``theta`` (accuracy ``eps``).
    eps : float
        Certified lower-level accuracy of both evaluations.
    alpha0 : float
        First trial step.
    rho : float
        Shrink factor in (0, 1).
    c : float
        Sufficient-decrease constant (MAID's ``eta``, or ``eta**2`` as in the
        authors' code).
    upper_lipschitz : float
        Lipschitz constant of ``grad g``.
    maxiter : int
        Number of trial steps before giving up.
    hopeless_factor : float, optional
        Our addition, not in the paper: stop early, without evaluating, once
        ``hopeless_factor * alpha * ||direction||^2`` (a generous first-order
        estimate of the largest decrease a step ``alpha`` can bring) is below
        the error terms ``2 ||grad g|| eps + L_g eps^2 / 2`` that the test
        must overcome: smaller steps cannot pass, so the caller had better
        tighten ``eps`` at once. None (default) tries all ``maxiter`` steps.
    slope : float, optional
        ``<h, direction>`` for a preconditioned direction (``direction = P h``
        with ``P`` positive definite and ``h`` the inexact gradient): the
        test then asks for a decrease of ``c * alpha * slope`` instead of
        ``c * alpha * ||direction||^2``. None: ``direction`` is the gradient.

    Returns
    -------
    InexactStep

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.linesearch import line_search_inexact
    >>> evaluate = lambda t: (float(t @ t), float(2 * np.linalg.norm(t)), None)
    >>> theta = np.array([1.0, -1.0])
    >>> step = line_search_inexact(evaluate, theta, 2 * theta, 2.0, 2 * np.sqrt(2),
    ...                            1e-6, alpha0=1.0)
    >>> step.accepted, step.alpha, step.fun
    (True, 0.5, 0.0)
    """
    theta = np.asarray(theta, dtype=float)
    direction = np.asarray(direction, dtype=float)
    dd = float(direction @ direction) if slope is None else float(slope)
    if slope is not None and not dd > 0:
        raise ValueError(f"`slope` must be positive (a descent direction), got {slope!r}")
    alpha = float(alpha0)
    fun = gnorm = math.nan
    errors = 2.0 * gradnorm_old * eps + 0.5 * upper_lipschitz * eps * eps
    for i in range(int(maxiter)):
        alpha = float(alpha0) * rho ** i
        if hopeless_factor is not None and hopeless_factor * alpha * dd < errors:
            return InexactStep(False, alpha, None, fun, gnorm, None, i)
        trial = theta - alpha * direction
        fun, gnorm, payload = evaluate(trial)
        if inexact_sufficient_decrease(fun, gnorm, fun_old, gradnorm_old, eps, eps,
                                       alpha, dd, c=c,
                                       upper_lipschitz=upper_lipschitz):
            return InexactStep(True, alpha, trial, fun, gnorm, payload, i + 1)
    return InexactStep(False, alpha, None, fun, gnorm, None, int(maxiter))
