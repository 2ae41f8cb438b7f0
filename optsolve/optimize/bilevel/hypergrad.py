"""Inexact hypergradients with a posteriori error bounds.

For ``f(theta) = g(x*(theta))`` the implicit function theorem gives::

    grad f(theta) = -B(x*) A(x*)^{-1} grad g(x*),
    A = d2L/dx2,  B = d2L/(dtheta dx).

None of it is computed exactly (Salehi, Mukherjee, Roberts & Ehrhardt 2023,
section 2):

1. the lower level is solved by accelerated gradient descent (strongly convex
   FISTA with gradient restart) or truncated Newton-CG until
   ``||grad_x L(x~)|| / mu <= eps``, which certifies ``||x~ - x*|| <= eps``;
2. the adjoint system ``A(x~) q = grad g(x~)`` is solved by conjugate
   gradients until ``||A q - grad g|| <= delta``;
3. ``h = -B(x~) q``.

Both solvers are warm-started from the previous call. The error
``||h - grad f||`` is bounded by (derivation in the user guide)::

    omega = (B/mu) delta + eps (B L_g/mu + B L_Ainv ||grad g|| + L_B ||grad g||/mu)
            + (L_B L_g / mu) eps^2

with ``B >= ||d2L/(dtheta dx)||``, ``L_B`` the Lipschitz constant of ``B(.)``,
``L_Ainv = L_H / mu^2`` that of ``A(.)^{-1}`` and ``L_g`` that of
``grad g``. Unknown constants are estimated as running maxima: ``B`` by
norm ratios and three power iterations on ``B B^T`` (``B^T v`` by a forward
difference of ``grad_x L`` in theta), ``L_B``, ``L_H`` and ``L_g`` by secant
ratios over a random perturbation of size ``eps`` (the authors' code also
uses random secants). Estimates from below: the bound is as good as they are.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["solve_lower", "solve_lower_newton", "solve_adjoint", "HypergradientOracle", "WorkLimitReached"]


_POWER_ITERS = 20


def _norm(a):
    return math.sqrt(float(np.vdot(a, a).real))


def estimate_smoothness(problem, x, theta, iters=30, seed=0):
    """Largest Hessian eigenvalue by power iteration (times a 1.1 margin)."""
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(np.shape(x))
    v /= _norm(v)
    lam = 0.0
    for _ in range(iters):
        w = problem.lower_hvp(x, theta, v)
        lam = float(np.vdot(v, w))
        nw = _norm(w)
        if nw == 0:
            break
        v = w / nw
    return 1.1 * max(lam, 1e-12)


def solve_lower(problem, theta, x, eps, *, maxiter=2000, mu=None, lipschitz=None,
                should_stop=None):
    """Accelerated gradient descent on ``L(., theta)`` to ``||x - x*|| <= eps``.

    Strongly convex FISTA (constant momentum ``(sqrt(L)-sqrt(mu))/(sqrt(L)+sqrt(mu))``)
    with O'Donoghue-Candes gradient restart. Stops at the first point ``y``
    whose gradient satisfies ``||grad_x L(y)|| / mu <= eps`` and returns that
    very point, so the certificate holds for what is returned.

    Returns
    -------
    x : ndarray
        The last point whose gradient was evaluated.
    n : int
        Gradient evaluations (the lower-level iterations counted as work).
    certified : bool
        Whether ``||grad|| / mu <= eps`` holds at ``x``.
    """
    if mu is None:
        mu = float(problem.strong_convexity(theta))
    if lipschitz is None:
        fn = getattr(problem, "lower_smoothness", None)
        lipschitz = float(fn(theta)) if callable(fn) else \
            estimate_smoothness(problem, x, theta)
    lipschitz = max(lipschitz, mu)
    sl, sm = math.sqrt(lipschitz), math.sqrt(mu)
    momentum = (sl - sm) / (sl + sm)
    y = np.array(x, dtype=float, copy=True)
    x_prev = y
    for n in range(1, int(maxiter) + 1):
        grad = problem.lower_grad(y, theta)
        if _norm(grad) <= eps * mu:
            return y, n, True
        if n == maxiter or (should_stop is not None and should_stop(n)):
            return y, n, False
        x_new = y - grad / lipschitz
        step = x_new - x_prev
        if float(np.vdot(grad, step)) > 0:   # restart: momentum points uphill
            y = x_new
        else:
            y = x_new + momentum * step
        x_prev = x_new
    return y, int(maxiter), False  # pragma: no cover - maxiter < 1


def solve_lower_newton(problem, theta, x, eps, *, maxiter=2000, mu=None, should_stop=None,
                       forcing=0.5, cg_maxiter=200):
    """Truncated Newton-CG on ``L(., theta)`` to ``||x - x*|| <= eps``.

    Each Newton step solves ``d2L/dx2 d = -grad`` by conjugate gradients to a
    relative residual ``min(forcing, sqrt(||grad||))`` (Eisenstat-Walker),
    then takes the longest step ``t`` in ``1, 1/2, ...`` that reduces
    ``||grad_x L||`` (a residual below ``||grad||`` makes ``d`` a descent
    direction of ``||grad||^2``, so no value of ``L`` is needed). It stops at
    the first point whose gradient satisfies ``||grad_x L|| / mu <= eps`` and
    returns that point. Suited to badly conditioned lower levels (``L/mu``
    in the thousands: logistic regression with ``mu = 1/n``), where the
    Hessian's spectrum is clustered and CG needs far fewer products than
    accelerated gradient descent needs gradients.

    Returns ``(x, n, certified)`` like :func:`solve_lower`; ``n`` counts
    gradient evaluations *and* Hessian-vector products (equal cost for the
    built-in problems), with ``maxiter`` a cap on that count.
    """
    if mu is None:
        mu = float(problem.strong_convexity(theta))
    maxiter = int(maxiter)
    x = np.array(x, dtype=float, copy=True)
    grad = problem.lower_grad(x, theta)
    n = 1
    gn = _norm(grad)
    while True:
        if gn <= eps * mu:
            return x, n, True
        if n >= maxiter or (should_stop is not None and should_stop(n)):
            return x, n, False
        # inexact Newton direction; the target residual never needs to go below
        # what the certificate asks of the gradient itself
        rtol = max(min(forcing, math.sqrt(gn)) * gn, 0.5 * eps * mu)
        d, nh, _ = solve_adjoint(problem, x, theta, -grad, rtol,
                                 maxiter=min(cg_maxiter, max(maxiter - n - 1, 1)),
                                 should_stop=lambda k: should_stop is not None and
                                 should_stop(n + k))
        n += nh
        if should_stop is not None and should_stop(n):
            return x, n, False
        if not np.any(d):
            d = -grad / max(mu, 1e-300)
        t = 1.0
        while True:
            xt = x + t * d
            gt = problem.lower_grad(xt, theta)
            n += 1
            gtn = _norm(gt)
            if gtn < gn or gtn <= eps * mu:
                x, grad, gn = xt, gt, gtn
                break
            if t < 1e-10 or n >= maxiter or (should_stop is not None and should_stop(n)):
                return x, n, False
            t *= 0.5


LOWER_SOLVERS = ("fista", "newton-cg")


def preferred_solve_lower(problem):
    """:func:`solve_lower` or :func:`solve_lower_newton`, as the problem's
    ``preferred_lower_solver`` attribute says (default FISTA)."""
    if getattr(problem, "preferred_lower_solver", "fista") == "newton-cg":
        return solve_lower_newton
    return solve_lower


def solve_adjoint(problem, x, theta, rhs, delta, q0=None, *, maxiter=2000,
                  should_stop=None):
    """Conjugate gradients on ``d2L/dx2 (x, theta) q = rhs`` to ``||r|| <= delta``.

    Warm-started from ``q0``. Returns ``(q, n_hvp, converged)`` where
    ``n_hvp`` counts Hessian-vector products (the CG work)."""
    nhvp = 0
    if q0 is None:
        q = np.zeros_like(rhs)
        r = np.array(rhs, dtype=float, copy=True)
    else:
        q = np.array(q0, dtype=float, copy=True)
        r = rhs - problem.lower_hvp(x, theta, q)
        nhvp += 1
    rs = float(np.vdot(r, r))
    if math.sqrt(rs) <= delta:
        return q, nhvp, True
    p = r.copy()
    for _ in range(int(maxiter)):
        Ap = problem.lower_hvp(x, theta, p)
        nhvp += 1
        pAp = float(np.vdot(p, Ap))
        if pAp <= 0:  # not positive definite along p: give up honestly
            return q, nhvp, False
        alpha = rs / pAp
        q += alpha * p
        r -= alpha * Ap
        rs_new = float(np.vdot(r, r))
        if math.sqrt(rs_new) <= delta:
            return q, nhvp, True
        if should_stop is not None and should_stop(nhvp):
            return q, nhvp, False
        p = r + (rs_new / rs) * p
        rs = rs_new
    return q, nhvp, False


class WorkLimitReached(Exception):
    """Raised inside the oracle when a limit (work, time, interrupt) stops a solve."""

    def __init__(self, limit):
        super().__init__(limit)
        self.limit = limit


class HypergradientOracle:
    """Lower-level solves, adjoint solves and error bounds with work counting.

    Holds the warm starts (last lower solution, last adjoint solution), the
    running estimates of the constants of the error bound, and the counters
    ``nlower`` (gradient evaluations of ``L``), ``ncg`` (Hessian-vector
    products) and ``nfev`` (upper-level evaluations). Every solve checks the
    work budget, the deadline and the interrupt flag and raises
    :class:`WorkLimitReached` when one of them ends the run.
    """

    def __init__(self, problem, x0, *, max_work=None, deadline=None, guard=None,
                 lower_maxiter=2000, cg_maxiter=2000, seed=0, lower_solver="fista"):
        self.problem = problem
        self.lower_solver = lower_solver
        self.x = np.array(x0, dtype=float, copy=True)
        self.q = None
        self.nlower = self.ncg = self.nfev = 0
        self.max_work = max_work
        self.deadline = deadline
        self.guard = guard
        self.lower_maxiter = lower_maxiter
        self.cg_maxiter = cg_maxiter
        self.rng = np.random.default_rng(seed)
        self.B = 0.0
        self.LB = 0.0
        self.LH = 0.0
        fn = getattr(problem, "upper_smoothness", None)
        self.Lg = float(fn()) if callable(fn) else None
        self._Lg_est = 0.0
        self.last_lower_certified = True

    # -- bookkeeping --------------------------------------------------------
    @property
    def work(self):
        return self.nlower + self.ncg

    def _stop_reason(self, extra=0):
        if self.max_work is not None and self.work + extra >= self.max_work:
            return "max_work"
        if self.deadline is not None and self.deadline.expired():
            return "time"
        if self.guard is not None and self.guard.interrupted:
            return "interrupt"
        return None

    def check(self):
        reason = self._stop_reason()
        if reason is not None:
            raise WorkLimitReached(reason)

    def upper_lipschitz(self):
        return self.Lg if self.Lg is not None else self._Lg_est

    # -- solves -------------------------------------------------------------
    def lower(self, theta, eps, x_start=None):
        """Lower-level solution at ``theta`` certified to accuracy ``eps``."""
        self.check()
        start = self.x if x_start is None else x_start
        stop = lambda k: self._stop_reason(k) is not None  # noqa: E731
        if self.lower_solver == "newton-cg":
            x, n, ok = solve_lower_newton(self.problem, theta, start, eps,
                                          maxiter=self.lower_maxiter, should_stop=stop)
            return self._lower_done(x, n, ok)
        lipschitz = None
        if not callable(getattr(self.problem, "lower_smoothness", None)):
            # power iteration: its Hessian-vector products are counted as work
            lipschitz = estimate_smoothness(self.problem, start, theta, iters=_POWER_ITERS)
            self.ncg += _POWER_ITERS
        x, n, ok = solve_lower(self.problem, theta, start, eps, maxiter=self.lower_maxiter,
                               lipschitz=lipschitz, should_stop=stop)
        return self._lower_done(x, n, ok)

    def _lower_done(self, x, n, ok):
        self.nlower += n
        self.last_lower_certified = ok
        if not ok:
            reason = self._stop_reason()
            if reason is not None:
                raise WorkLimitReached(reason)
        return x

    def upper(self, x):
        """``(g(x), grad g(x))``, counted as one upper-level evaluation."""
        self.nfev += 1
        return float(self.problem.upper_fun(x)), self.problem.upper_grad(x)

    def hypergradient(self, x, theta, gradg, delta):
        """``h = -B(x) q`` with ``A(x) q = grad g`` solved to residual ``delta``."""
        self.check()
        q, n, ok = solve_adjoint(self.problem, x, theta, gradg, delta, self.q,
                                 maxiter=self.cg_maxiter,
                                 should_stop=lambda k: self._stop_reason(k) is not None)
        self.ncg += n
        if not ok:
            reason = self._stop_reason()
            if reason is not None:
                raise WorkLimitReached(reason)
        self.q = q
        h = -np.asarray(self.problem.lower_cross(x, theta, q), dtype=float)
        return h, q

    def _cross_norm(self, x, theta, v, iters=3):
        """Power iteration for ``||B||`` with ``B = d2L/(dtheta dx)``.

        ``B^T v`` (an x-space vector) is the derivative of ``grad_x L`` along
        ``v`` in theta, taken by a forward difference of ``lower_grad``; then
        ``B (B^T v)`` is one ``lower_cross``. The gradient evaluations are
        counted as lower-level work."""
        p = self.problem
        nv = _norm(v)
        if nv == 0:
            return 0.0
        v = v / nv
        g0 = p.lower_grad(x, theta)
        step = 1e-6 * max(1.0, _norm(theta))
        est = 0.0
        self.nlower += 1 + iters
        for _ in range(iters):
            u = (p.lower_grad(x, theta + step * v) - g0) / step   # ~ B^T v
            est = max(est, _norm(u))
            w = np.asarray(p.lower_cross(x, theta, u), dtype=float)
            nw = _norm(w)
            if nw == 0:
                break
            est = max(est, math.sqrt(nw))
            v = w / nw
        return est

    def error_bound(self, x, theta, h, q, gradg, eps, delta, mu):
        """The a posteriori bound ``omega >= ||h - grad f(theta)||``.

        Updates the running estimates of ``B`` (norm ratios and three power
        iterations), ``L_B``, ``L_H`` (and ``L_g`` when the problem does not
        give it; secants over a random perturbation of ``x`` of size
        ``max(eps, 1e-8)``)."""
        self.check()  # its estimates cost up to 6 products: never start past a limit
        p = self.problem
        nq = _norm(q)
        if nq > 0:
            self.B = max(self.B, _norm(h) / nq)
        r = self.rng.standard_normal(np.shape(x))
        r /= _norm(r)
        self.B = max(self.B, _norm(p.lower_cross(x, theta, r)))
        self.B = max(self.B, self._cross_norm(x, theta, h))
        s = max(eps, 1e-8)
        xs = x + s * r
        if nq > 0:
            self.LB = max(self.LB, _norm(p.lower_cross(xs, theta, q) + h) / (s * nq))
            dH = p.lower_hvp(xs, theta, q) - p.lower_hvp(x, theta, q)
            self.ncg += 2
            self.LH = max(self.LH, _norm(dH) / (s * nq))
        if self.Lg is None:
            self._Lg_est = max(self._Lg_est, _norm(p.upper_grad(xs) - gradg) / s)
        Lg = self.upper_lipschitz()
        ng = _norm(gradg)
        L_ainv = self.LH / (mu * mu)
        c = self.B * Lg / mu + self.B * L_ainv * ng + self.LB * ng / mu
        return (self.B / mu) * delta + c * eps + (self.LB * Lg / mu) * eps * eps
