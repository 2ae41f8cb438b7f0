"""``minimize_bilevel``: validation at the door, the run, the result."""
from __future__ import annotations

import math
import time

import numpy as np

from ..._runtime import (LIMIT, OTHER, STATUS_MESSAGES, SUCCESS, Deadline, InterruptGuard,
                         OptimizeResult, Progress, check_count_limit, check_time_limit,
                         wrap_callback)
from .hoag import SCHEDULES, run_hoag
from .hypergrad import LOWER_SOLVERS, HypergradientOracle, WorkLimitReached, _norm
from .maid import run_maid
from .problems import check_problem

__all__ = ["minimize_bilevel", "METHODS", "DEFAULT_OPTIONS"]

METHODS = ("maid", "hoag", "fixed")
STEP_RULES = ("growth", "length", "bb", "bb-length")
DIRECTIONS = ("gradient", "lbfgs")

_COMMON = {"maxiter": 1000, "max_work": None, "time_limit": None,
           "lower_maxiter": 2000, "cg_maxiter": 2000, "seed": 0,
           "lower_solver": "auto"}
_MAID = {"eps0": 0.1, "delta0": 0.1, "eta": 1e-4, "rho": 0.5, "tau": 0.5, "nu": 1.05,
         "beta0": "auto", "growth": 10.0 / 9.0, "max_backtracks": 10, "max_retries": 3,
         "decrease": "eta", "eps_min": 1e-13, "hopeless_factor": 4.0,
         "ls_warm": "secant", "step_rule": "bb", "beta_min": 1e-10, "beta_max": 1e10,
         "direction": "lbfgs", "lbfgs_memory": 10}
_FIXED = dict(_MAID, eps0=1e-3, delta0=1e-3, max_backtracks=5)
_HOAG = {"eps0": 1e-3, "schedule": "geometric", "decay": 0.9, "C": 0.25, "L0": "dim"}

#: Default ``options`` of each method.
DEFAULT_OPTIONS = {"maid": dict(_COMMON, **_MAID), "fixed": dict(_COMMON, **_FIXED),
                   "hoag": dict(_COMMON, **_HOAG)}


def _positive(opts, name):
    v = opts[name]
    try:
        v = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}") from None
    if not (v > 0 and math.isfinite(v)):
        raise ValueError(f"`{name}` must be a positive number, got {opts[name]!r}")
    opts[name] = v


def _unit(opts, name):
    v = opts[name]
    try:
        ok = 0.0 < float(v) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must lie in (0, 1), got {v!r}")
    opts[name] = float(v)


def _options_iv(method, options):
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError("`options` must be a dict or None")
    defaults = DEFAULT_OPTIONS[method]
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"unknown `options` for method {method!r}: {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(defaults))}")
    opts = dict(defaults, **options)
    opts["maxiter"] = check_count_limit(opts["maxiter"], "maxiter")
    if opts["maxiter"] is None:
        raise ValueError("`maxiter` must be a non-negative integer")
    opts["max_work"] = check_count_limit(opts["max_work"], "max_work")
    opts["time_limit"] = check_time_limit(opts["time_limit"])
    for name in ("lower_maxiter", "cg_maxiter"):
        n = check_count_limit(opts[name], name)
        if not n:
            raise ValueError(f"`{name}` must be a positive integer")
        opts[name] = n
    if opts["lower_solver"] not in ("auto",) + LOWER_SOLVERS:
        raise ValueError(f"`lower_solver` must be 'auto' or one of {LOWER_SOLVERS}, "
                         f"got {opts['lower_solver']!r}")
    _positive(opts, "eps0")
    if method == "hoag":
        if opts["schedule"] not in SCHEDULES:
            raise ValueError(f"`schedule` must be one of {SCHEDULES}, got {opts['schedule']!r}")
        _unit(opts, "decay")
        _positive(opts, "C")
        if opts["L0"] not in ("sqrt", "dim"):
            _positive(opts, "L0")
        return opts
    for name in (("delta0", "eps_min", "beta_min", "beta_max")
                 + (() if opts["beta0"] in ("auto", "dim") else ("beta0",))):
        _positive(opts, name)
    for name in ("eta", "rho", "tau"):
        _unit(opts, name)
    for name in ("nu", "growth"):
        _positive(opts, name)
        if opts[name] < 1:
            raise ValueError(f"`{name}` must be at least 1, got {opts[name]!r}")
    for name in ("max_backtracks", "max_retries", "lbfgs_memory"):
        n = check_count_limit(opts[name], name)
        if not n:
            raise ValueError(f"`{name}` must be a positive integer")
        opts[name] = n
    if opts["hopeless_factor"] is not None:
        _positive(opts, "hopeless_factor")
    if opts["beta_min"] > opts["beta_max"]:
        raise ValueError(f"`beta_min` must not exceed `beta_max`, got {opts['beta_min']!r} "
                         f"> {opts['beta_max']!r}")
    if opts["step_rule"] not in STEP_RULES:
        raise ValueError(f"`step_rule` must be one of {STEP_RULES}, got {opts['step_rule']!r}")
    if opts["direction"] not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {DIRECTIONS}, got {opts['direction']!r}")
    if opts["ls_warm"] not in ("base", "interpolate", "secant"):
        raise ValueError(f"`ls_warm` must be 'base' or 'interpolate', got {opts['ls_warm']!r}")
    if opts["decrease"] not in ("eta", "eta2"):
        raise ValueError(f"`decrease` must be 'eta' (the paper) or 'eta2' (the authors' "
                         f"code), got {opts['decrease']!r}")
    return opts


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
        ``maxiter`` (outer iterations, 1000), ``max_work`` (budget on
        ``nlower + ncg``, None; an error bound started under the budget may
        finish up to 6 products past it), ``time_limit`` (seconds, None),
        ``lower_maxiter``/``cg_maxiter`` (2000 each per solve), ``seed`` (0,
        for the random secants of the error bound), ``lower_solver``
        ("fista": strongly convex FISTA with gradient restart, the paper's
        choice; "newton-cg": truncated Newton-CG on the gradient norm, whose
        Hessian-vector products count as lower-level work; "auto", the
        default: the problem's ``preferred_lower_solver`` attribute, else
        "fista"; the built-in field of experts and logistic problems prefer
        "newton-cg", TV denoising "fista").
        MAID and "fixed": ``eps0``, ``delta0`` (0.1; 1e-3 for "fixed"),
        ``eta`` (1e-4), ``rho`` (step shrink, 0.5), ``tau`` (accuracy shrink,
        0.5), ``nu`` (accuracy relaxation, 1.05), ``beta0`` (first trial
        step: "auto" = ``1/||h_0||``, "dim" = ``1/(||h_0|| dim)`` (HOAG's
        first step), or a number; the paper uses 0.1),
        ``growth`` (step growth after success, 10/9), ``step_rule`` (first
        trial step of the later line searches; only the start of the
        backtracking changes, not its acceptance test nor the accuracy
        control: "growth", the paper's, the last accepted step times
        ``growth``; "length", that step rescaled by
        ``||h_old||/||h||`` so that the trial *displacement* grows by
        ``growth``; "bb", the Barzilai-Borwein step ``s's/s'y`` of the last
        accepted step ``s`` and hypergradient change ``y`` (the default),
        clipped to
        [``beta_min``, ``beta_max``] (1e-10, 1e10), falling back to "growth"
        when ``s'y <= 0`` or ``||y||`` is within the two hypergradients'
        error bounds; "bb-length": the same falling back to "length"),
        ``direction`` (the search direction: "gradient", the paper's,
        ``-h``; "lbfgs", ``-H h`` with ``H`` the L-BFGS inverse-Hessian
        estimate of the last ``lbfgs_memory`` (10) accepted steps (a pair
        is skipped when ``s'y <= 0``), tried from the unit step and used
        only when ``omega ||H h|| <= (1 - eta) h'H h`` (the paper's
        accuracy test for that direction: it then descends on the true
        objective), else the gradient step of ``step_rule``; the line
        search asks for the decrease ``c alpha h'H h``),
        ``max_backtracks``
        (10; 5 for "fixed"), ``max_retries`` (3), ``decrease`` ("eta": the
        paper's test; "eta2": the authors' code), ``hopeless_factor`` (4.0;
        None tries every trial step), ``eps_min`` (1e-13), ``ls_warm``
        (warm start of the lower solves of the line search: "secant", the
        default, predicts the first trial's solution along the last accepted
        step, ``x + (<d, s>/<s, s>) (x - x_old)`` for a trial step ``d`` after
        the step ``s`` that took ``x_old`` to ``x``, and interpolates later
        trials on the ray, ``x + r (x_prev - x)`` with ``x_prev`` the previous
        trial's solution and ``r`` the step ratio; "interpolate" does only the
        latter; "base", the plain warm start, starts every trial from ``x``).
        HOAG: ``eps0`` (1e-3), ``schedule`` ("geometric", "quadratic",
        "cubic"), ``decay`` (0.9), ``C`` (0.25), ``L0`` (first inverse step:
        "dim" ``||h_0|| dim``, "sqrt" ``||h_0||/sqrt(dim)``, or a number).
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
    opts = _options_iv(method, options)
    cb = wrap_callback(callback)

    if opts["lower_solver"] == "auto":
        opts["lower_solver"] = getattr(problem, "preferred_lower_solver", "fista")
        if opts["lower_solver"] not in LOWER_SOLVERS:
            raise ValueError(f"`problem.preferred_lower_solver` must be one of "
                             f"{LOWER_SOLVERS}, got {opts['lower_solver']!r}")
    x0 = np.array(problem.x0(theta), dtype=float)
    deadline = Deadline(opts["time_limit"])
    progress = Progress(verbose, [("iter", "{:>6d}"), ("work", "{:>9d}"),
                                  ("upper", "{:>12.6g}"), ("|h|", "{:>10.3e}"),
                                  ("bound", "{:>10.3e}"), ("eps", "{:>9.2e}"),
                                  ("delta", "{:>9.2e}"), ("step", "{:>9.2e}")])
    history = {k: [] for k in ("work", "fun", "time", "eps", "delta", "grad_norm")}
    last = {"theta": theta, "fun": math.nan, "jac": None, "eps": math.nan,
            "delta": math.nan, "step": math.nan, "grad_bound": math.nan, "x": x0}
    counters = {"nit": 0}

    with InterruptGuard() as guard:
        oracle = HypergradientOracle(problem, x0, max_work=opts["max_work"],
                                     deadline=deadline, guard=guard,
                                     lower_maxiter=opts["lower_maxiter"],
                                     cg_maxiter=opts["cg_maxiter"], seed=opts["seed"],
                                     lower_solver=opts["lower_solver"])

        def snapshot(state, status="running", limit=None):
            jac = state.get("jac")
            return OptimizeResult(
                x=np.array(state["theta"], copy=True), fun=state["fun"],
                jac=None if jac is None else np.array(jac, copy=True),
                nit=counters["nit"], nlower=oracle.nlower, ncg=oracle.ncg,
                nfev=oracle.nfev, nwork=oracle.work, eps=state["eps"],
                delta=state["delta"], step=state["step"],
                grad_bound=state["grad_bound"], x_lower=state["x"], limit=limit)

        def record(event, accepted=True, **state):
            last.update(state)
            if event == "iteration":
                counters["nit"] += 1
            history["work"].append(oracle.work)
            history["fun"].append(state["fun"])
            history["time"].append(deadline.elapsed())
            history["eps"].append(state["eps"])
            history["delta"].append(state["delta"])
            jac = state.get("jac")
            hn = _norm(jac) if jac is not None else math.nan
            history["grad_norm"].append(hn)
            progress.line(counters["nit"], oracle.work, state["fun"], hn,
                          state["grad_bound"], state["eps"], state["delta"], state["step"],
                          force=(event == "start"))
            if cb is not None and event == "iteration":
                return cb(snapshot(state))
            return False

        limit = None
        try:
            if method == "hoag":
                out = run_hoag(oracle, theta, opts, record, tol=tol)
            else:
                out = run_maid(oracle, theta, opts, record, tol=tol, fixed=(method == "fixed"))
            last.update({k: v for k, v in out.items() if k in last})
            end = out["status"]
        except WorkLimitReached as stop:
            end, limit = "limit", stop.limit

    if end == "converged":
        status, message = SUCCESS, "The hypergradient bound is below `tol`."
    elif end == "maxiter":
        status, limit = LIMIT, "maxiter"
        message = "The maximum number of outer iterations was reached."
    elif end == "callback":
        status, limit = LIMIT, "callback"
        message = "The callback asked to stop."
    elif end == "eps_min":
        status = OTHER
        message = ("The accuracies reached `eps_min` without satisfying the error "
                   "bound or the line search (the hypergradient may be tiny or the "
                   "problem's constants wrong).")
    else:
        status = LIMIT
        message = {"max_work": "The work budget `max_work` was used up.",
                   "time": "The time limit was reached.",
                   "interrupt": "Interrupted by the user."}.get(limit, STATUS_MESSAGES[LIMIT])
    res = snapshot(last, limit=limit)
    res.update(status=status, success=status == SUCCESS, message=message, method=method,
               lower_solver=opts["lower_solver"],
               time=deadline.elapsed(),
               history={k: np.asarray(v, dtype=float) for k, v in history.items()})
    progress.message(f"{message} theta-norm {np.linalg.norm(res.x):.4g}, upper {res.fun:.6g}, "
                     f"work {res.nwork} (lower {res.nlower}, cg {res.ncg})")
    return res
