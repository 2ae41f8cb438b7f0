"""Differential fuzz of the L1 working-set solver, screening on (the default).

``python -m bench bcd_fuzz [--cases N] [--seed S] [--tol T] [--verbose]``

Each case is a random problem drawn from its seed: non-negative Lasso, L1
logistic regression or non-negative L1 logistic regression (no intercept),
dense (Gaussian or AR(1) columns, some scaled) or sparse, n in 10..80, p in
2..150, alpha = f * alpha_max with f in [0.01, 0.99] (log-uniform or uniform,
half each). The case
passes when

* ``bcd`` reports status 0 (it certified its answer within ``max_iter``),
* the duality gap recomputed here from the answer alone (a dual point built
  in this file, not the solver's) is at most ``tol * P(0)``, and
* the objective matches the anchor's within ``1e-6 * P(0)``: scikit-learn's
  ``Lasso(positive=True)`` (same objective), ``LogisticRegression`` with
  ``l1_ratio=1``, ``solver="liblinear"`` and ``C = 1 / (n * alpha)`` (its
  objective ``C sum log(1 + e^{-y x^T w}) + ||w||_1`` is ours times
  ``1 / alpha``); scikit-learn has no non-negative logistic regression, so
  that case is anchored on scipy's L-BFGS-B with the bound w >= 0 (the
  objective is smooth there: the L1 term is alpha * sum(w)).

Prints one line per failure and a summary table (cases, failures by kind,
seconds per 1000 cases); exits 1 on any failure. ``tests/optimize`` runs
the same cases at CI size.
"""
from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit, xlogy

KINDS = ("lasso+", "logistic", "logistic+")


def make_case(seed):
    """(kind, X, y, frac) of case ``seed``: the data and alpha / alpha_max."""
    rng = np.random.default_rng([20261202, seed])
    kind = KINDS[seed % len(KINDS)]
    n = int(rng.integers(10, 81))
    p = int(rng.integers(2, 151))
    design = rng.choice(("gauss", "ar1", "sparse"))
    if design == "sparse":
        X = sp.random(n, p, density=rng.uniform(0.1, 0.5), format="csc", random_state=rng,
                      data_rvs=rng.standard_normal)
        Xd = X.toarray()
    else:
        Xd = rng.standard_normal((n, p))
        if design == "ar1":
            rho = rng.uniform(0.3, 0.95)
            for j in range(1, p):
                Xd[:, j] = rho * Xd[:, j - 1] + np.sqrt(1 - rho * rho) * Xd[:, j]
        if rng.random() < 0.3:
            Xd *= rng.uniform(0.1, 10.0, p)
        X = Xd
    k = int(rng.integers(1, min(p, 10) + 1))
    w = np.zeros(p)
    w[rng.choice(p, k, replace=False)] = rng.standard_normal(k)
    if kind.endswith("+"):
        w = np.abs(w)
    z = Xd @ w
    sd = float(np.std(z)) or 1.0
    noise = rng.uniform(0.05, 1.0) * sd * rng.standard_normal(n)
    if kind == "lasso+":
        y = z + noise
    else:
        y = np.where(z + noise > 0, 1.0, -1.0)
        y[:2] = (1.0, -1.0)  # both labels present
    # half log-uniform (small alphas: large supports), half uniform
    lo, hi = 0.01, 0.99
    frac = float(np.exp(rng.uniform(np.log(lo), np.log(hi))) if rng.random() < 0.5
                 else rng.uniform(lo, hi))
    return kind, X, y, frac


def primal_dual_gap(kind, X, y, alpha, w):
    """(P(w), gap) from the answer alone: the dual point is the rescaled
    residual (least squares) or rescaled sigmoid (logistic), made feasible
    for |X^T theta| <= alpha, or X^T theta <= alpha under w >= 0."""
    n = X.shape[0]
    z = np.asarray(X @ w).ravel()
    if kind == "lasso+":
        r = y - z
        primal = 0.5 * (r @ r) / n + alpha * np.abs(w).sum()
        c = np.asarray(X.T @ r).ravel() / n
    else:
        s = expit(-y * z)
        primal = float(np.mean(np.logaddexp(0.0, -y * z))) + alpha * np.abs(w).sum()
        c = np.asarray(X.T @ (y * s)).ravel() / n
    v = np.max(c) if kind.endswith("+") else np.max(np.abs(c))
    scale = max(1.0, v / alpha)
    if kind == "lasso+":
        nu = r / scale
        dual = 0.5 * (y @ y - (y - nu) @ (y - nu)) / n
    else:
        u = s / scale
        dual = -float(np.sum(xlogy(u, u) + xlogy(1.0 - u, 1.0 - u))) / n
    return float(primal), float(primal - dual)


def anchor(kind, X, y, alpha):
    """The anchor's coefficients for the same objective."""
    n, p = X.shape
    if kind == "lasso+":
        from sklearn.linear_model import Lasso as SkLasso
        m = SkLasso(alpha=alpha, positive=True, fit_intercept=False, tol=1e-12,
                    max_iter=1_000_000)
        return m.fit(X, y).coef_
    if kind == "logistic":
        from sklearn.linear_model import LogisticRegression
        m = LogisticRegression(l1_ratio=1.0, C=1.0 / (n * alpha), solver="liblinear",
                               fit_intercept=False, tol=1e-12, max_iter=100_000)
        return m.fit(X, y).coef_.ravel()
    Xd = X.toarray() if sp.issparse(X) else X

    def fg(w):
        t = -y * (Xd @ w)
        f = float(np.mean(np.logaddexp(0.0, t))) + alpha * w.sum()
        return f, -Xd.T @ (y * expit(t)) / n + alpha

    res = minimize(fg, np.zeros(p), jac=True, method="L-BFGS-B", bounds=[(0, None)] * p,
                   options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 100_000,
                            "maxfun": 200_000})
    return res.x


def run_case(seed, tol=1e-8, match=1e-6):
    """None if case ``seed`` passes, else a one-line description."""
    from optsolve.optimize.bcd import Lasso, SparseLogisticRegression, bcd

    kind, X, y, frac = make_case(seed)
    make = ((lambda a: Lasso(X, y, a, positive=True)) if kind == "lasso+" else
            (lambda a: SparseLogisticRegression(X, y, a, positive=kind.endswith("+"))))
    amax = make(1.0).alpha_max()
    if amax <= 0:
        return None  # w = 0 for every alpha: nothing to fuzz
    alpha = frac * amax
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bcd(make(alpha), tol=tol, max_iter=1000)
        w_ref = anchor(kind, X, y, alpha)
    where = f"seed {seed} {kind} {X.shape} alpha={frac:.3g}*max"
    if res.status != 0:
        return f"{where}: status {res.status} ({res.message}), gap {res.gap:.3g}"
    if kind.endswith("+") and np.any(res.x < 0):
        return f"{where}: negative coefficient {res.x.min():.3g}"
    p0 = primal_dual_gap(kind, X, y, alpha, np.zeros_like(res.x))[0]
    fun, gap = primal_dual_gap(kind, X, y, alpha, res.x)
    if gap > 1.5 * tol * p0:
        return f"{where}: recomputed gap {gap:.3g} > tol * P(0) = {tol * p0:.3g}"
    if kind.endswith("+"):
        w_ref = np.maximum(w_ref, 0.0)
    fun_ref = primal_dual_gap(kind, X, y, alpha, w_ref)[0]
    if abs(fun - fun_ref) > match * p0:
        return f"{where}: objective {fun!r} vs anchor {fun_ref!r} (P(0) = {p0:.3g})"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench bcd_fuzz",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=1000, help="number of cases (default 1000)")
    ap.add_argument("--seed", type=int, default=0, help="first case seed (default 0)")
    ap.add_argument("--tol", type=float, default=1e-8, help="bcd tol (default 1e-8)")
    ap.add_argument("--verbose", action="store_true", help="a line per case")
    args = ap.parse_args(argv)
    if args.cases < 1 or args.seed < 0 or not 0 < args.tol < 1:
        ap.error("--cases must be >= 1, --seed >= 0 and --tol in (0, 1)")
    run_case(0, args.tol)  # compile the kernels outside the clock
    t0 = time.perf_counter()
    fails = {k: 0 for k in KINDS}
    for seed in range(args.seed, args.seed + args.cases):
        msg = run_case(seed, args.tol)
        if msg is not None:
            fails[KINDS[seed % len(KINDS)]] += 1
            print(msg, flush=True)
        elif args.verbose:
            print(f"seed {seed} ok", flush=True)
    secs = time.perf_counter() - t0
    print(f"{'kind':<10} {'cases':>7} {'failures':>9}")
    for k in KINDS:
        cases = sum(1 for s in range(args.seed, args.seed + args.cases) if KINDS[s % 3] == k)
        print(f"{k:<10} {cases:>7} {fails[k]:>9}")
    print(f"{args.cases} cases in {secs:.1f} s ({1000 * secs / args.cases:.1f} s per 1000)")
    return 1 if sum(fails.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
