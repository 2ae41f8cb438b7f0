"""The BCD solvers, one folder each beside its Numba kernels.

Each solver module declares ``NAME``, ``missing(problem, opts)`` (what it
lacks to take this problem with these options, as phrases; empty when it
accepts) and ``solve(problem, x, opts, mon)``; optionally
``DEFAULT_MAX_ITER``. :func:`choose` takes the first that accepts, in the
order of :data:`SOLVERS` (the specialised ones first, the general block loop
last). A new solver: a folder here with those three names, and its place in
:data:`SOLVERS`.
"""
from __future__ import annotations

from . import block_loop, greedy_quadratic, group_cyclic, working_set, working_set_datafit

__all__ = ["SOLVERS", "choose"]

SOLVERS = (working_set, working_set_datafit, greedy_quadratic, group_cyclic, block_loop)


def choose(problem, opts):
    """The first solver of :data:`SOLVERS` that accepts."""
    for solver in SOLVERS:
        if not solver.missing(problem, opts):
            return solver
    raise AssertionError("the block loop accepts every validated problem")  # pragma: no cover
