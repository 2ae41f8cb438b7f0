"""MAID: the method of adaptive inexact descent.

Salehi, Mukherjee, Roberts & Ehrhardt, "An adaptively inexact first-order
method for bilevel optimization with application to hyperparameter
learning" (2023). Each outer iteration:

1. computes an inexact hypergradient ``h`` at lower accuracy ``eps`` and CG
   accuracy ``delta``, tightening both by ``tau`` until the a posteriori
   bound satisfies ``omega <= (1 - eta) ||h||``;
2. runs the inexact backtracking line search
   (:func:`optsolve.optimize.linesearch.line_search_inexact`) along the
   direction of ``direction`` (:mod:`.directions`) from the step of
   ``step_rule`` (:mod:`.steprules`), at most ``max_backtracks + j`` trials on
   try ``j``, the trials' lower solves warm started by ``ls_warm``
   (:mod:`.warmstarts`);
3. on success takes the step and relaxes ``eps, delta`` by ``nu``; on
   failure tightens them by ``tau`` and recomputes the hypergradient (at most
   ``max_retries`` tries per iteration).

``fixed=True`` gives the fixed-accuracy baseline: the same line search with
``eps, delta`` never changed. The guide's *How it works* and *Our additions*
explain the choices.
"""
from __future__ import annotations

import math

import numpy as np

from ..linesearch import line_search_inexact
from .directions import DIRECTIONS
from .hypergrad import HypergradientOracle, _norm
from .steprules import STEP_RULES
from .warmstarts import WARM_STARTS

__all__ = ["run_maid"]


def run_maid(oracle: HypergradientOracle, theta, opts, record, *, tol, fixed=False):
    """Run MAID (or the fixed-accuracy baseline) from ``theta``.

    ``record(event, **state)`` is called after every outer iteration; when it
    returns True the run stops (callback). Returns a dict describing the end
    state; limits raised by the oracle propagate to the caller, which reads
    the last recorded state."""
    run = _Maid(oracle, theta, opts, tol, fixed)
    if record("start", **run.state):
        return dict(run.state, status="callback")
    for _k in range(int(opts["maxiter"])):
        accepted, end = run.iteration()
        if end is not None:
            return dict(run.state, status=end)
        run.state.update(eps=run.eps, delta=run.delta)
        if record("iteration", accepted=accepted, **run.state):
            return dict(run.state, status="callback")
    return dict(run.state, status="maxiter")


class _Maid:
    """The state of one run: ``theta``, the accuracies, the step, the
    strategies, and ``state``, what the driver records."""

    def __init__(self, oracle, theta, opts, tol, fixed):
        self.oracle, self.opts, self.tol, self.fixed = oracle, opts, tol, fixed
        self.problem = oracle.problem
        self.eps, self.delta = float(opts["eps0"]), float(opts["delta0"])
        self.auto_step = opts["beta0"] in ("auto", "dim")
        self.beta = 1.0 if self.auto_step else float(opts["beta0"])
        self.step_rule = STEP_RULES[opts["step_rule"]]
        self.direction = DIRECTIONS[opts["direction"]](opts)
        self.warm_start = WARM_STARTS[opts["ls_warm"]]
        self.c = opts["eta"] if opts["decrease"] == "eta" else opts["eta"] * opts["eta"]
        self.last_step = None   # (theta_old, h_old, omega_old) of the last accepted step
        self.prev = None        # (theta, x) before the last accepted step
        self.point = None       # (x, g, grad g, h, ||h||, omega) at theta
        self.theta = np.array(theta, dtype=float, copy=True)
        self.state = {"theta": self.theta, "fun": math.nan, "jac": None, "eps": self.eps,
                      "delta": self.delta, "step": self.beta, "grad_bound": math.nan,
                      "x": oracle.x}
        x = oracle.lower(self.theta, self.eps)
        oracle.x = x
        g, _ = oracle.upper(x)
        self.state.update(fun=g, x=x)

    def tighten(self):
        """Both accuracies shrink by ``tau``; False below ``eps_min``."""
        self.eps *= self.opts["tau"]
        self.delta *= self.opts["tau"]
        if self.eps < self.opts["eps_min"]:
            self.state.update(eps=self.eps, delta=self.delta)
            return False
        return True

    def iteration(self):
        """One outer iteration: ``(accepted, end)``, ``end`` a status or None."""
        for j in range(int(self.opts["max_retries"])):
            end = self.hypergradient()
            if end is not None:
                return False, end
            if self.line_search(j):
                return True, None
            if not self.fixed and not self.tighten():
                return False, "eps_min"
        return False, None

    def hypergradient(self):
        """Step 1: ``h`` accurate enough for its own bound (kept in
        ``self.point``); a status when the run ends here."""
        oracle, theta = self.oracle, self.theta
        while True:
            mu = float(self.problem.strong_convexity(theta))
            x = oracle.lower(theta, self.eps)
            oracle.x = x
            g, gradg = oracle.upper(x)
            h, q = oracle.hypergradient(x, theta, gradg, self.delta)
            omega = oracle.error_bound(x, theta, h, q, gradg, self.eps, self.delta, mu)
            hn = _norm(h)
            self.state.update(fun=g, jac=h, eps=self.eps, delta=self.delta,
                              grad_bound=omega, x=x)
            self.point = (x, g, gradg, h, hn, omega)
            if hn + omega <= self.tol and oracle.last_lower_certified:
                return "converged"
            if self.fixed or omega <= (1.0 - self.opts["eta"]) * hn:
                return None
            if not self.tighten():
                return "eps_min"

    def first_step(self, h, hn, omega):
        """``(direction, slope, alpha0)`` of the line search."""
        if self.auto_step and hn > 0:
            # theta moves by unit length first, measured with the h that passed its
            # bound (one from a loose first solve can be far off); "dim": HOAG's step
            self.beta = 1.0 / (hn * (self.theta.size if self.opts["beta0"] == "dim" else 1))
            self.auto_step = False
        trial = self.beta
        if self.last_step is not None:
            trial = self.step_rule(self.beta, self.theta, h, hn, omega, self.last_step,
                                   self.opts)
        proposal = self.direction.propose(self.theta, h, omega, self.last_step)
        if proposal is not None:
            return proposal[0], proposal[1], 1.0
        return h, None, trial

    def line_search(self, j):
        """Step 2 on try ``j``; on success step 3's update. True if accepted."""
        oracle, opts, theta = self.oracle, self.opts, self.theta
        x, g, gradg, h, hn, omega = self.point
        direction, slope, alpha0 = self.first_step(h, hn, omega)
        warm = self.warm_start(theta, x, self.prev)
        eps = self.eps

        def evaluate(th):
            xt = oracle.lower(th, eps, x_start=warm.start(th))
            warm.seen(th, xt)
            if not oracle.last_lower_certified:
                # lower_maxiter reached: no error bound, so the trial is rejected
                return math.inf, math.inf, xt
            gt, ggt = oracle.upper(xt)
            return gt, _norm(ggt), xt

        step = line_search_inexact(
            evaluate, theta, direction, g, _norm(gradg), eps, alpha0=alpha0, rho=opts["rho"],
            c=self.c, upper_lipschitz=oracle.upper_lipschitz(),
            maxiter=int(opts["max_backtracks"]) + j,
            hopeless_factor=opts["hopeless_factor"], slope=slope)
        if not step.accepted:
            return False
        self.prev = (theta, x)
        self.last_step = (theta, h, omega)
        self.theta = step.theta
        oracle.x = step.payload
        self.beta = step.alpha * opts["growth"]
        if slope is not None:
            # the gradient step that moves theta as far (the fallback)
            self.beta *= _norm(direction) / hn
        self.direction.accepted()
        if not self.fixed:
            self.eps *= opts["nu"]
            self.delta *= opts["nu"]
        self.state.update(theta=self.theta, fun=step.fun, x=step.payload, step=self.beta,
                          eps=self.eps, delta=self.delta)
        return True
