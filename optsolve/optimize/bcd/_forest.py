"""Numba kernels of forest-structured blocks of a sparse quadratic: grow a
block that is a forest of the graph, read its structure, solve it.

Message passing for tree-structured blocks: Nutini, Laradji & Schmidt,
JMLR 2022, Section 5 (Gaussian elimination in leaf-to-root order costs
O(|b|) on a tree: no fill-in).
"""
import numpy as np
from numba import njit

__all__ = ["tree_solve", "greedy_forest", "forest_structure"]


@njit(cache=True)
def tree_solve(order, parent, diag, offd, rhs):
    """Solve A_bb x = rhs for a forest-structured block in O(|b|).

    ``order`` lists the block's local nodes so that every node comes after
    its parent (roots first, as produced by a breadth-first search);
    ``parent[i]`` is the local parent index (-1 for a root), ``diag[i]`` the
    diagonal entry A_ii and ``offd[i]`` the entry A_{i,parent(i)}.
    Gaussian elimination from the leaves up creates no fill-in on a tree."""
    m = order.shape[0]
    d = diag.copy()
    c = rhs.copy()
    for t in range(m - 1, -1, -1):
        i = order[t]
        p = parent[i]
        if p >= 0:
            f = offd[i] / d[i]
            d[p] -= f * offd[i]
            c[p] -= f * c[i]
    x = np.empty(m)
    for t in range(m):
        i = order[t]
        p = parent[i]
        if p >= 0:
            x[i] = (c[i] - offd[i] * x[p]) / d[i]
        else:
            x[i] = c[i] / d[i]
    return x


@njit(cache=True)
def greedy_forest(candidates, max_size, indptr, indices, in_block_mark):
    """Grow a block that induces a forest in the graph (CSR adjacency).

    Candidates are visited in the given order (e.g. by decreasing |g_i|);
    a node joins the block when its already-chosen neighbours all lie in
    different trees, so that no cycle is closed (union-find).
    ``in_block_mark`` is a work array of length n filled with -1."""
    n = in_block_mark.shape[0]
    uf = np.arange(max_size)
    chosen = np.empty(max_size, dtype=np.int64)
    m = 0
    roots = np.empty(64, dtype=np.int64)
    for c in range(candidates.shape[0]):
        if m >= max_size:
            break
        v = candidates[c]
        # trees of the already chosen neighbours
        nr = 0
        ok = True
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if u == v:
                continue
            lu = in_block_mark[u]
            if lu < 0:
                continue
            r = lu
            while uf[r] != r:
                uf[r] = uf[uf[r]]
                r = uf[r]
            for q in range(nr):
                if roots[q] == r:
                    ok = False
                    break
            if not ok:
                break
            if nr == roots.shape[0]:
                grown = np.empty(2 * nr, dtype=np.int64)
                grown[:nr] = roots
                roots = grown
            roots[nr] = r
            nr += 1
        if not ok:
            continue
        in_block_mark[v] = m
        chosen[m] = v
        for q in range(nr):
            uf[roots[q]] = m
        m += 1
    for t in range(m):
        in_block_mark[chosen[t]] = -1
    return chosen[:m]


@njit(cache=True)
def forest_structure(block, indptr, indices, values, mark):
    """Parent pointers, BFS order and the A_ii / A_{i,parent} entries of a
    block whose induced subgraph is a forest (CSR matrix A)."""
    m = block.shape[0]
    for t in range(m):
        mark[block[t]] = t
    parent = np.full(m, -1, dtype=np.int64)
    diag = np.zeros(m)
    offd = np.zeros(m)
    order = np.empty(m, dtype=np.int64)
    seen = np.zeros(m, dtype=np.bool_)
    head = 0
    tail = 0
    for s in range(m):
        if seen[s]:
            continue
        seen[s] = True
        order[tail] = s
        tail += 1
        while head < tail:
            i = order[head]
            head += 1
            v = block[i]
            for k in range(indptr[v], indptr[v + 1]):
                u = indices[k]
                if u == v:
                    diag[i] += values[k]
                    continue
                lu = mark[u]
                if lu < 0 or seen[lu]:
                    continue
                seen[lu] = True
                parent[lu] = i
                offd[lu] = values[k]
                order[tail] = lu
                tail += 1
    for t in range(m):
        mark[block[t]] = -1
    return order, parent, diag, offd
