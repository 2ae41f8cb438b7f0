"""Bilevel learning: MAID vs HOAG (3 schedules) vs fixed accuracy vs grid search.

``python -m bench bilevel [--images 10] [--size 96] [--budget 8000] [--skip-logistic]
[--libsvm [a8a,w8a]] [--foe] [--foe-large] [--foe-long] [--step-rules] [--figures DIR]``

* TV denoising on Kodak images (grayscale, resized, noise sigma 0.1, seed 0):
  every method starts from theta0 = (-5, -5) with the same budget of
  lower-level + CG iterations. The upper loss is re-evaluated *exactly*
  (lower level solved to 1e-6, not counted as work) at points of each
  trajectory, so methods with loose accuracies are not flattered by their own
  inexact values. Reported: work to reach within 1% of the best loss any
  method found, the final loss, PSNR on the training images and on held-out
  test images, and the same for a grid search over (log lambda, log nu)
  spending the same budget.
* Multinomial logistic regression on scikit-learn's digits (per-weight L2):
  validation loss reached by each method, against scikit-learn's
  LogisticRegressionCV and a validation-set grid over C in the same run.
* ``--libsvm [a8a,w8a]``: binary libsvm files (sparse) as 2-class problems
  with one L2 weight per feature, MAID and the HOAG schedules against
  LogisticRegressionCV.
* ``--foe``: a small field of experts (8 filters 5x5) on four 32x32 crops,
  every method; ``--foe-large``: the paper's bank (48 filters 7x7) on 96x96
  images, MAID and the three HOAG schedules; ``--foe-long``: the same at the
  paper's budget (``--foe-long-budget``, default 1e5) on ``--foe-long-images``
  images of ``--foe-long-size``. Each against a grid search over common
  shifts of theta0's log-weights and log-smoothings (filters fixed) spending
  the same budget, with train and held-out test PSNR.
* ``--step-rules``: MAID along the paper's direction ``-h``
  (``direction="gradient"``: with our default ``step_rule="bb"``, with the
  paper's ``step_rule="growth"``, and with ``step_rule="bb-length"``,
  ``beta0="dim"``) run next to the default MAID (L-BFGS direction) on every
  application, with their own ratios to HOAG.
* ``--foe-instances N``: the small FoE case on N other instances (other
  images, crops, noise seeds and filter starts): MAID, MAID along the
  gradient and HOAG, work to HOAG's best loss.
* ``--methods NAMES``: only these methods (``MAID,HOAG-geometric,...``); the
  long FoE case compares them with the other methods' saved trajectories.
* ``--figures DIR``: only the user guide's pictures (scikit-image samples).

Writes bench/results/bilevel_*.csv and bilevel.png.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # 2 shared cores: no spinning BLAS threads
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

from bench._harness import Table, data_dir, figure_path, machine_line, ratio  # noqa: E402
from optsolve.optimize.bilevel import (FieldOfExperts, MultinomialLogistic,  # noqa: E402
                                       TVDenoising, minimize_bilevel)
from optsolve.optimize.bilevel.hypergrad import preferred_solve_lower, solve_lower  # noqa: E402

METHODS = [
    ("MAID", "maid", {}),
    ("HOAG-geometric", "hoag", {"schedule": "geometric"}),
    ("HOAG-quadratic", "hoag", {"schedule": "quadratic"}),
    ("HOAG-cubic", "hoag", {"schedule": "cubic"}),
    ("fixed-1e-1", "fixed", {"eps0": 1e-1, "delta0": 1e-1}),
    ("fixed-1e-3", "fixed", {"eps0": 1e-3, "delta0": 1e-3}),
]
# ``--step-rules``: MAID with the paper's search direction (our former default,
# then also the paper's step rule, and the step options), next to the default
STEP_VARIANTS = [
    ("MAID-gradient", "maid", {"direction": "gradient"}),
    ("MAID-growth", "maid", {"direction": "gradient", "step_rule": "growth"}),
    ("MAID-bb-length-dim", "maid", {"direction": "gradient", "step_rule": "bb-length",
                                    "beta0": "dim"}),
]


def with_variants(methods, args):
    """``methods`` with the MAID step-rule variants after "MAID" when asked;
    ``--methods`` instead names the methods to run, from all known ones."""
    only = getattr(args, "methods", None)
    if only:
        known = METHODS + STEP_VARIANTS
        names = only.split(",")
        unknown = set(names) - {m[0] for m in known}
        if unknown:
            raise SystemExit(f"bench bilevel: unknown --methods {sorted(unknown)}; known: "
                             f"{', '.join(m[0] for m in known)}")
        return [m for m in known if m[0] in names]
    out = []
    for m in methods:
        out.append(m)
        if m[0] == "MAID" and getattr(args, "step_rules", False):
            out.extend(STEP_VARIANTS)
    return out


def maid_names(names):
    return [n for n in names if n == "MAID" or n.startswith("MAID-")]


def load_kodak(n, size, offset=0):
    from PIL import Image

    files = sorted(data_dir("images/kodak").glob("*.png"))[offset:offset + n]
    return [np.asarray(Image.open(f).convert("L").resize((size, size),
                                                         Image.Resampling.BICUBIC),
                       dtype=float) / 255.0 for f in files]


def add_noise(images, sigma, seed):
    rng = np.random.default_rng(seed)
    return [c + sigma * rng.standard_normal(c.shape) for c in images]


class Exact:
    """Exact upper loss f(theta) (lower level to 1e-6, warm-started)."""

    def __init__(self, prob, tol=1e-6):
        self.prob, self.tol, self.x = prob, tol, None

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        x0 = self.prob.x0(theta) if self.x is None else self.x
        solve = preferred_solve_lower(self.prob)
        self.x, _, _ = solve(self.prob, theta, x0, self.tol, maxiter=50000)
        return self.prob.upper_fun(self.x), self.x


def run_method(prob, theta0, method, options, budget):
    traj = [(0, 0.0, np.array(theta0, dtype=float))]

    def cb(intermediate_result):
        traj.append((intermediate_result.nwork, time.perf_counter() - t0,
                     intermediate_result.x))

    t0 = time.perf_counter()
    res = minimize_bilevel(prob, theta0, method=method, callback=cb,
                           options=dict(options, max_work=budget))
    traj.append((res.nwork, time.perf_counter() - t0, res.x))
    return res, traj


def exact_curve(prob, traj, npoints, tol=1e-6, by_work=False):
    """(work, time, exact loss[, PSNR]) at up to ``npoints`` points of a trajectory,
    spread geometrically over its iterations (``by_work``: over the work, plus
    ``npoints // 2`` evenly spaced in work, for long runs of many iterations)."""
    idx = sorted(set(np.unique(np.geomspace(1, len(traj), npoints).astype(int) - 1))
                 | {0, len(traj) - 1})
    if by_work:
        works = np.array([t[0] for t in traj], dtype=float)
        targets = np.concatenate([np.geomspace(1, works[-1], npoints),
                                  np.linspace(0, works[-1], npoints // 2 + 1)[1:]])
        idx = sorted({0, len(traj) - 1}
                     | {int(np.searchsorted(works, w)) for w in targets if w <= works[-1]})
    ex = Exact(prob, tol)
    out = []
    for i in idx:
        f, x = ex(traj[i][2])
        extra = (prob.psnr(x),) if hasattr(prob, "psnr") else ()
        out.append((traj[i][0], traj[i][1], f) + extra)
    return out


def work_to_reach(curve, target):
    for work, _, loss, *_ in curve:
        if loss <= target:
            return work
    return math.nan


def bisect_reach(prob, work, thetas, target, tol):
    """Work at which the exact loss along a saved trajectory (``work[i]``,
    ``thetas[i]``) crosses ``target``, by bisection on the iterations: the
    first crossing where the loss decreases monotonically along the run
    (nan: the last iterate is above ``target``). About log2(iterations)
    exact solves instead of one per iteration."""
    ex = Exact(prob, tol)
    hi = len(work) - 1
    if ex(thetas[hi])[0] > target:
        return math.nan
    lo = 0
    if ex(thetas[lo])[0] <= target:
        return work[lo]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ex(thetas[mid])[0] <= target:
            hi = mid
        else:
            lo = mid
    return work[hi]


def refine_long(prob, trajs, tol):
    """The long run's two readings on the saved trajectories: work to come
    within 1% of the best final exact loss and to reach the best HOAG
    schedule's final loss, by bisection (the sampled curves only bound them).
    The final losses are solved afresh from ``x0``, as :func:`bisect_reach`
    solves each trajectory's last point, so that a run reaches its own value."""
    finals = {n: Exact(prob, tol)(th[-1])[0] for n, (_, th) in trajs.items()}
    best = min(finals.values())
    hoag = min(v for n, v in finals.items() if n.startswith("HOAG"))
    print(f"  by bisection on the trajectories (best final loss {best:.5g}, best HOAG final "
          f"loss {hoag:.5g}):")
    for name, (work, thetas) in trajs.items():
        print(f"    {name:15s} within 1% of the best at work "
              f"{bisect_reach(prob, work, thetas, best + 0.01 * abs(best), tol)}; "
              f"HOAG's best loss at work {bisect_reach(prob, work, thetas, hoag, tol)}",
              flush=True)


def work_to_stay(curve, target):
    """Work after which every later point of the curve stays at or below target."""
    work = math.nan
    for w, _, loss, *_ in reversed(curve):
        if not loss <= target:
            break
        work = w
    return work


def reach_table(curves, stay=False):
    """Work of each method to come (``stay``: and stay) within 1% of the best
    exact loss any method found."""
    best = min(min(c[2] for c in cv if math.isfinite(c[2])) for cv in curves.values())
    how = work_to_stay if stay else work_to_reach
    reach = {n: how(c, best + 0.01 * abs(best)) for n, c in curves.items()}
    hoag = min((reach[n] for n in reach if n.startswith("HOAG") and math.isfinite(reach[n])),
               default=math.nan)
    return best, reach, hoag


def one_step_oracle(prob, theta0, theta_best, eps=0.1):
    """Work of a method that knew where to go: a certified lower solve at
    ``theta0``, one adjoint solve, then one lower solve at ``theta_best`` warm
    started from the first (accuracies MAID's first ``eps0 = delta0``), i.e.
    the one-step path ``theta0 -> theta_best`` replayed."""
    return replay_path(prob, [theta0, theta_best], eps)


def replay_path(prob, thetas, eps):
    """Work of walking a given path of theta (a HOAG run's own steps) at
    accuracy ``eps = delta``: a certified lower solve at each point, warm
    started from the previous one, and an adjoint solve at every point but
    the last (the hypergradient that chose the next step). No line search,
    no error bound: a lower bound on what MAID would pay for the same steps."""
    from optsolve.optimize.bilevel.hypergrad import solve_adjoint

    x, work = prob.x0(thetas[0]), 0
    for i, theta in enumerate(thetas):
        x, n, _ = solve_lower(prob, theta, x, eps)
        work += n
        if i < len(thetas) - 1:
            work += solve_adjoint(prob, x, theta, prob.upper_grad(x), eps)[1]
    return work


def hoag_best_loss(curves):
    """The lowest exact loss any HOAG schedule's curve reached (nan: none ran)."""
    return min((min(c[2] for c in cv if math.isfinite(c[2]))
                for n, cv in curves.items() if n.startswith("HOAG")), default=math.nan)


def same_loss(curves, maid="MAID"):
    """The issue's measure at HOAG's level: the lowest exact loss any HOAG
    schedule reached, the work that schedule needed to first reach it, and the
    work MAID (the run named ``maid``) needed to first reach it (nan: never).
    Returns ``(loss, hoag_work, maid_work, maid_work / hoag_work)``."""
    hoag = {n: c for n, c in curves.items() if n.startswith("HOAG")}
    target = hoag_best_loss(curves)
    hoag_work = min((w for w in (work_to_reach(c, target) for c in hoag.values())
                     if math.isfinite(w)), default=math.nan)
    maid_work = work_to_reach(curves[maid], target)
    return target, hoag_work, maid_work, ratio(maid_work, hoag_work)


def print_same_loss(curves):
    for name in maid_names(curves):
        loss, hw, mw, r = same_loss(curves, name)
        print(f"  best HOAG loss {loss:.5g}: HOAG first reaches it at work {hw}, {name} at "
              f"{mw}: ratio {r:.3g} (target <= 0.5)")


def print_ratios(best, reach, hoag_best, stay=None, hoag_stay=None):
    for name in maid_names(reach):
        extra = ("" if stay is None else
                 f"; to stay within 1%: {ratio(stay[name], hoag_stay):.3g}")
        print(f"  best loss {best:.5g}; {name} work / best HOAG work to within 1%: "
              f"{ratio(reach[name], hoag_best):.3g}{extra}")


def grid_search(prob, budget, eps=1e-3, k=6, thetas=None, solve=solve_lower, values=None):
    """Snake through a k x k grid of (log lambda, log nu) (or through
    ``thetas[a][b]``, a k x k grid of parameter vectors), solving the lower
    level with ``solve`` to ``eps`` warm-started from the previous point;
    stop at the budget. ``values``: a dict filled with ``(a, b) -> loss``."""
    if thetas is None:
        lams = np.linspace(-6.0, 0.0, k)
        nus = np.linspace(-8.0, -1.0, k)
        thetas = [[np.array([lam, nu]) for nu in nus] for lam in lams]
    order = [(a, b if i % 2 == 0 else k - 1 - b) for i, a in enumerate(range(k))
             for b in range(k)]
    work, best, best_theta, curve = 0, math.inf, None, [(0, 0.0, None)]
    x = prob.x0(thetas[0][0])
    t0 = time.perf_counter()
    for a, b in order:
        theta = thetas[a][b]
        left = budget - work
        if left <= 0:
            break
        x, n, ok = solve(prob, theta, x, eps, maxiter=left)
        work += n
        if not ok:   # cut off by the budget: its work still counts
            curve.append((work, time.perf_counter() - t0, best_theta))
            break
        f = prob.upper_fun(x)
        if values is not None:
            values[a, b] = f
        if f < best:
            best, best_theta = f, theta
        curve.append((work, time.perf_counter() - t0, best_theta))
    return best_theta, curve, time.perf_counter() - t0


def bench_tv(args, fig_axes):
    clean = load_kodak(args.images, args.size)
    test_clean = load_kodak(args.test_images, args.size, offset=args.images)
    prob = TVDenoising(clean, add_noise(clean, 0.1, 0))
    test = TVDenoising(test_clean, add_noise(test_clean, 0.1, 1))
    theta0 = prob.theta0()
    print(f"TV denoising: {len(clean)} training + {len(test_clean)} test images "
          f"{args.size}x{args.size}, sigma 0.1, budget {args.budget} lower+CG iterations")
    runs, trajs = {}, {}
    for name, method, opts in with_variants(METHODS, args):
        res, trajs[name] = run_method(prob, theta0, method, opts, args.budget)
        runs[name] = (res, exact_curve(prob, trajs[name], args.points), res.time)
        print(f"  {name:15s} theta {np.round(res.x, 3)} work {res.nwork} "
              f"({res.time:.1f} s)", flush=True)
    gtheta, gcurve, gtime = grid_search(prob, args.budget)
    ex = Exact(prob)
    gcurve = [(w, t) + ((ex(th)[0], prob.psnr(ex.x)) if th is not None else
                        (math.nan, math.nan)) for w, t, th in gcurve]
    runs["grid search"] = (None, gcurve, gtime)
    best, reach, hoag_best = reach_table({n: c for n, (_, c, _) in runs.items()})
    _, stay, hoag_stay = reach_table({n: c for n, (_, c, _) in runs.items()}, stay=True)
    table = Table("bilevel_tv", ["method", "work_to_1pct", "ratio_vs_maid", "work_to_stay_1pct",
                                 "final_loss", "train_psnr", "test_psnr", "time_s"])
    for name, (res, curve, secs) in runs.items():
        theta = gtheta if res is None else res.x
        table.add(method=name, work_to_1pct=reach[name],
                  ratio_vs_maid=ratio(reach[name], reach["MAID"]),
                  work_to_stay_1pct=stay[name], final_loss=curve[-1][2],
                  train_psnr=prob.psnr(prob.denoise(theta)),
                  test_psnr=test.psnr(test.denoise(theta)), time_s=secs)
    table.print()
    table.save_csv()
    print_ratios(best, reach, hoag_best, stay, hoag_stay)
    print_same_loss({n: c for n, (_, c, _) in runs.items()})
    final = {n: r.x for n, (r, _, _) in runs.items() if r is not None}
    one = one_step_oracle(prob, theta0, min(final.values(), key=lambda th: Exact(prob)(th)[0]))
    print(f"  one-step oracle (solve at theta0, one adjoint solve, one solve at the best "
          f"theta; eps = delta = 0.1, FISTA): work {one}, {ratio(one, hoag_best):.3g} of "
          f"the best HOAG schedule's")
    first = min((n for n in reach if n.startswith("HOAG") and math.isfinite(reach[n])),
                key=reach.get, default=None)
    if first is not None:
        path = [th for w, _, th in trajs[first] if w <= reach[first]]
        path = [th for i, th in enumerate(path) if i == 0 or not np.array_equal(th, path[i - 1])]
        for eps in (0.1, 0.3):
            w = replay_path(prob, path, eps)
            print(f"  {first}'s own {len(path) - 1} steps to within 1% replayed at eps = delta "
                  f"= {eps} (no line search, no bound): work {w}, {ratio(w, hoag_best):.3g} of "
                  f"its {reach[first]}")
    ax_w, ax_t, ax_p = fig_axes
    for name, (_, curve, _) in runs.items():
        w = [max(c[0], 1) for c in curve if math.isfinite(c[2])]
        loss = [c[2] for c in curve if math.isfinite(c[2])]
        t = [max(c[1], 1e-3) for c in curve if math.isfinite(c[2])]
        ax_w.plot(w, loss, marker=".", label=name)
        ax_t.plot(t, loss, marker=".", label=name)
        ax_p.plot(w, [c[3] for c in curve if math.isfinite(c[2])], marker=".", label=name)
    ax_p.set_xscale("log")
    ax_p.set_xlabel("lower-level + CG iterations")
    ax_p.set_ylabel("mean PSNR of training images (dB)")
    ax_p.set_ylim(bottom=20)
    ax_p.set_title("TV denoising")
    for ax, xl in ((ax_w, "lower-level + CG iterations"), (ax_t, "seconds")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xl)
        ax.set_ylabel("exact upper loss")
        ax.set_title("TV denoising")
    ax_w.legend(fontsize=7)


def bench_logistic(args, fig_ax):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = (X - X.mean(0)) / np.maximum(X.std(0), 1e-12)
    _logistic_race(args, fig_ax, "digits", X, y, "weight", args.lr_budget)


def bench_libsvm(args, axes):
    """Binary libsvm files as 2-class multinomial problems, one weight per feature."""
    from sklearn.datasets import load_svmlight_file

    # mu = 1/n_train makes the lower level badly conditioned, so every solve is
    # long: only MAID and the three HOAG schedules race
    methods = [m for m in with_variants(METHODS, args)
               if m[0].startswith("MAID") or m[0].startswith("HOAG")]
    for name, ax in zip(args.libsvm.split(","), axes):
        X, y = load_svmlight_file(str(data_dir("libsvm") / f"{name}.gz"))
        # certifying 1e-6 would take tens of thousands of iterations; 1e-3 moves
        # the validation loss by at most ||grad g|| 1e-3 (below 1e-4 here)
        _logistic_race(args, ax, name, X.tocsr(), ((y + 1) // 2).astype(int), "feature",
                       args.libsvm_budget, tol=1e-3, points=min(args.points, 8),
                       methods=methods)


def _logistic_race(args, fig_ax, label, X, y, per, budget, tol=1e-6, points=None,
                   methods=None):
    """Per-coefficient (``per="weight"``) or per-feature L2 weights learned by every
    method on a 50/25/25 split, against LogisticRegressionCV on the same data."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    from sklearn.metrics import log_loss

    warnings.filterwarnings("ignore", category=FutureWarning)  # sklearn API transitions
    methods = with_variants(METHODS, args) if methods is None else methods
    rng = np.random.default_rng(0)
    perm = rng.permutation(len(y))
    ones = np.ones((len(y), 1))
    X = sp.hstack([X, ones]).tocsr() if sp.issparse(X) else np.hstack([X, ones])
    tr, va, te = np.split(perm, [len(y) // 2, 3 * len(y) // 4])
    labels = range(int(y.max()) + 1)
    prob = MultinomialLogistic(X[tr], y[tr], X[va], y[va], per=per)
    theta0 = prob.theta0()
    print(f"\nMultinomial logistic ({label}): {len(tr)} train, {len(va)} validation, "
          f"{len(te)} test, {prob.n_theta} hyperparameters (one per {per}), budget {budget}")
    table = Table(f"bilevel_logistic_{label}",
                  ["method", "val_loss", "work_to_1pct", "test_loss", "test_acc", "work",
                   "time_s", "ratio_val_loss_vs_sklearn_cv"])
    rows, curves = [], {}
    for name, method, opts in methods:
        res, traj = run_method(prob, theta0, method, opts, budget)
        curve = exact_curve(prob, traj, points or args.points, tol)
        f, W = Exact(prob, tol)(res.x)
        test_loss = log_loss(y[te], _softmax(X[te] @ W), labels=labels)
        rows.append((name, f, test_loss, prob.accuracy(W, X[te], y[te]), res.nwork, res.time))
        curves[name] = curve
        w = [max(c[0], 1) for c in curve]
        fig_ax.plot(w, [c[2] for c in curve], marker=".", label=name)
    Xs = X[:, :-1]   # scikit-learn fits its own intercept
    t0 = time.perf_counter()
    cv = LogisticRegressionCV(Cs=10, cv=5, max_iter=2000).fit(Xs[tr], y[tr])
    t_cv = time.perf_counter() - t0
    cv_val = log_loss(y[va], cv.predict_proba(Xs[va]), labels=labels)
    t0 = time.perf_counter()
    best = (math.inf, None)
    for C in np.logspace(-4, 4, 17):
        m = LogisticRegression(C=C, max_iter=2000).fit(Xs[tr], y[tr])
        best = min(best, (log_loss(y[va], m.predict_proba(Xs[va]), labels=labels), C),
                   key=lambda b: b[0])
    t_grid = time.perf_counter() - t0
    gm = LogisticRegression(C=best[1], max_iter=2000).fit(Xs[tr], y[tr])
    best_val, reach, hoag_best = reach_table(curves)
    for name, f, tl, acc, work, secs in rows:
        table.add(method=name, val_loss=f, work_to_1pct=reach[name], test_loss=tl,
                  test_acc=acc, work=work, time_s=secs,
                  ratio_val_loss_vs_sklearn_cv=ratio(f, cv_val))
    same = minimize_bilevel(prob, theta0, options={"time_limit": t_cv, "max_work": 10 ** 9})
    fs, Ws = Exact(prob, tol)(same.x)
    table.add(method="MAID, time of LogisticRegressionCV", val_loss=fs,
              test_loss=log_loss(y[te], _softmax(X[te] @ Ws), labels=labels),
              test_acc=prob.accuracy(Ws, X[te], y[te]), work=same.nwork, time_s=same.time,
              ratio_val_loss_vs_sklearn_cv=ratio(fs, cv_val))
    table.add(method="sklearn LogisticRegressionCV", val_loss=cv_val,
              test_loss=log_loss(y[te], cv.predict_proba(Xs[te]), labels=labels),
              test_acc=cv.score(Xs[te], y[te]), work=math.nan, time_s=t_cv,
              ratio_val_loss_vs_sklearn_cv=1.0)
    table.add(method="sklearn C grid on validation", val_loss=best[0],
              test_loss=log_loss(y[te], gm.predict_proba(Xs[te]), labels=labels),
              test_acc=gm.score(Xs[te], y[te]), work=math.nan, time_s=t_grid,
              ratio_val_loss_vs_sklearn_cv=ratio(best[0], cv_val))
    table.print()
    table.save_csv()
    print_ratios(best_val, reach, hoag_best)
    print_same_loss(curves)
    fig_ax.axhline(cv_val, color="k", ls="--", lw=1, label="LogisticRegressionCV")
    fig_ax.set_xscale("log")
    fig_ax.set_xlabel("lower-level + CG iterations")
    fig_ax.set_ylabel("exact validation loss")
    fig_ax.set_title(f"multinomial logistic ({label})")
    fig_ax.legend(fontsize=7)


def _softmax(Z):
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


# (alpha shifts, beta shifts) of the FoE grid search, added to theta0's log-weights
# and log-smoothings (filters fixed at theta0's); chosen so that the best shift
# lies inside and, in alpha, the start itself (shift 0) is a grid point (the
# bench prints where the best fell)
FOE_GRIDS = {"small": ((-1.6, 2.4), (-4.5, 3.0)), "large": ((-2.4, 1.6), (-4.0, 4.0))}


def foe_grid_search(prob, theta0, budget, ranges, k=6):
    """The FoE analogue of TV's (log lambda, log nu) grid: a k x k grid of
    common shifts of theta0's log-weights alpha and log-smoothings beta,
    filters fixed at theta0's, same lower solver and work count as the methods.
    While budget is left, a finer k x k grid spanning one step of the last
    grid on each side of the best point follows (zoom 2.5x a round). Prints
    the first grid's losses and where the best point fell; returns
    ``(best theta, curve, seconds)`` like :func:`grid_search`."""
    J = prob.n_filters
    solve = preferred_solve_lower(prob)

    def shifted(a, b):
        th = np.array(theta0, dtype=float, copy=True)
        th[:J] += a
        th[J:2 * J] += b
        return th

    best, best_f, best_at, curve, work, secs = None, math.inf, None, [(0, 0.0, None)], 0, 0.0
    first = None   # the first grid's shifts and losses
    for rnd in range(50):
        if work >= budget:
            break
        if rnd >= 4 and best_at < rnd - 3:
            print(f"    stopped after round {rnd}: three rounds without a lower loss")
            break
        da, db = (np.linspace(lo, hi, k) for lo, hi in ranges)
        thetas = [[shifted(a, b) for b in db] for a in da]
        values = {}
        _, rcurve, rsecs = grid_search(prob, budget - work, k=k, thetas=thetas, solve=solve,
                                       values=values)
        loss = {id(thetas[a][b]): f for (a, b), f in values.items()}
        for w, t, th in rcurve[1:]:
            if th is not None and loss[id(th)] < best_f:
                best, best_f = th, loss[id(th)]
                best_at = rnd
            curve.append((work + w, secs + t, best))
        work, secs = work + rcurve[-1][0], secs + rsecs
        if rnd == 0:
            first = (da, db, values)
            print(f"  grid search: {k} x {k} shifts of theta0's alpha (rows) and beta "
                  f"(columns), filters fixed; loss at eps 1e-3:")
            print("    " + " " * 7 + "".join(f"{b:9.3g}" for b in db))
            for a, sa in enumerate(da):
                print(f"    {sa:7.3g}" + "".join(f"{values[a, b]:9.4g}" if (a, b) in values
                                                 else f"{'-':>9s}" for b in range(k)))
        if best is None or len(values) < k * k:
            break
        # the next round spans one step of this grid on each side of the best point
        ca, cb = best[0] - theta0[0], best[J] - theta0[J]
        ha, hb = da[1] - da[0], db[1] - db[0]
        ranges = ((ca - ha, ca + ha), (cb - hb, cb + hb))
        print(f"    round {rnd + 1}: best loss {best_f:.5g} at shift ({ca:.3g}, {cb:.3g}); "
              f"work {work}")
    if best is None:
        print("    no grid point solved within the budget")
        return best, curve, secs
    sa, sb = best[0] - theta0[0], best[J] - theta0[J]
    da, db, values = first
    # below some smoothing the penalty is close to w |k * x| and the loss stops
    # moving with beta: a best beta at or below the first grid's lowest is then
    # on that plateau when the first grid's two lowest betas (on the row nearest
    # the best alpha) differ by under 1%
    row = int(np.argmin(np.abs(da - sa)))
    flat = ((row, 0) in values and (row, 1) in values
            and abs(values[row, 1] - values[row, 0]) <= 0.01 * values[row, 0])
    print(f"    best shift ({sa:.3g}, {sb:.3g}) from round {best_at + 1}, loss {best_f:.5g}: "
          f"alpha {'inside' if da[0] < sa < da[-1] else 'NOT inside'} the first grid's "
          f"[{da[0]:g}, {da[-1]:g}]; beta "
          + (f"inside [{db[0]:g}, {db[-1]:g}]" if db[0] < sb < db[-1] else
             f"at or below {db[0]:g}, on the plateau (the loss there moves by under 1% "
             f"with beta)" if sb <= db[0] and flat else
             f"NOT inside [{db[0]:g}, {db[-1]:g}]"))
    return best, curve, secs


def foe_case(args, kind):
    """Training / held-out images, filter bank, budget, methods, exact-loss
    points and tolerance of one FoE case (``small``, ``large`` or ``long``)."""
    if kind == "small":
        crops = [c[32:64, 32:64] for c in load_kodak(8, 96)]
        return dict(clean=crops[:4], test=crops[4:], n_filters=8, size=5,
                    budget=args.foe_budget, methods=with_variants(METHODS, args),
                    points=args.points, tol=1e-6, grid=FOE_GRIDS["small"], name="bilevel_foe")
    # at the 48-filter size fixed accuracy 1e-3 is too loose to accept steps
    methods = [m for m in with_variants(METHODS, args)
               if m[0].startswith("MAID") or m[0].startswith("HOAG")]
    if kind == "large":
        n, side, budget, points = args.foe_large_images, 96, args.foe_large_budget, 8
        name = "bilevel_foe_large"
    else:
        n, side, budget, points = (args.foe_long_images, args.foe_long_size,
                                   args.foe_long_budget, args.foe_long_points)
        name = "bilevel_foe_long"
    images = load_kodak(2 * n, side)
    return dict(clean=images[:n], test=images[n:], n_filters=48, size=7, budget=budget,
                methods=methods, points=min(args.points, points), tol=1e-4,
                grid=FOE_GRIDS["large"], name=name, images=f"{n}x{side}")


def saved_trajectories(name, images, skip=()):
    """The long FoE case's saved trajectories (work, thetas) of every known
    method (``bench/results/<name>_<label>.npz``), except those in ``skip``
    and those saved for another image set (``images``: "<count>x<side>")."""
    trajs = {}
    for label, _, _ in METHODS + STEP_VARIANTS:
        path = figure_path(f"{name}_{label}").with_suffix(".npz")
        if label not in skip and path.exists():
            with np.load(path) as d:
                saved = str(d["images"]) if "images" in d else "unknown"
                if saved != images:
                    print(f"  (not using {path.name}: saved for images {saved}, "
                          f"not {images})")
                    continue
                trajs[label] = (d["work"], d["theta"])
    return trajs


def bench_foe(args, fig_ax, kind="small"):
    """Field of experts, every method against a grid search over the same budget.

    ``small``: 8 filters 5x5 on four 32x32 crops, every method. ``large``: the
    paper's bank (48 filters 7x7) on 96x96 images, MAID and the three HOAG
    schedules. ``long``: the same at the paper's budget (1e5) on a small image
    set. Held-out test images: the next Kodak images (crops), noise seed 1."""
    case = foe_case(args, kind)
    clean, test_clean, budget, tol = case["clean"], case["test"], case["budget"], case["tol"]
    J, size = case["n_filters"], case["size"]
    prob = FieldOfExperts(clean, add_noise(clean, 0.1, 0), n_filters=J, size=size)
    if kind == "long" and args.foe_long_refine:
        trajs = saved_trajectories(case["name"], case["images"])
        print(f"\nField of experts (long, saved trajectories of {', '.join(trajs)})")
        refine_long(prob, trajs, tol)
        return
    test = FieldOfExperts(test_clean, add_noise(test_clean, 0.1, 1), n_filters=J, size=size)
    theta0 = prob.theta0()
    side = clean[0].shape[0]
    print(f"\nField of experts ({kind}): {len(clean)} training + {len(test_clean)} test images "
          f"{side}x{side}, {J} filters {size}x{size} ({theta0.size} parameters), budget "
          f"{budget}; exact loss to {tol:g} at up to {case['points']} points", flush=True)
    table = Table(case["name"], ["method", "work_to_1pct", "work_to_hoag_loss", "final_loss",
                                 "train_psnr", "test_psnr", "work", "time_s"])
    ex = Exact(prob, tol)

    def psnrs(theta):
        return (prob.psnr(prob.denoise(theta, tol=tol)),
                test.psnr(test.denoise(theta, tol=tol)))

    start = psnrs(theta0)
    table.add(method="theta0", final_loss=ex(theta0)[0], train_psnr=start[0],
              test_psnr=start[1], work=0, time_s=0.0)
    curves, rows, trajs = {}, {}, {}
    for label, method, opts in case["methods"]:
        # the budget, not the default 1000 outer iterations, ends every run
        res, traj = run_method(prob, theta0, method, dict(opts, maxiter=10 ** 9), budget)
        curves[label] = exact_curve(prob, traj, case["points"], tol, by_work=kind != "small")
        if kind == "long":   # keep the trajectory: the exact loss can be sampled again later
            trajs[label] = (np.array([t[0] for t in traj]), np.array([t[2] for t in traj]))
            np.savez_compressed(figure_path(f"{case['name']}_{label}").with_suffix(".npz"),
                                work=trajs[label][0], time=[t[1] for t in traj],
                                theta=trajs[label][1], images=case["images"])
        rows[label] = (curves[label][-1][2],) + psnrs(res.x) + (res.nwork, res.time)
        print(f"  {label:15s} work {res.nwork} ({res.time:.1f} s, {res.nit} outer iterations, "
              f"stopped by {res.limit or res.message}): exact loss {rows[label][0]:.5g}, "
              f"PSNR train {rows[label][1]:.2f} test {rows[label][2]:.2f} dB", flush=True)
    if not args.skip_grid:
        gtheta, gcurve, gtime = foe_grid_search(prob, theta0, budget, case["grid"])
        seen = {}
        for w, t, th in gcurve:
            if th is not None and th.tobytes() not in seen:
                seen[th.tobytes()] = Exact(prob, tol)(th)[0]
        curves["grid search"] = [(w, t, math.nan if th is None else seen[th.tobytes()])
                                 for w, t, th in gcurve]
        rows["grid search"] = ((curves["grid search"][-1][2],)
                               + (psnrs(gtheta) if gtheta is not None else (math.nan, math.nan))
                               + (gcurve[-1][0], gtime))
        print(f"    grid work {gcurve[-1][0]} ({gtime:.1f} s)", flush=True)
    best, reach, hoag_best = reach_table(curves)
    hoag_loss = hoag_best_loss(curves)
    for name, (loss, train_psnr, test_psnr, work, secs) in rows.items():
        table.add(method=name, work_to_1pct=reach[name],
                  work_to_hoag_loss=work_to_reach(curves[name], hoag_loss), final_loss=loss,
                  train_psnr=train_psnr, test_psnr=test_psnr, work=work, time_s=secs)
    table.print()
    table.save_csv()
    print_ratios(best, reach, hoag_best)
    print_same_loss({n: c for n, c in curves.items() if n != "grid search"})
    if trajs:
        # with --methods, the methods not run this time come from their saved runs
        refine_long(prob, dict(saved_trajectories(case["name"], case["images"], skip=trajs),
                               **trajs), tol)
    for name in maid_names(rows) if "grid search" in rows else ():
        beats = rows[name][2] > rows["grid search"][2]
        print(f"  test PSNR: {name} {rows[name][2]:.2f} dB, grid search {rows['grid search'][2]:.2f}"
              f" dB over the same budget: {name} {'beats' if beats else 'does NOT beat'} the grid")
    for name, curve in curves.items():
        pts = [c for c in curve if math.isfinite(c[2])]
        fig_ax.plot([max(c[0], 1) for c in pts], [c[2] for c in pts], marker=".", label=name)
    fig_ax.set_xscale("log")
    fig_ax.set_yscale("log")
    fig_ax.set_xlabel("lower-level + CG iterations")
    fig_ax.set_ylabel("exact upper loss")
    fig_ax.set_title(f"field of experts, {J} filters {size}x{size}, {len(clean)} x {side}x{side}")
    fig_ax.legend(fontsize=7)


def bench_foe_instances(args):
    """The small FoE case on ``--foe-instances`` other instances (other Kodak
    images and crop positions, noise seeds and random filter starts): MAID,
    MAID along the gradient and the three HOAG schedules, work to reach the
    lowest loss any HOAG schedule reached (exact loss at up to ``--points``
    iterates per run, so the work figures are upper bounds)."""
    names = ("MAID", "HOAG-geometric", "HOAG-quadratic", "HOAG-cubic")
    methods = ([m for m in METHODS if m[0] in names]
               + [m for m in STEP_VARIANTS if m[0] == "MAID-gradient"])
    images = load_kodak(24, 96)   # all there are (19 of the 24 in ../shared/data)
    table = Table("bilevel_foe_instances", ["instance", "method", "final_loss",
                                            "work_to_hoag_loss", "ratio"])
    print(f"\nField of experts (small), {args.foe_instances} more instances: 8 filters 5x5, "
          f"four 32x32 crops each, budget {args.foe_budget}", flush=True)
    ratios = {}
    for i in range(args.foe_instances):
        off, r0, c0 = (8 + 4 * i) % (len(images) - 3), (40 * i + 20) % 64, (28 * i + 10) % 64
        crops = [im[r0:r0 + 32, c0:c0 + 32] for im in images[off:off + 4]]
        prob = FieldOfExperts(crops, add_noise(crops, 0.1, 10 + i), n_filters=8, size=5,
                              random_state=1 + i)
        curves = {}
        for label, method, opts in methods:
            _, traj = run_method(prob, prob.theta0(), method, dict(opts, maxiter=10 ** 9),
                                 args.foe_budget)
            curves[label] = exact_curve(prob, traj, min(args.points, 60))
        for label in ("MAID", "MAID-gradient") + names[1:]:
            row = dict(instance=i + 1, method=label, final_loss=curves[label][-1][2])
            if label.startswith("MAID"):
                loss, hw, mw, r = same_loss(curves, label)
                row.update(work_to_hoag_loss=mw, ratio=r)
                ratios.setdefault(label, []).append(r)
            table.add(**row)
        print(f"  instance {i + 1} (Kodak {off + 1}-{off + 4}, crop at ({r0}, {c0})): "
              + ", ".join(f"{n} {curves[n][-1][2]:.4g}" for n in curves), flush=True)
    table.print()
    table.save_csv()
    for label, rs in ratios.items():
        rs = [r if math.isfinite(r) else math.inf for r in rs]   # never: infinitely slow
        print(f"  {label}: work to HOAG's best loss / HOAG's, median over instances "
              f"{np.median(rs):.3g} (max {max(rs):.3g}; target <= 0.5)")


def _psnr1(a, b):
    return 10 * math.log10(1.0 / max(float(np.mean((a - b) ** 2)), 1e-300))


def make_figures(args, out_dir):
    """Small PNGs for docs/guide/bilevel.rst, from scikit-image's bundled samples
    (no benchmark data): TV clean / noisy / denoised, exact loss against work for
    every method, and FoE filters before and after learning."""
    import matplotlib.pyplot as plt
    from skimage import data
    from skimage.transform import resize

    def gray(img):
        img = np.asarray(img, dtype=float)
        img = img.mean(axis=2) if img.ndim == 3 else img
        return resize(img / 255.0, (args.size, args.size), anti_aliasing=True)

    out_dir.mkdir(parents=True, exist_ok=True)
    train = [gray(f()) for f in (data.camera, data.coins, data.moon, data.clock)]
    held = [gray(data.astronaut())]
    prob = TVDenoising(train, add_noise(train, 0.1, 0))
    test = TVDenoising(held, add_noise(held, 0.1, 1))
    curves, thetas = {}, {}
    for name, method, opts in METHODS:
        res, traj = run_method(prob, prob.theta0(), method, opts, args.budget)
        curves[name], thetas[name] = exact_curve(prob, traj, args.points), res.x
        print(f"  {name:15s} theta {np.round(res.x, 3)} work {res.nwork}", flush=True)
    theta = thetas["MAID"]
    shown = [(prob, 0, "camera (train)"), (prob, 1, "coins (train)"),
             (test, 0, "astronaut (held out)")]
    fig, axes = plt.subplots(3, 3, figsize=(6.3, 6.6))
    for col, (pb, i, title) in enumerate(shown):
        den = pb.denoise(theta)[i]
        for row, (img, label) in enumerate(((pb.clean[i], "clean"), (pb.noisy[i], "noisy"),
                                            (den, "TV, learned theta"))):
            ax = axes[row, col]
            ax.imshow(np.clip(img, 0, 1), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            psnr = "" if row == 0 else f" {_psnr1(img, pb.clean[i]):.1f} dB"
            ax.set_title(f"{title}\n{label}{psnr}" if row == 0 else f"{label}{psnr}",
                         fontsize=8)
    lam, nu = np.exp(theta)
    fig.suptitle(f"MAID: lambda = {lam:.3g}, nu = {nu:.2g} (sigma 0.1)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out_dir / "tv_denoising.png", dpi=72)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(5.5, 3.6))
    best = min(c[2] for curve in curves.values() for c in curve)
    for name, curve in curves.items():
        ax.plot([max(c[0], 1) for c in curve], [max(c[2] / best - 1, 1e-6) for c in curve],
                marker=".", label=name)
    ax.axhline(0.01, color="k", ls=":", lw=1)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("lower-level + CG iterations")
    ax.set_ylabel("exact upper loss / best - 1")
    ax.set_title(f"TV denoising, {len(train)} images {args.size}x{args.size}", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "tv_loss_vs_work.png", dpi=80)
    plt.close(fig)

    crops = [c[32:64, 32:64] for c in train]
    foe = FieldOfExperts(crops, add_noise(crops, 0.1, 0), n_filters=8, size=5)
    res = minimize_bilevel(foe, foe.theta0(), options={"max_work": args.foe_budget})
    print(f"  FoE: exact loss {Exact(foe)(foe.theta0())[0]:.4g} -> {Exact(foe)(res.x)[0]:.4g}")
    fig, axes = plt.subplots(2, 8, figsize=(6.4, 1.9))
    for row, (th, label) in enumerate(((foe.theta0(), "start"), (res.x, "learned"))):
        w, _, filt = foe._unpack(th)
        for j in range(8):
            ax = axes[row, j]
            ax.imshow(filt[j], cmap="RdBu_r", vmin=-np.abs(filt[j]).max(),
                      vmax=np.abs(filt[j]).max())
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{label} w={w[j]:.2g}" if j == 0 else f"w={w[j]:.2g}", fontsize=6)
    fig.tight_layout()
    fig.savefig(out_dir / "foe_filters.png", dpi=80)
    plt.close(fig)
    for f in sorted(out_dir.glob("*.png")):
        print(f"  {f} ({f.stat().st_size // 1024} KB)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench bilevel", description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=10, help="training images (default 10)")
    ap.add_argument("--test-images", type=int, default=5, help="held-out images (default 5)")
    ap.add_argument("--size", type=int, default=96, help="image side (default 96)")
    ap.add_argument("--budget", type=int, default=8000,
                    help="TV: lower+CG iterations per method (default 8000)")
    ap.add_argument("--lr-budget", type=int, default=6000,
                    help="logistic: lower+CG iterations per method (default 6000)")
    ap.add_argument("--libsvm", metavar="NAMES", default=None, nargs="?", const="a8a",
                    help="also run logistic regression on libsvm files (comma-separated: "
                         "a8a, w8a; default a8a)")
    ap.add_argument("--libsvm-budget", type=int, default=8000,
                    help="libsvm: lower+CG iterations per method (default 8000)")
    ap.add_argument("--foe-budget", type=int, default=4000,
                    help="FoE: lower+CG iterations per method (default 4000)")
    ap.add_argument("--points", type=int, default=30,
                    help="exact evaluations per trajectory (default 30)")
    ap.add_argument("--step-rules", action="store_true",
                    help="also run MAID along the paper's direction (direction='gradient'): "
                         "as before, with step_rule='growth', and with step_rule='bb-length', "
                         "beta0='dim', on every application")
    ap.add_argument("--methods", metavar="NAMES", default=None,
                    help="run only these methods (comma-separated labels, e.g. "
                         "MAID,MAID-gradient,HOAG-geometric); the long FoE case then compares "
                         "them with the other methods' saved trajectories")
    ap.add_argument("--skip-grid", action="store_true",
                    help="field of experts: no grid-search baseline")
    ap.add_argument("--skip-tv", action="store_true")
    ap.add_argument("--skip-logistic", action="store_true")
    ap.add_argument("--foe", action="store_true", help="also run the field-of-experts case")
    ap.add_argument("--foe-instances", type=int, default=0, metavar="N",
                    help="also run the small FoE case on N other instances (MAID, MAID "
                         "along the gradient, HOAG)")
    ap.add_argument("--foe-large", action="store_true",
                    help="also run FoE with 48 filters 7x7 on 96x96 images")
    ap.add_argument("--foe-large-images", type=int, default=3,
                    help="96x96 Kodak images of the 48-filter FoE (default 3)")
    ap.add_argument("--foe-large-budget", type=int, default=5000,
                    help="large FoE: lower+CG iterations per method (default 5000)")
    ap.add_argument("--foe-long", action="store_true",
                    help="also run the 48-filter FoE at the paper's budget (MAID, the three "
                         "HOAG schedules and the grid)")
    ap.add_argument("--foe-long-budget", type=int, default=100000,
                    help="long FoE: lower+CG iterations per method (default 100000)")
    ap.add_argument("--foe-long-images", type=int, default=1,
                    help="long FoE: training Kodak images (as many held out; default 1)")
    ap.add_argument("--foe-long-size", type=int, default=96,
                    help="long FoE: image side (default 96)")
    ap.add_argument("--foe-long-points", type=int, default=12,
                    help="long FoE: exact evaluations per trajectory, geometric in the work, "
                         "and half as many evenly spaced (default 12)")
    ap.add_argument("--foe-long-refine", action="store_true",
                    help="with --foe-long: no runs, only the two readings by bisection on the "
                         "trajectories a previous --foe-long saved")
    ap.add_argument("--figures", metavar="DIR", default=None,
                    help="only write the user guide's pictures (scikit-image samples) to DIR, "
                         "e.g. docs/images/bilevel")
    args = ap.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    print(machine_line())
    if args.figures is not None:
        from pathlib import Path
        make_figures(args, Path(args.figures))
        return 0
    nlib = len(args.libsvm.split(",")) if args.libsvm else 0
    ncols = (3 * (not args.skip_tv) + (not args.skip_logistic) + nlib
             + bool(args.foe) + bool(args.foe_large) + bool(args.foe_long))
    if ncols == 0:
        if not args.foe_instances:
            ap.error("nothing to run")
        bench_foe_instances(args)
        return 0
    fig, axes = plt.subplots(1, ncols, figsize=(5 * ncols, 4))
    axes = list(np.atleast_1d(axes))
    if not args.skip_tv:
        bench_tv(args, axes[:3])
        axes = axes[3:]
    if not args.skip_logistic:
        bench_logistic(args, axes[0])
        axes = axes[1:]
    if args.libsvm:
        bench_libsvm(args, axes[:nlib])
        axes = axes[nlib:]
    if args.foe:
        bench_foe(args, axes[0])
        axes = axes[1:]
    if args.foe_instances:
        bench_foe_instances(args)
    if args.foe_large:
        bench_foe(args, axes[0], "large")
        axes = axes[1:]
    if args.foe_long:
        bench_foe(args, axes[0], "long")
    if ncols == 1 and args.foe_long and args.foe_long_refine:
        return 0   # nothing plotted: keep the long run's figure
    fig.tight_layout()
    path = figure_path("bilevel_foe_long" if ncols == 1 and args.foe_long else "bilevel")
    fig.savefig(path, dpi=110)
    print(f"figure: {path}")
    return 0
