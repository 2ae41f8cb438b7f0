"""The BCD solvers, one folder each beside its Numba kernels.

Each solver module declares ``NAME``, ``PARTITIONS`` (the values of
``blocks`` it runs), ``missing(problem, opts)`` (what it lacks to take this
problem with these options, one sentence each; empty when it accepts: its
needs of the data fit and penalty, the rules and updates it accepts) and
``solve(problem, x, opts, mon)``; optionally ``DEFAULT_MAX_ITER``.
:func:`choose` takes the first that runs the partition and accepts, in the
order of :data:`SOLVERS` (the specialised ones first, the general one of
each partition last). A new solver: a folder here with those names, and its
place in :data:`SOLVERS`.
"""
from __future__ import annotations

from . import block_loop, greedy_quadratic, group_cyclic, working_set, working_set_datafit

__all__ = ["SOLVERS", "choose"]

SOLVERS = (working_set, working_set_datafit, greedy_quadratic, group_cyclic, block_loop)


def choose(problem, opts):
    """The first solver of :data:`SOLVERS` that runs ``opts.blocks`` and
    accepts; else ValueError with what the last of them (the most general)
    lacks."""
    lacks = []
    for solver in SOLVERS:
        if opts.blocks in solver.PARTITIONS:
            lacks = solver.missing(problem, opts)
            if not lacks:
                return solver
    raise ValueError("; ".join(lacks))
