"""``minimize_bilevel``: validation at the door, the run, the result."""
from __future__ import annotations

import numpy as np

from ._monitor import Monitor
from ._options import DEFAULT_OPTIONS, METHODS, options_doc, options_iv
from .hoag import run_hoag
from .hypergrad import LOWER_SOLVERS, HypergradientOracle, WorkLimitReached
from .maid import run_maid
from .problems import check_problem

__all__ = ["minimize_bilevel", "METHODS", "DEFAULT_OPTIONS"]


def _theta_iv(theta0):
    try:
        theta = np.array(theta0, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("`theta0` must be a 1-D array of finite floats") from None
    if theta.ndim != 1 or theta.size == 0:
        raise ValueError(f"`theta0` must be a non-empty 1-D array, got shape {theta.shape}")
    if not np.all(np.isfinite(theta)):
        raise ValueError("`theta0` must contain only finite values")
    return theta


def minimize_bilevel(problem, theta0, *, method="maid", tol=1e-5, options=None,
                     callback=None, verbose=False):
    """Minimise ``g(x*(theta))`` over hyperparameters ``theta`` (bilevel learning).

    The lower level ``x*(theta) = argmin_x L(x, theta)`` (smooth, strongly
    convex in ``x``) and the hypergradient are only computed inexactly, to
    accuracies the method chooses: MAID (Salehi, Mukherjee, Roberts &
    Ehrhardt 2023) adapts them to an a posteriori error bound and a
    backtracking line search on inexact values.

    Parameters
    ----------
    problem : BilevelProblem or object with the same methods
        A built-in problem (:class:`TVDenoising`, :class:`FieldOfExperts`,
        :class:`MultinomialLogistic`) or a user object following
        :class:`BilevelProblem`.
    theta0 : array_like, 1-D
        Starting hyperparameters (often ``problem.theta0()``).
    method : {"maid", "hoag", "fixed"}, optional
        ``"maid"`` (default): adaptive accuracies and inexact backtracking.
        ``"hoag"``: Pedregosa (2016), a priori tolerance schedule, no line
        search. ``"fixed"``: MAID's line search at fixed accuracies
        ``eps0``, ``delta0``.
    tol : float, optional
        Stop when the hypergradient is this small. For MAID and "fixed" the
        test is ``||h|| + omega <= tol`` with ``omega`` the error bound, so
        the true gradient norm is certified below ``tol`` (up to the
        estimated constants); for HOAG it is ``||h|| <= tol``.
    options : dict, optional
        Method options (defaults in ``DEFAULT_OPTIONS[method]``; the guide
        explains the step rules, directions and warm starts):

%(options)s

    callback : callable, optional
        Called after every outer iteration; scipy's convention
        (``intermediate_result`` receives an :class:`OptimizeResult`; raise
        ``StopIteration`` to stop).
    verbose : bool or int, optional
        Print a progress table.

    Returns
    -------
    OptimizeResult
        ``x`` (theta), ``fun`` (upper value at the lower solution of accuracy
        ``eps``), ``jac`` (last hypergradient), ``nit``, ``nlower``
        (lower-level gradient evaluations, and Hessian-vector products of
        Newton-CG lower solves), ``ncg`` (Hessian-vector products of the
        adjoint solves and error bounds),
        ``nfev`` (upper-level evaluations), ``nwork = nlower + ncg``, ``eps``,
        ``delta``, ``step``, ``grad_bound`` (``omega``), ``x_lower`` (the lower
        solution), ``history`` (per-iteration arrays ``work``, ``fun``,
        ``time``, ``eps``, ``delta``), ``lower_solver`` (the one used),
        ``status``, ``success``, ``message``,
        ``limit``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve import minimize_bilevel
    >>> from optsolve.optimize.bilevel import TVDenoising
    >>> rng = np.random.default_rng(1)
    >>> clean = np.kron(rng.integers(0, 2, (4, 4)), np.ones((4, 4))).astype(float)
    >>> noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    >>> prob = TVDenoising([clean], [noisy])
    >>> res = minimize_bilevel(prob, prob.theta0(), options={"max_work": 5000})
    >>> res.limit, res.nwork <= 5000 + 6
    ('max_work', True)
    >>> prob.psnr(res.x_lower) > prob.psnr(noisy)
    True
    """
    check_problem(problem)
    theta = _theta_iv(theta0)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}, got {method!r}")
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        raise ValueError(f"`tol` must be a positive number, got {tol!r}") from None
    if not tol > 0:
        raise ValueError(f"`tol` must be a positive number, got {tol!r}")
    opts = options_iv(method, options)
    if opts["lower_solver"] == "auto":
        opts["lower_solver"] = getattr(problem, "preferred_lower_solver", "fista")
        if opts["lower_solver"] not in LOWER_SOLVERS:
            raise ValueError(f"`problem.preferred_lower_solver` must be one of "
                             f"{LOWER_SOLVERS}, got {opts['lower_solver']!r}")
    x0 = np.array(problem.x0(theta), dtype=float)
    with Monitor(theta, x0, opts["time_limit"], callback, verbose) as monitor:
        oracle = HypergradientOracle(problem, x0, max_work=opts["max_work"],
                                     deadline=monitor.deadline, guard=monitor.guard,
                                     lower_maxiter=opts["lower_maxiter"],
                                     cg_maxiter=opts["cg_maxiter"], seed=opts["seed"],
                                     lower_solver=opts["lower_solver"])
        monitor.oracle = oracle
        limit = None
        try:
            if method == "hoag":
                out = run_hoag(oracle, theta, opts, monitor.record, tol=tol)
            else:
                out = run_maid(oracle, theta, opts, monitor.record, tol=tol,
                               fixed=(method == "fixed"))
            monitor.last.update({k: v for k, v in out.items() if k in monitor.last})
            end = out["status"]
        except WorkLimitReached as stop:
            end, limit = "limit", stop.limit
    return monitor.result(end, limit, method=method, lower_solver=opts["lower_solver"])

if minimize_bilevel.__doc__:   # None under python -OO
    minimize_bilevel.__doc__ = minimize_bilevel.__doc__.replace("%(options)s", options_doc())
