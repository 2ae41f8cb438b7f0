"""Numba kernels of greedy single-coordinate descent on a sparse quadratic:
a tournament tree over the scores and the greedy loop."""
import numpy as np
from numba import njit

from ..._matrix import _FAST

__all__ = ["max_tree", "max_tree_update", "greedy_cd_sparse_quadratic"]


@njit(cache=True)
def _tree_better(score, a, b):
    """The leaf of larger score (-1 = empty; ties to the smaller index)."""
    if a < 0:
        return b
    if b < 0:
        return a
    if score[b] > score[a] or (score[b] == score[a] and b < a):
        return b
    return a


@njit(cache=True)
def max_tree(score):
    """Tournament tree over ``score``: ``tree[1]`` is the index of the
    largest entry, ``tree[P + i]`` the leaf of entry i (P a power of two);
    :func:`max_tree_update` restores it after a change in O(log p)."""
    p = score.shape[0]
    P = 1
    while P < p:
        P *= 2
    tree = np.full(2 * P, -1, dtype=np.int64)
    for i in range(p):
        tree[P + i] = i
    for v in range(P - 1, 0, -1):
        tree[v] = _tree_better(score, tree[2 * v], tree[2 * v + 1])
    return tree


@njit(cache=True)
def max_tree_update(tree, score, i):
    v = (tree.shape[0] // 2 + i) // 2
    while v >= 1:
        tree[v] = _tree_better(score, tree[2 * v], tree[2 * v + 1])
        v //= 2


@njit(cache=True, fastmath=_FAST)
def greedy_cd_sparse_quadratic(indptr, indices, data, lips, l2, weight, x, g, n_iter,
                               use_tree, tree, score):
    """``n_iter`` greedy single-coordinate updates of 1/2 x^T (A + l2 I) x - b^T x
    for a sparse symmetric A (CSR), gradient ``g`` maintained: pick
    i = argmax |g_i| * weight_i (weight 1: GS; 1/sqrt(L_i): GSL), minimise
    exactly along it (x_i -= g_i / L_i, L_i = A_ii + l2), update the
    gradients of its neighbours.

    With ``use_tree`` the argmax is read from the tournament tree ``tree``
    over ``score`` (built by :func:`max_tree`) and only the changed leaves
    are updated, O(deg(i) log p) per step; without it every step scans the
    p scores, O(p). Returns the number of updates done (fewer when the
    gradient is exactly zero)."""
    p = x.shape[0]
    done = 0
    for it in range(n_iter):
        if use_tree:
            i = tree[1]
        else:
            i = 0
            best = -1.0
            for j in range(p):
                if score[j] > best:
                    best = score[j]
                    i = j
        if score[i] == 0.0:
            break
        delta = -g[i] / lips[i]
        x[i] += delta
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            g[j] += data[k] * delta
            score[j] = abs(g[j]) * weight[j]
            if use_tree:
                max_tree_update(tree, score, j)
        if l2 != 0.0:
            g[i] += l2 * delta
        score[i] = abs(g[i]) * weight[i]
        if use_tree:
            max_tree_update(tree, score, i)
        done += 1
    return done
