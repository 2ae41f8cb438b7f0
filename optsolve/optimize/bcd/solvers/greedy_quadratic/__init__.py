"""Greedy single coordinates (GS or GSL) on a smooth sparse quadratic,
entirely in Numba (:mod:`._kernels`).

Needs: a :class:`~optsolve.optimize.bcd.Quadratic` with a sparse matrix and
no L1 term or bound. Accepts: ``rule`` "gs" or "gsl", ``blocks="variable"``
with ``block_size=1``, ``update`` "gradient" or "newton" (the same step on
one coordinate of a quadratic).
"""
from __future__ import annotations

import numpy as np

from ...rules import coordinate_weights
from ._kernels import greedy_cd_sparse_quadratic, max_tree

NAME = "greedy-quadratic"
PARTITIONS = ("variable",)


def missing(problem, opts):
    """What this solver lacks to take the problem with these options."""
    out = []
    if problem.graph is None or problem._nonsmooth:
        out.append("a smooth sparse quadratic problem")
    if not (opts.blocks == "variable" and opts.block_size == 1):
        out.append("single greedy coordinates")
    if opts.rule not in ("gs", "gsl"):
        out.append("`rule` 'gs' or 'gsl'")
    if opts.update not in ("gradient", "newton"):
        out.append("`update` 'gradient' or 'newton'")
    return out


def solve(problem, x, opts, mon):
    """Greedy single coordinates (GS or GSL) on a sparse quadratic, in Numba:
    the argmax comes from a tournament tree over the scores, of which a
    step changes only the moved coordinate and its neighbours, so a step
    costs O(deg log p) instead of a scan of all p scores; below 1024
    variables the scan, in the same Numba loop, is faster (measured in
    docs/guide/bcd.rst). The measure
    is checked every min(p, 10000) steps (every step when a history is
    kept)."""
    p = problem.n_vars
    g = problem._state(x)
    L = problem.coord_lipschitz
    weight = coordinate_weights(opts.rule, L)
    score = np.abs(g) * weight
    tree = max_tree(score)
    chunk = 1 if mon.keep_history else max(1, min(p, 10_000))
    nit = 0
    while True:
        fun = problem._value(x, g)
        measure = float(np.max(np.abs(g)))
        mon.record(nit, fun, measure)
        if mon.check(nit, x, fun, measure):
            break
        todo = chunk if mon.max_iter is None else max(1, min(chunk, mon.max_iter - nit))
        nit += greedy_cd_sparse_quadratic(*problem.graph, L,
                                          problem._l2, weight, x, g, todo, p >= 1024, tree,
                                          score)
    return mon.result(x, fun, measure, nit, n_grad=0, n_block_grad=0, n_line_search=0,
                      n_newton_fallback=0)
