"""Working sets for L1-penalised least squares and logistic regression.

The working set is a variable greedy block: the coordinates with the largest
rule scores (GS-s, GSL, GS-r or GS-q values of the optimality violation),
plus the current support. Between two working sets, coordinates that the
gap-safe sphere proves inactive are screened out for good (Fercoq, Gramfort &
Salmon, ICML 2015; Ndiaye et al., JMLR 2017). Inside a working set the block
is solved inexactly by Numba kernels: cyclic proximal coordinate descent with
Anderson extrapolation for least squares, proximal Newton with CD inner
solves and a backtracking line search for the logistic loss (the design of
skglm, Bertrand et al. 2022, and celer, Massias et al. 2018).
"""
from __future__ import annotations

import numpy as np

from ..._logistic import logistic_dual_of, logistic_grad_pass
from ..._matrix import xt_dot
from ... import datafits
from ...datafits import _sqn
from ...problems import _GLM
from ...rules import GREEDY_RULES, working_set_scores
from ._kernels import lasso_gram_cd, lasso_ws_cd, logreg_ws_prox_newton

__all__ = ["solve_working_sets"]

NAME = "working-set"
#: A limit of 1000 working sets, each a full gradient and a duality gap.
DEFAULT_MAX_ITER = 1000
_NEEDS_RULE = "a greedy `rule` ('gs', 'gsl', 'gsd', 'gs-r' or 'gs-q') to rank coordinates"


def needs_of_options(opts):
    """What working sets need of the options (shared with
    :mod:`..working_set_datafit`)."""
    out = []
    if opts.blocks != "working-set":
        out.append("`blocks`='working-set'")
    if opts.rule not in GREEDY_RULES or opts.rule == "gsq":
        out.append(_NEEDS_RULE)
    if opts.update not in ("auto", "gradient"):
        out.append("`update`='auto'")
    return out


def missing(problem, opts):
    """What this solver lacks to take the problem with these options."""
    out = needs_of_options(opts)
    if not (problem.penalty == "l1" and isinstance(problem, _GLM)
            and isinstance(problem.datafit, (datafits.LeastSquares, datafits.Logistic))):
        out.insert(0, "an L1 least-squares or logistic problem (Lasso, SparseLogisticRegression)")
    return out


def solve(problem, x, opts, mon):
    return solve_working_sets(problem, x, opts.rule, mon, screen=opts.screen)


def _use_gram(problem, ws, gram_max):
    """Whether the prox-Newton model is minimised on the weighted Gram matrix
    of ``ws`` (m = |ws|): with ``gram_max`` an integer, when m <= gram_max;
    with "auto", when m <= 64, or for sparse X when n >> m: a sweep over the
    m x m Gram (m^2) costs less than a sweep over the columns (nnz of ws) and
    the rows of X_ws hold at most 16 entries on average, so that building
    the Gram row by row (sum_i k_i^2 / 2) costs at most ~8 column sweeps
    (m <= 2000 bounds its memory). Dense X, whose Gram costs m / 2 column
    sweeps, keeps m <= 64 (measurements in the guide, "Working-set
    choices")."""
    m = ws.size
    if gram_max != "auto":
        return m <= gram_max
    if m <= 64:
        return True
    X = problem.X
    if not problem.sparse or m > 2000:
        return False
    nnz_ws = int(np.sum(X.indptr[ws + 1] - X.indptr[ws]))
    return m * m <= nnz_ws and nnz_ws <= 16 * X.shape[0]


def solve_working_sets(problem, x0, rule, mon, *, screen=True, p0="auto", anderson=5, inner_tol=None,
                       max_epochs=10_000, gram_max="auto"):
    """Greedy working sets + gap-safe screening for Lasso / sparse logistic.

    ``p0`` is the smallest working set; "auto": 100, or 10 for the logistic
    loss on tall data (n >= p), where each prox-Newton step pays for the
    weighted Gram of the set."""
    X = problem.X
    Xd, data, indices, indptr = problem._karr
    n, p = X.shape
    alpha = problem.alpha
    is_ls = isinstance(problem.datafit, datafits.LeastSquares)
    positive = problem.positive
    y = problem.y
    L = problem.coord_lipschitz
    col_norm = np.sqrt(problem._sq)
    # the gap-safe radius: the dual is (1/n)- resp. (4n)-strongly concave
    radius_factor = np.sqrt(2.0 / n) if is_ls else np.sqrt(0.5 / n)

    if inner_tol is None:
        inner_tol = 0.2 if (not is_ls and n >= p) else 0.3
    if p0 == "auto":
        p0 = 10 if (not is_ls and n >= p) else 100
    w = np.array(x0, dtype=np.float64)
    z = np.asarray(X @ w, dtype=np.float64) if w.any() else np.zeros(n)
    r = y - z if is_ls else None
    keep = np.ones(p, dtype=bool)     # not screened out
    g = np.zeros(p)
    score = np.empty(p)
    screened_groups = []
    epochs = 0.0
    newton = 0
    nit = 0
    n_screened = 0
    ws_size = 0
    measure = np.inf
    fun = np.inf
    last_epochs = 0.0
    while True:
        if is_ls:
            z = y - r
        # the gradient on the unscreened columns only; for screened columns
        # |X_j^T u| <= |X_j^T u_ref| + ||X_j|| ||u - u_ref|| bounds stand in
        # for g_j in the dual scaling, so the gap stays a certificate
        if is_ls:
            u = problem._dloss(z)
        else:
            # the loss and its z-gradient in one pass (one exp, one log1p
            # per sample); the dual below reuses u
            u = np.empty(n)
            loss = logistic_grad_pass(z, y, u)
        xt_dot(Xd, data, indices, indptr, u, np.flatnonzero(keep), 1.0, g)
        # the dual point theta = -u / scale must satisfy v_j / scale <= alpha
        # for every j, with v_j = |g_j|, or v_j = -g_j under the bound w >= 0
        # (the conjugate of alpha sum(w) + the bound is one-sided). A bound on
        # a screened v_j only matters if it exceeds max(alpha, max kept v_j)
        vmax = float(np.max(-g[keep] if positive else np.abs(g[keep]))) if keep.any() else 0.0
        vmax = max(vmax, alpha)
        for u_ref, idx, c in screened_groups:
            # v_j <= v_ref_j + ||X_j|| ||u - u_ref|| (Cauchy-Schwarz)
            bound = c + col_norm[idx] * np.sqrt(_sqn(u - u_ref))
            loose = bound > vmax
            if loose.any():
                xt_dot(Xd, data, indices, indptr, u, idx[loose], 1.0, g)
                gl = g[idx[loose]]
                bound[loose] = -gl if positive else np.abs(gl)
            # g_j stands in for v_j in the dual scaling
            g[idx] = -bound if positive else bound
        if is_ls:
            fun = problem._value(w, z)
            measure = problem._gap(w, z, g)
        else:
            fun = loss + problem._penalty_value(w)
            measure = max(fun - logistic_dual_of(u, y, problem._dual_scale(g)), 0.0)
        mon.record(nit, fun, measure)
        if mon.check(nit, w, fun, measure):
            break
        if screen:
            # Gap Safe sphere test on the same dual point and the same
            # (one-sided under the bound) constraint as the gap: feature j is
            # inactive if max over the sphere of v_j(theta) < alpha
            scale = problem._dual_scale(g)
            v = -g if positive else np.abs(g)
            dead = keep & (v / scale + col_norm * radius_factor * np.sqrt(measure) < alpha)
            if dead.any():
                moved = dead & (w != 0)
                if moved.any():
                    idx = np.flatnonzero(moved)
                    delta = -w[idx]
                    w[idx] = 0.0
                    if is_ls:
                        r -= X[:, idx] @ delta
                    else:
                        z += X[:, idx] @ delta
                keep &= ~dead
                idx = np.flatnonzero(dead)
                screened_groups.append((u.copy(), idx, v[idx]))
                n_screened = int(p - keep.sum())
        n_keep = int(keep.sum())
        if n_keep == 0:  # everything screened: w = 0 is optimal
            nit += 1
            continue
        score, v_max, n_supp, n_viol = working_set_scores(rule, problem, w, g, keep, L, alpha,
                                                          positive, score)
        if nit == 0 and not is_ls:
            # the first working set: the violators of the optimality condition,
            # between 10 and p0 of them (a prox-Newton step costs the Gram of
            # the set: no point in paying for coordinates that do not move)
            p0 = min(p0, max(10, n_supp + n_viol))
        # the set doubles over the support (skglm, celer); a full least-squares
        # set on sparse X grows up to fourfold, as each round costs a full
        # gradient and a gap (not on dense X: correlated columns slow CD)
        grown = 2 * n_supp
        if is_ls and problem.sparse and nit > 0 and n_supp >= 0.9 * ws_size:
            grown = max(grown, min(4 * n_supp, n_supp + n_viol))
        ws_size = min(max(p0, grown, ws_size), n_keep)
        if not is_ls:
            # only the support and the violators: a satisfied zero would only
            # widen the Gram matrix of every Newton step
            ws_size = max(1, min(ws_size, n_supp + n_viol))
        ws = np.argpartition(-score, ws_size - 1)[:ws_size] if ws_size < p else np.arange(p)
        ws = np.sort(ws[score[ws] > -np.inf]).astype(np.int64)
        # the inner tolerance, relative to the largest violation (tighter on
        # tall logistic data, where each outer round costs a pass over n)
        tol_in = inner_tol * v_max
        if measure > 0 and n_viol == 0:
            # nothing outside the set violates: aim at the target gap at once
            # (one outer round instead of several; margins per inner solver)
            aim = 3.0 if is_ls else 0.5
            tol_in = min(tol_in, aim * v_max * min(1.0, mon.tol_abs / measure))
        nit += 1
        if is_ls and last_epochs > 15 and _use_gram(problem, ws, gram_max):
            # slow sets on tall data: the Gram once, then sweeps over it (not
            # counted in n_epochs, as in the logistic inner solve)
            lasso_gram_cd(Xd, data, indices, indptr, w, r, ws, alpha, tol_in, max_epochs,
                          positive)
        elif is_ls:
            last_epochs = lasso_ws_cd(Xd, data, indices, indptr, y, w, r, ws, L,
                                      alpha, max_epochs, tol_in, anderson, positive)
            epochs += last_epochs
        else:
            k, e = logreg_ws_prox_newton(Xd, data, indices, indptr, y, w, z, ws,
                                         problem._sq, alpha, 50, 100, tol_in,
                                         _use_gram(problem, ws, gram_max), 1, positive)
            newton += k
            epochs += e
    return mon.result(w, fun, measure, nit, n_epochs=epochs, n_newton=newton,
                      ws_size=ws_size, n_screened=n_screened)
