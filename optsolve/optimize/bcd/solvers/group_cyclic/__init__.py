"""Cyclic group updates for the group Lasso, in Numba (:mod:`._kernels`).

Needs: a least-squares data fit with the group L1 penalty. Accepts:
``rule="cyclic"`` over the groups as blocks, gradient steps.
"""
from __future__ import annotations

import numpy as np

from ... import datafits
from ...partitions import are_the_groups
from ...problems import _GLM
from ._kernels import group_lasso_cd

NAME = "group-cyclic"
PARTITIONS = ("user",)


def missing(problem, opts):
    """What this solver lacks to take the problem with these options."""
    out = []
    if not (problem.penalty == "group" and isinstance(problem, _GLM)
            and isinstance(problem.datafit, datafits.LeastSquares)):
        out.append("least squares with the group penalty")
    elif not are_the_groups(problem, opts):
        out.append("the groups as blocks")
    if opts.update != "gradient":
        out.append("`update`='gradient'")
    if opts.rule != "cyclic":
        out.append("`rule`='cyclic'")
    return out


def solve(problem, x, opts, mon):
    """Cyclic group updates for the group Lasso in Numba, the residual kept
    current; the certified measure (the proximal-gradient mapping) is
    computed between chunks of sweeps (1, 2, 4, ... up to 64); ``nit``
    counts group updates, in whole sweeps."""
    groups = problem.groups
    gptr = np.concatenate([[0], np.cumsum([g.size for g in groups])]).astype(np.int64)
    gidx = np.concatenate(groups).astype(np.int64)
    lips = np.array([problem.coord_lipschitz[g[0]] if g.size == 1 else problem._block_lips(g)
                     for g in groups])
    r = problem.y - problem._state(x)
    nit = 0
    chunk = 1
    while True:
        z = problem.y - r
        fun = problem._value(x, z)
        measure = problem._optimality(x, z, problem._grad(x, z))[1]
        mon.record(nit, fun, measure)
        if mon.check(nit, x, fun, measure):
            break
        sweeps = chunk
        if mon.max_iter is not None:   # nit counts group updates, in whole sweeps
            sweeps = max(1, min(chunk, -(-(mon.max_iter - nit) // len(groups))))
        done = group_lasso_cd(*problem._karr, x, r, gptr, gidx, lips, problem.alpha,
                              sweeps, 0.5 * mon.tol_abs)
        nit += done * len(groups)
        chunk = min(2 * chunk, 64)   # check often early, rarely later
    return mon.result(x, fun, measure, nit, n_grad=0, n_block_grad=0, n_line_search=0,
                      n_newton_fallback=0)
