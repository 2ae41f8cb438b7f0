"""HOAG baseline: hypergradient descent with a priori tolerance schedules.

Our own implementation of the rules of Pedregosa, "Hyperparameter
optimization with approximate gradient" (ICML 2016), as read from the
authors' code (fabianp/hoag):

* tolerance ``eps_k`` (relative to the first lower-level gradient norm and
  to the first upper gradient norm) following a schedule: ``geometric``
  ``eps0 * decay**k`` (decay 0.9), ``quadratic`` ``eps0 / (k+1)**2`` or
  ``cubic`` ``eps0 / (k+1)**3``, with ``eps0 = 1e-3``;
* the lower level solved to ``||grad_x L|| <= eps_k ||grad_x L(x_0)||``,
  CG to ``||r|| <= eps_k ||grad g(x_1)||``;
* step ``theta <- theta - h / L`` with ``L_0 = ||h_0|| dim`` (``L0="dim"``,
  the default, as in the authors' code we read; ``L0="sqrt"`` gives
  ``||h_0|| / sqrt(dim)``, a variant noted in our references (the guide
  says how it fares); or a number); after
  each step, if ``g <= g_old + C eps + eps_old (C + 1) incr - L incr^2``
  (``C = 0.25``, ``incr = ||theta - theta_old||``) then ``L <- 0.95 L``;
  if ``g >= 1.2 g_old`` then ``L <- 2 L`` and ``eps <- eps / 2``.

Steps are never rejected, which is what MAID's line search improves on.
"""
from __future__ import annotations

import math

import numpy as np

from .hypergrad import HypergradientOracle, _norm

__all__ = ["run_hoag", "SCHEDULES"]

SCHEDULES = ("geometric", "quadratic", "cubic")


def _schedule(name, eps0, decay, k):
    if name == "geometric":
        return eps0 * decay ** k
    if name == "quadratic":
        return eps0 / (k + 1) ** 2
    return eps0 / (k + 1) ** 3


def run_hoag(oracle: HypergradientOracle, theta, opts, record, *, tol):
    """Run HOAG from ``theta``; see :func:`optsolve.optimize.bilevel.maid.run_maid`."""
    problem = oracle.problem
    theta = np.array(theta, dtype=float, copy=True)
    eps0, decay, C = float(opts["eps0"]), float(opts["decay"]), float(opts["C"])
    schedule = opts["schedule"]
    eps = eps0
    mu = float(problem.strong_convexity(theta))
    grad_init = _norm(problem.lower_grad(oracle.x, theta))
    grad_init = grad_init if grad_init > 0 else 1.0
    resid_init = None
    L = None
    g_old = eps_old = None
    incr = 0.0
    state = {"theta": theta, "fun": math.nan, "jac": None, "eps": math.nan,
             "delta": math.nan, "step": math.nan, "grad_bound": math.nan, "x": oracle.x}
    for k in range(int(opts["maxiter"]) + 1):
        mu = float(problem.strong_convexity(theta))
        eps_abs = max(eps * grad_init / mu, 1e-300)
        x = oracle.lower(theta, eps_abs)
        oracle.x = x
        g, gradg = oracle.upper(x)
        if resid_init is None:
            resid_init = _norm(gradg) or 1.0
        if g_old is not None:
            if g <= g_old + C * eps + eps_old * (C + 1) * incr - L * incr * incr:
                L *= 0.95
            elif g >= 1.2 * g_old:
                L *= 2.0
                eps /= 2.0
        state.update(theta=theta, fun=g, x=x, eps=eps_abs, delta=eps * resid_init,
                     step=(1.0 / L) if L else math.nan)
        if record("start" if k == 0 else "iteration", accepted=True, **state):
            return dict(state, status="callback")
        if k == int(opts["maxiter"]):
            break
        h, _q = oracle.hypergradient(x, theta, gradg, eps * resid_init)
        hn = _norm(h)
        state.update(jac=h)
        if hn <= tol and oracle.last_lower_certified:
            return dict(state, status="converged")
        if L is None:
            if opts["L0"] == "sqrt":
                L = hn / math.sqrt(theta.size)
            elif opts["L0"] == "dim":
                L = hn * theta.size if hn > 1e-3 else 1.0
            else:
                L = float(opts["L0"])
            L = L if L > 0 else 1.0
        theta_old = theta
        theta = theta - h / L
        incr = _norm(theta - theta_old)
        g_old, eps_old = g, eps
        eps = min(eps, _schedule(schedule, eps0, decay, k + 1))
    return dict(state, status="maxiter")
