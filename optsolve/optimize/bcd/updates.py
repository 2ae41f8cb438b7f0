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

from ._kernels import forest_structure, tree_solve

__all__ = ["UPDATES", "gradient_step", "newton_step", "tree_step"]

UPDATES = ("gradient", "newton", "exact")

_ARMIJO = 1e-4


def gradient_step(x_b, g_b, L, alpha):
    """Change of x_b for the (proximal) gradient step of length 1/L."""
    u = x_b - g_b / L
    if alpha > 0:
        u = np.sign(u) * np.maximum(np.abs(u) - alpha / L, 0.0)
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


def newton_step(problem, x, state, b, g_b, alpha, counts):
    """Block (proximal) Newton step with backtracking; returns the change, or
    None when no step passes the line search (the caller then falls back to
    the proximal gradient step, whose decrease the Lipschitz bound ensures)."""
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
    # Armijo on F along d, evaluated on trial copies of the state
    decrease = float(g_b @ d)
    if alpha > 0:
        decrease += alpha * float(np.abs(x_b + d).sum() - np.abs(x_b).sum())
    if decrease >= 0:
        return None
    f0 = problem._value(x, state)
    t = 1.0
    for _ in range(40):
        xt = x.copy()
        st = state.copy()
        problem._move(xt, st, b, t * d)
        counts["line_search"] += 1
        # the slack accepts decreases below the rounding error of f
        if problem._value(xt, st) <= f0 + _ARMIJO * t * decrease + 4e-16 * abs(f0):
            return t * d
        t *= 0.5
    return None


def tree_step(problem, g, b, mark):
    """Exact minimisation over a forest block of a sparse quadratic:
    solve H_bb delta = -g_b by message passing in O(|b|)."""
    order, parent, diag, offd = forest_structure(
        b.astype(np.int64), problem._indptr, problem._indices, problem._data, mark)
    if problem._l2:
        diag = diag + problem._l2
    return tree_solve(order, parent, diag, offd, -g[b])
