"""Block updates (Nutini, Laradji & Schmidt, JMLR 2022, Section 4 and 5):

* ``"gradient"``: x_b <- prox_{alpha/L_b}(x_b - g_b / L_b).
* ``"newton"``: the block-Hessian (matrix) step; exact on quadratics, with an
  Armijo backtracking line search otherwise; with an L1 term the proximal
  Newton step (the model is minimised by coordinate descent).
* ``"exact"``: message passing, the O(|b|) solve of a forest-structured block
  of a sparse quadratic.
"""
from __future__ import annotations

import numpy as np

from optsolve.optimize.linesearch import armijo_path

from ._forest import forest_structure, tree_solve

__all__ = ["UPDATES", "gradient_step", "newton_step", "projected_newton_step", "tree_step"]

UPDATES = ("gradient", "newton", "exact")

_ARMIJO = 1e-4


def gradient_step(problem, x_b, g_b, L, b):
    """Change of x_b for the (proximal, projected) gradient step of length
    1/L: the prox of the problem's L1 or group term and of the bound
    x >= 0 (``b`` the block's variables)."""
    if L <= 0:
        # all-zero columns: the smooth part is flat in x_b (g_b = 0), so the
        # nonsmooth part alone decides: its minimum is at 0
        return -x_b if (problem._nonsmooth and (problem.alpha > 0 or problem.positive)) \
            else np.zeros_like(x_b)
    u = x_b - g_b / L
    if problem._nonsmooth:
        u = problem._prox(u, b, 1.0 / L)
    return u - x_b


def _prox_model_cd(x_b, g_b, H, alpha, sweeps=200, tol=1e-13):
    """argmin_d g^T d + d^T H d / 2 + alpha ||x_b + d||_1 by cyclic CD."""
    m = len(x_b)
    d = np.zeros(m)
    Hd = np.zeros(m)
    diag = np.diag(H)
    for _ in range(sweeps):
        big = 0.0
        for i in range(m):
            if diag[i] <= 0:
                continue
            gi = g_b[i] + Hd[i]
            cur = x_b[i] + d[i]
            u = cur - gi / diag[i]
            new = np.sign(u) * max(abs(u) - alpha / diag[i], 0.0)
            if new != cur:
                step = new - cur
                d[i] += step
                Hd += step * H[:, i]
                big = max(big, abs(step))
        if big <= tol * (1.0 + np.abs(x_b + d).max()):
            break
    return d


def _armijo(problem, x, state, b, delta_at, decrease_at, counts):
    """Backtracking t = 1, 1/2, ... (40 trials, :func:`armijo_path`): the
    first change ``delta_at(t)`` with F(x + delta) <= F(x) + 1e-4 *
    ``decrease_at(t, delta)`` (a negative model decrease), evaluated on trial
    copies of the state; None if none."""
    f0 = problem._value(x, state)

    def phi(t):
        xt = x.copy()
        st = state.copy()
        problem._move(xt, st, b, delta_at(t))
        return problem._value(xt, st)

    # the slack accepts decreases below the rounding error of f
    t, n_eval, _ = armijo_path(phi, f0, lambda t: decrease_at(t, delta_at(t)), c1=_ARMIJO,
                               maxiter=40, slack=4e-16 * abs(f0))
    counts["line_search"] += n_eval
    return None if t is None else delta_at(t)


def projected_newton_step(problem, x, state, b, g_b, counts):
    """Two-metric projection step (Bertsekas 1982; Gafni & Bertsekas 1984)
    for a block under x >= 0 with a linear L1 term alpha * sum(x).

    With q = g_b + alpha, the coordinates at or within eps of the bound whose
    q pushes them outward (eps-active: x_i <= eps, q_i > 0, eps the size of
    the projected-gradient step) take a diagonally scaled gradient step; the
    others a Newton step on their block Hessian H_FF. The trial point is
    projected onto x >= 0 and backtracked along the projection arc with the
    Armijo test F(x(t)) <= F(x) + 1e-4 q^T (x(t) - x). None when the test
    fails (the caller falls back to the projected gradient step)."""
    x_b = x[b]
    q = g_b + problem._l1
    H = problem._block_hess(x, state, b)
    eps = min(1e-3, float(np.linalg.norm(x_b - np.maximum(x_b - q, 0.0))))
    bound = (x_b <= eps) & (q > 0)
    free = ~bound
    d = np.zeros_like(x_b)
    diag = np.diag(H)
    d[bound] = -q[bound] / np.maximum(diag[bound], 1e-300)
    if free.any():
        Hf = H[np.ix_(free, free)]
        try:
            d[free] = -np.linalg.solve(Hf, q[free])
        except np.linalg.LinAlgError:
            d[free] = -np.linalg.lstsq(Hf, q[free], rcond=None)[0]
    if not np.any(d):
        return d   # q = 0 off the bound: the block is optimal
    return _armijo(problem, x, state, b,
                   lambda t: np.maximum(x_b + t * d, 0.0) - x_b,
                   lambda t, delta: float(q @ delta), counts)


def newton_step(problem, x, state, b, g_b, alpha, counts):
    """Block (proximal) Newton step with backtracking; returns the change, or
    None when no step passes the line search (the caller then falls back to
    the proximal gradient step, whose decrease the Lipschitz bound ensures).
    Under x >= 0: :func:`projected_newton_step`."""
    if problem.positive:
        return projected_newton_step(problem, x, state, b, g_b, counts)
    H = problem._block_hess(x, state, b)
    x_b = x[b]
    if alpha > 0:
        d = _prox_model_cd(x_b, g_b, H, alpha)
    else:
        try:
            d = -np.linalg.solve(H, g_b)
        except np.linalg.LinAlgError:
            d = -np.linalg.lstsq(H, g_b, rcond=None)[0]
    if problem.quadratic:
        return d
    # Armijo on F along d
    decrease = float(g_b @ d)
    if alpha > 0:
        decrease += alpha * float(np.abs(x_b + d).sum() - np.abs(x_b).sum())
    if decrease >= 0:
        return None
    return _armijo(problem, x, state, b, lambda t: t * d, lambda t, delta: t * decrease,
                   counts)


def tree_step(problem, g, b, mark):
    """Exact minimisation over a forest block of a sparse quadratic:
    solve H_bb delta = -g_b by message passing in O(|b|)."""
    order, parent, diag, offd = forest_structure(
        b.astype(np.int64), *problem.graph, mark)
    if problem._l2:
        diag = diag + problem._l2
    return tree_solve(order, parent, diag, offd, -g[b])
