"""Block partitions: fixed (contiguous, sorted by Lipschitz constant,
random, forest, colouring) and the variable blocks picked each iteration
(greedy coordinates, greedy trees).

Nutini, Laradji & Schmidt, JMLR 2022, Sections 3 (fixed and variable
blocks) and 5 (tree-structured blocks of a sparse quadratic).
"""
from __future__ import annotations

import numpy as np

from ._forest import greedy_forest

__all__ = ["FIXED_PARTITIONS", "VARIABLE_PARTITIONS", "GRAPH_PARTITIONS", "fixed_partition",
           "top_coordinates", "greedy_tree", "default_block_size", "are_the_groups"]

FIXED_PARTITIONS = ("contiguous", "sorted", "random", "forest", "colour")
VARIABLE_PARTITIONS = ("variable", "tree")
#: the partitions into forests of a sparse quadratic's graph
GRAPH_PARTITIONS = ("tree", "forest", "colour")


def default_block_size(problem, blocks):
    """The block size when ``bcd``'s ``block_size`` is None: 100 for trees
    and forests, else the problem's (``n_classes`` for Softmax, else 1)."""
    if blocks in ("tree", "forest"):
        return min(problem.n_vars, 100)
    return problem.default_block_size


def are_the_groups(problem, opts):
    """Whether the blocks are the groups of the problem's group penalty."""
    groups = problem.groups
    return (opts.blocks == "user" and len(opts.user_blocks) == len(groups)
            and all(np.array_equal(a, b) for a, b in zip(opts.user_blocks, groups)))


def _chunks(order, size):
    return [np.sort(order[i:i + size]) for i in range(0, len(order), size)]


def _graph(problem):
    """CSR arrays (indptr, indices, data) of a sparse quadratic's graph, or
    ValueError."""
    if problem.graph is None:
        raise ValueError("`blocks` 'tree', 'forest' and 'colour' need a sparse quadratic "
                         "problem (Quadratic or LabelPropagation with a sparse matrix)")
    return problem.graph


def fixed_partition(problem, kind, size, rng):
    """List of index arrays covering 0..n_vars-1, each of at most ``size``."""
    p = problem.n_vars
    if kind == "contiguous":
        return _chunks(np.arange(p), size)
    if kind == "sorted":
        # blocks of similar curvature: the largest constants together
        order = np.argsort(-problem.coord_lipschitz, kind="stable")
        return _chunks(order, size)
    if kind == "random":
        return _chunks(rng.permutation(p), size)
    graph = _graph(problem)
    if kind == "forest":
        return _forest_partition(graph, size, rng)
    if kind == "colour":
        return _colour_partition(graph)
    raise ValueError(f"unknown partition {kind!r}")  # pragma: no cover


def _forest_partition(graph, size, rng):
    """Fixed partition into forests: grow greedy forests over a random order
    of the unassigned nodes until every node belongs to one."""
    indptr, indices, _ = graph
    p = indptr.shape[0] - 1
    mark = np.full(p, -1, dtype=np.int64)
    left = rng.permutation(p).astype(np.int64)
    blocks = []
    while left.size:
        blk = greedy_forest(left, min(size, left.size), indptr, indices, mark)
        blocks.append(np.sort(blk))
        taken = np.zeros(p, dtype=bool)
        taken[blk] = True
        left = left[~taken[left]]
    return blocks


def _colour_partition(graph):
    """Greedy graph colouring (red-black on a lattice): each colour class is
    an independent set, i.e. a block with a diagonal Hessian."""
    indptr, indices, _ = graph
    p = indptr.shape[0] - 1
    colour = np.full(p, -1, dtype=np.int64)
    for v in range(p):
        used = {colour[u] for u in indices[indptr[v]:indptr[v + 1]] if u != v}
        c = 0
        while c in used:
            c += 1
        colour[v] = c
    return [np.flatnonzero(colour == c) for c in range(colour.max() + 1)]


def top_coordinates(scores, size):
    """The ``size`` coordinates of largest score (variable greedy block)."""
    p = scores.shape[0]
    if size >= p:
        return np.arange(p)
    idx = np.argpartition(-scores, size - 1)[:size]
    return np.sort(idx)


def greedy_tree(problem, scores, size, mark):
    """Greedy tree block: coordinates by decreasing score, each added when it
    closes no cycle in the graph of the sparse quadratic."""
    indptr, indices, _ = problem.graph
    p = scores.shape[0]
    k = min(p, 4 * size)
    cand = np.argpartition(-scores, k - 1)[:k] if k < p else np.arange(p)
    cand = cand[np.argsort(-scores[cand], kind="stable")].astype(np.int64)
    blk = greedy_forest(cand, size, indptr, indices, mark)
    if blk.size < size and k < p:
        cand = np.argsort(-scores, kind="stable").astype(np.int64)
        blk = greedy_forest(cand, size, indptr, indices, mark)
    return blk
