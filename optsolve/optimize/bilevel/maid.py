"""MAID: the method of adaptive inexact descent.

Salehi, Mukherjee, Roberts & Ehrhardt, "An adaptively inexact first-order
method for bilevel optimization with application to hyperparameter
learning" (2023). Each outer iteration:

1. computes an inexact hypergradient ``h`` at lower accuracy ``eps`` and CG
   accuracy ``delta``, tightening both by ``tau`` until the a posteriori
   bound satisfies ``omega <= (1 - eta) ||h||``;
2. runs the inexact backtracking line search
   (:func:`optsolve.optimize.linesearch.line_search_inexact`) from step
   ``beta``, at most ``max_backtracks + j`` trials on try ``j``; the first
   trial's lower solve starts from a secant prediction along the last
   accepted step, later trials from a linear interpolation between the
   current lower solution and the previous trial's (``ls_warm="secant"``);
3. on success takes the step, sets ``beta`` to the accepted step times
   ``growth`` (10/9) and relaxes ``eps, delta`` by ``nu`` (1.05); on failure
   tightens them by ``tau`` and recomputes the hypergradient (at most
   ``max_retries`` tries per iteration).

Our ``step_rule`` option changes only the first trial step of step 2 (the
acceptance test and the accuracy control stay the paper's): "growth" is the
paper's ``beta``; "length" scales it by ``||h_old|| / ||h||`` so that the
trial *displacement* grows by ``growth``; "bb" uses the safeguarded
Barzilai-Borwein step of the last accepted step (:func:`_bb_step`), falling
back to "growth" (our default: better than the paper's rule on TV and
within a few percent of it on every other benchmarked application); "bb-length" falls back to
"length".

Our ``direction="lbfgs"`` searches along ``-H h`` instead of ``-h``, with
``H`` the L-BFGS inverse-Hessian estimate of the last accepted steps
(:func:`_two_loop`; pairs from :func:`_curvature_pair`), from the unit
step; the line search then asks for the decrease ``c alpha h'H h``. It is
used only when it passes the paper's accuracy test written for that
direction, ``omega ||H h|| <= (1 - eta) h'H h`` (so that it descends on the
true objective); otherwise, and while no pair is stored, the step is the
gradient step of ``step_rule``.

``fixed=True`` gives the fixed-accuracy baseline: the same line search with
``eps, delta`` never changed.
"""
from __future__ import annotations

import math

import numpy as np

from ..linesearch import line_search_inexact
from .hypergrad import HypergradientOracle, _norm

__all__ = ["run_maid"]


def run_maid(oracle: HypergradientOracle, theta, opts, record, *, tol, fixed=False):
    """Run MAID (or the fixed-accuracy baseline) from ``theta``.

    ``record(event, **state)`` is called after every outer iteration; when it
    returns True the run stops (callback). Returns a dict describing the end
    state; limits raised by the oracle propagate to the caller, which reads
    the last recorded state."""
    problem = oracle.problem
    eps, delta = float(opts["eps0"]), float(opts["delta0"])
    eta, rho, tau, nu = opts["eta"], opts["rho"], opts["tau"], opts["nu"]
    auto_step = opts["beta0"] in ("auto", "dim")
    beta = 1.0 if auto_step else float(opts["beta0"])
    step_rule = opts["step_rule"]
    last_step = None   # (theta_old, h_old, omega_old) of the last accepted step, for BB
    c = eta if opts["decrease"] == "eta" else eta * eta
    interpolate = opts["ls_warm"] in ("interpolate", "secant")
    secant = opts["ls_warm"] == "secant"
    prev = None   # (theta, x) before the last accepted step
    theta = np.array(theta, dtype=float, copy=True)
    lbfgs = opts["direction"] == "lbfgs"
    pairs = []    # L-BFGS memory: (s, y, 1/s'y) of accepted steps, oldest first

    state = {"theta": theta, "fun": math.nan, "jac": None, "eps": eps, "delta": delta,
             "step": beta, "grad_bound": math.nan, "x": oracle.x}
    x = oracle.lower(theta, eps)
    oracle.x = x
    g, gradg = oracle.upper(x)
    state.update(fun=g, x=x)
    if record("start", **state):
        return dict(state, status="callback")

    for _k in range(int(opts["maxiter"])):
        accepted = False
        for j in range(int(opts["max_retries"])):
            # 1. hypergradient accurate enough for its own bound
            while True:
                mu = float(problem.strong_convexity(theta))
                x = oracle.lower(theta, eps)
                oracle.x = x
                g, gradg = oracle.upper(x)
                h, q = oracle.hypergradient(x, theta, gradg, delta)
                omega = oracle.error_bound(x, theta, h, q, gradg, eps, delta, mu)
                hn = _norm(h)
                state.update(fun=g, jac=h, eps=eps, delta=delta, grad_bound=omega, x=x)
                if hn + omega <= tol and oracle.last_lower_certified:
                    return dict(state, status="converged")
                if fixed or omega <= (1.0 - eta) * hn:
                    break
                eps *= tau
                delta *= tau
                if eps < opts["eps_min"]:
                    state.update(eps=eps, delta=delta)
                    return dict(state, status="eps_min")
            if auto_step and hn > 0:
                # first trial step moves theta by unit length (scale-free start),
                # measured with the hypergradient that passed its bound: one from a
                # loose first solve can be orders of magnitude off; "dim": HOAG's
                # first step 1 / (||h|| dim)
                beta = 1.0 / (hn * (theta.size if opts["beta0"] == "dim" else 1))
                auto_step = False
            trial_beta = beta   # the paper's: the last accepted step times `growth`
            if step_rule != "growth" and last_step is not None:
                if step_rule in ("length", "bb-length") and hn > 0:
                    # the trial displacement ||beta h|| (not beta) grows by `growth`
                    trial_beta = beta * _norm(last_step[1]) / hn
                if step_rule in ("bb", "bb-length"):
                    trial_beta = _bb_step(theta, h, omega, last_step, trial_beta,
                                          opts["beta_min"], opts["beta_max"])
            direction, slope, alpha0, pair = h, None, trial_beta, None
            if lbfgs:
                pair = _curvature_pair(theta, h, last_step)
                memory = pairs + ([pair] if pair is not None else [])
                if memory:
                    d = _two_loop(h, memory)
                    sl = float(np.vdot(h, d))
                    # the paper's test omega <= (1 - eta) ||h|| for the direction d:
                    # with ||h - grad f|| <= omega, d then descends on the true f
                    if (math.isfinite(sl) and sl > 0
                            and omega * _norm(d) <= (1.0 - eta) * sl):
                        direction, slope, alpha0 = d, sl, 1.0
            # 2. inexact backtracking line search
            x_base = x
            last_trial = {}

            def evaluate(th, x_base=x_base, theta_base=theta, eps=eps, last=last_trial):
                start = x_base
                if secant and not last and prev is not None:
                    # first trial: x* predicted along the last accepted step
                    sd = theta_base - prev[0]
                    start = x_base + (float(np.vdot(th - theta_base, sd)) /
                                      float(np.vdot(sd, sd))) * (x_base - prev[1])
                if interpolate and last:
                    # trials lie on one ray: x*(theta - s a d) ~ x_base + s (x_a - x_base)
                    s = _norm(th - theta_base) / last["dist"]
                    start = x_base + s * (last["x"] - x_base)
                xt = oracle.lower(th, eps, x_start=start)
                if interpolate:
                    last.update(x=xt, dist=_norm(th - theta_base))
                if not oracle.last_lower_certified:
                    # lower_maxiter reached: the value carries no error bound, so the
                    # trial cannot pass the test (it is rejected, as too long a step)
                    return math.inf, math.inf, xt
                gt, ggt = oracle.upper(xt)
                return gt, _norm(ggt), xt

            step = line_search_inexact(
                evaluate, theta, direction, g, _norm(gradg), eps, alpha0=alpha0, rho=rho,
                c=c, upper_lipschitz=oracle.upper_lipschitz(),
                maxiter=int(opts["max_backtracks"]) + j,
                hopeless_factor=opts["hopeless_factor"], slope=slope)
            if step.accepted:
                prev = (theta, x_base)
                last_step = (theta, h, omega)
                theta = step.theta
                oracle.x = step.payload
                beta = step.alpha * opts["growth"]
                if slope is not None:
                    # the gradient step that moves theta as far (the fallback)
                    beta *= _norm(direction) / hn
                if pair is not None:
                    pairs = (pairs + [pair])[-int(opts["lbfgs_memory"]):]
                if not fixed:
                    eps *= nu
                    delta *= nu
                state.update(theta=theta, fun=step.fun, x=step.payload, step=beta,
                             eps=eps, delta=delta)
                accepted = True
                break
            if not fixed:
                eps *= tau
                delta *= tau
                if eps < opts["eps_min"]:
                    state.update(eps=eps, delta=delta)
                    return dict(state, status="eps_min")
        state.update(eps=eps, delta=delta)
        if record("iteration", accepted=accepted, **state):
            return dict(state, status="callback")
    return dict(state, status="maxiter")


def _bb_step(theta, h, omega, last_step, fallback, beta_min, beta_max):
    """Safeguarded Barzilai-Borwein first trial step after an accepted step.

    ``s = theta - theta_old``, ``y = h - h_old``: the BB1 step ``s's / s'y``
    (the inverse of the curvature of ``f`` along ``s``), clipped to
    ``[beta_min, beta_max]``. Returns ``fallback`` when the curvature ``s'y``
    is not positive, or when ``||y||`` is within the error bounds
    ``omega + omega_old`` of the two hypergradients (their difference may then
    be all error)."""
    pair = _curvature_pair(theta, h, last_step)
    if pair is None or _norm(pair[1]) <= omega + last_step[2]:
        return fallback
    s, y, _ = pair
    bb = float(np.vdot(s, s)) / float(np.vdot(s, y))   # s's / s'y
    if not math.isfinite(bb):
        return fallback
    return min(max(bb, beta_min), beta_max)


def _curvature_pair(theta, h, last_step):
    """The L-BFGS pair ``(s, y, 1/s'y)`` of the last accepted step, or None
    when there is none or its curvature ``s'y`` is not positive (the update
    is skipped, as in BFGS, so ``H`` stays positive definite). Unlike
    :func:`_bb_step`, no test of ``y`` against the error bounds: an inexact
    pair gives a worse ``H``, never an unsafe step, since the direction must
    pass its accuracy test and every step the sufficient-decrease test (a
    first version that also asked ``||y|| > omega + omega_old`` kept all but
    one of 167 pairs out on the small field of experts)."""
    if last_step is None:
        return None
    theta_old, h_old, _ = last_step
    s = theta - theta_old
    y = h - h_old
    sy = float(np.vdot(s, y))
    if not sy > 0 or not math.isfinite(sy):
        return None
    return s, y, 1.0 / sy


def _two_loop(h, memory):
    """L-BFGS two-loop recursion: ``H h`` for the inverse-Hessian estimate of
    the pairs in ``memory`` (oldest first), scaled by ``s'y / y'y`` of the
    newest."""
    q = np.array(h, dtype=float, copy=True)
    a = []
    for s, y, r in reversed(memory):
        ai = r * float(np.vdot(s, q))
        q -= ai * y
        a.append(ai)
    s, y, r = memory[-1]
    q *= 1.0 / (r * float(np.vdot(y, y)))
    for (s, y, r), ai in zip(memory, reversed(a)):
        q += (ai - r * float(np.vdot(y, q))) * s
    return q
