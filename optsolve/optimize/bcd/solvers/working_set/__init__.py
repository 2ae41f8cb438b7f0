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
from ._kernels import lasso_gram_cd, lasso_ws_cd
from ._prox_newton import logreg_ws_prox_newton

__all__ = ["solve_working_sets"]

NAME = "working-set"
PARTITIONS = ("working-set",)
#: A limit of 1000 working sets, each a full gradient and a duality gap.
DEFAULT_MAX_ITER = 1000
_NEEDS_RULE = "a greedy `rule` ('gs', 'gsl', 'gsd', 'gs-r' or 'gs-q') to rank coordinates"


def refusal(problem_needs, opts):
    """What working sets lack, in one sentence (none when they accept):
    ``problem_needs`` (a phrase, or None when the problem is taken), then
    what they need of the options (shared with :mod:`..working_set_datafit`)."""
    out = [problem_needs] if problem_needs else []
    if opts.rule not in GREEDY_RULES or opts.rule == "gsq":
        out.append(_NEEDS_RULE)
    if opts.update not in ("auto", "gradient"):
        out.append("`update`='auto'")
    return ["`blocks`='working-set' needs " + " and ".join(out)] if out else []


def missing(problem, opts):
    """What this solver lacks to take the problem with these options."""
    takes = (problem.penalty == "l1" and isinstance(problem, _GLM)
             and isinstance(problem.datafit, (datafits.LeastSquares, datafits.Logistic)))
    return refusal(None if takes else "least squares or the logistic loss with L1", opts)


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
    run = _WorkingSets(problem, x0, rule, p0, anderson, inner_tol, max_epochs, gram_max)
    nit = 0
    while True:
        fun, measure, u = run.certificate()
        mon.record(nit, fun, measure)
        if mon.check(nit, run.w, fun, measure):
            break
        if screen:
            run.screen_out(u, measure)
        if not run.keep.any():  # everything screened: w = 0 is optimal
            nit += 1
            continue
        ws, tol_in = run.next_set(nit, measure, mon.tol_abs)
        nit += 1
        run.solve_set(ws, tol_in)
    return mon.result(run.w, fun, measure, nit, n_epochs=run.epochs, n_newton=run.newton,
                      ws_size=run.ws_size, n_screened=run.n_screened)


class _WorkingSets:
    """One run's state (w; r = y - Xw for least squares, z = Xw for the
    logistic loss; what is screened) and its steps: the certificate, the
    screening, the next set and its inner solve."""

    def __init__(self, problem, x0, rule, p0, anderson, inner_tol, max_epochs, gram_max):
        self.problem, self.rule = problem, rule
        self.anderson, self.max_epochs, self.gram_max = anderson, max_epochs, gram_max
        n, p = problem.X.shape
        self.is_ls = isinstance(problem.datafit, datafits.LeastSquares)
        self.L = problem.coord_lipschitz
        self.col_norm = np.sqrt(problem._sq)
        # the gap-safe radius: the dual is (1/n)- resp. (4n)-strongly concave
        self.radius_factor = np.sqrt(2.0 / n) if self.is_ls else np.sqrt(0.5 / n)
        tall_logistic = not self.is_ls and n >= p
        self.inner_tol = (0.2 if tall_logistic else 0.3) if inner_tol is None else inner_tol
        self.p0 = (10 if tall_logistic else 100) if p0 == "auto" else p0
        self.w = np.array(x0, dtype=np.float64)
        self.z = (np.asarray(problem.X @ self.w, dtype=np.float64) if self.w.any()
                  else np.zeros(n))
        self.r = problem.y - self.z if self.is_ls else None
        self.keep = np.ones(p, dtype=bool)     # not screened out
        self.g = np.zeros(p)
        self.score = np.empty(p)
        self.screened_groups = []
        self.epochs, self.newton, self.n_screened, self.ws_size = 0.0, 0, 0, 0
        self.last_epochs = 0.0

    def certificate(self):
        """(P(w), the duality gap, u = F'(z)). The gradient is computed on the
        unscreened columns only; for screened columns the bounds
        |X_j^T u| <= |X_j^T u_ref| + ||X_j|| ||u - u_ref|| stand in for g_j in
        the dual scaling, so the gap stays a certificate."""
        problem, w, g, keep = self.problem, self.w, self.g, self.keep
        y, positive, alpha = problem.y, problem.positive, problem.alpha
        if self.is_ls:
            self.z = z = y - self.r
            u = problem._dloss(z)
        else:
            # the loss and its z-gradient in one pass (one exp, one log1p
            # per sample); the dual below reuses u
            z = self.z
            u = np.empty(z.shape[0])
            loss = logistic_grad_pass(z, y, u)
        xt_dot(*problem._karr, u, np.flatnonzero(keep), 1.0, g)
        # the dual point theta = -u / scale must satisfy v_j / scale <= alpha
        # for every j, with v_j = |g_j|, or v_j = -g_j under the bound w >= 0
        # (the conjugate of alpha sum(w) + the bound is one-sided). A bound on
        # a screened v_j only matters if it exceeds max(alpha, max kept v_j)
        vmax = float(np.max(-g[keep] if positive else np.abs(g[keep]))) if keep.any() else 0.0
        vmax = max(vmax, alpha)
        for u_ref, idx, c in self.screened_groups:
            # v_j <= v_ref_j + ||X_j|| ||u - u_ref|| (Cauchy-Schwarz)
            bound = c + self.col_norm[idx] * np.sqrt(_sqn(u - u_ref))
            loose = bound > vmax
            if loose.any():
                xt_dot(*problem._karr, u, idx[loose], 1.0, g)
                gl = g[idx[loose]]
                bound[loose] = -gl if positive else np.abs(gl)
            # g_j stands in for v_j in the dual scaling
            g[idx] = -bound if positive else bound
        if self.is_ls:
            return problem._value(w, z), problem._gap(w, z, g), u
        fun = loss + problem._penalty_value(w)
        return fun, max(fun - logistic_dual_of(u, y, problem._dual_scale(g)), 0.0), u

    def screen_out(self, u, measure):
        """Gap Safe sphere test on the same dual point and the same
        (one-sided under the bound) constraint as the gap: feature j is
        inactive if max over the sphere of v_j(theta) < alpha."""
        problem, w, g, keep = self.problem, self.w, self.g, self.keep
        positive = problem.positive
        scale = problem._dual_scale(g)
        v = -g if positive else np.abs(g)
        dead = keep & (v / scale + self.col_norm * self.radius_factor * np.sqrt(measure)
                       < problem.alpha)
        if not dead.any():
            return
        moved = dead & (w != 0)
        if moved.any():
            idx = np.flatnonzero(moved)
            delta = -w[idx]
            w[idx] = 0.0
            if self.is_ls:
                self.r -= problem.X[:, idx] @ delta
            else:
                self.z += problem.X[:, idx] @ delta
        keep &= ~dead
        idx = np.flatnonzero(dead)
        self.screened_groups.append((u.copy(), idx, v[idx]))
        self.n_screened = int(keep.size - keep.sum())

    def next_set(self, nit, measure, tol_abs):
        """The next working set (sorted) and its inner tolerance."""
        problem, is_ls = self.problem, self.is_ls
        p = self.keep.size
        n_keep = int(self.keep.sum())
        self.score, v_max, n_supp, n_viol = working_set_scores(
            self.rule, problem, self.w, self.g, self.keep, self.L,
            problem.alpha, problem.positive, self.score)
        if nit == 0 and not is_ls:
            # the first working set: the violators of the optimality condition,
            # between 10 and p0 of them (a prox-Newton step costs the Gram of
            # the set: no point in paying for coordinates that do not move)
            self.p0 = min(self.p0, max(10, n_supp + n_viol))
        # the set doubles over the support (skglm, celer); a full least-squares
        # set on sparse X grows up to fourfold, as each round costs a full
        # gradient and a gap (not on dense X: correlated columns slow CD)
        grown = 2 * n_supp
        if is_ls and problem.sparse and nit > 0 and n_supp >= 0.9 * self.ws_size:
            grown = max(grown, min(4 * n_supp, n_supp + n_viol))
        ws_size = min(max(self.p0, grown, self.ws_size), n_keep)
        if not is_ls:
            # only the support and the violators: a satisfied zero would only
            # widen the Gram matrix of every Newton step
            ws_size = max(1, min(ws_size, n_supp + n_viol))
        self.ws_size = ws_size
        score = self.score
        ws = np.argpartition(-score, ws_size - 1)[:ws_size] if ws_size < p else np.arange(p)
        ws = np.sort(ws[score[ws] > -np.inf]).astype(np.int64)
        # the inner tolerance, relative to the largest violation (tighter on
        # tall logistic data, where each outer round costs a pass over n)
        tol_in = self.inner_tol * v_max
        if measure > 0 and n_viol == 0:
            # nothing outside the set violates: aim at the target gap at once
            # (one outer round instead of several; margins per inner solver)
            aim = 3.0 if is_ls else 0.5
            tol_in = min(tol_in, aim * v_max * min(1.0, tol_abs / measure))
        return ws, tol_in

    def solve_set(self, ws, tol_in):
        """The inner solve on ``ws``, to ``tol_in``."""
        problem, w = self.problem, self.w
        karr, alpha, positive = problem._karr, problem.alpha, problem.positive
        if self.is_ls and self.last_epochs > 15 and _use_gram(problem, ws, self.gram_max):
            # slow sets on tall data: the Gram once, then sweeps over it (not
            # counted in n_epochs, as in the logistic inner solve)
            lasso_gram_cd(*karr, w, self.r, ws, alpha, tol_in, self.max_epochs, positive)
        elif self.is_ls:
            self.last_epochs = lasso_ws_cd(*karr, problem.y, w, self.r, ws, self.L, alpha,
                                           self.max_epochs, tol_in, self.anderson, positive)
            self.epochs += self.last_epochs
        else:
            k, e = logreg_ws_prox_newton(*karr, problem.y, w, self.z, ws, problem._sq, alpha,
                                         50, 100, tol_in,
                                         _use_gram(problem, ws, self.gram_max), 1, positive)
            self.newton += k
            self.epochs += e
