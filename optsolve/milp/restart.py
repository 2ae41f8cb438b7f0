"""A restart after the root: presolve again with the root's fixings, then
search the smaller problem (SCIP's restart, Achterberg 2007, section 10.9).

When the root has fixed a large share of the integer columns (reduced-cost
fixing against the first incumbents, propagation, strong branching),
:class:`~optsolve.milp.search.Search` stops with ``restart_requested``.
:func:`restart` builds the problem restricted to the search's global bounds,
presolves it, and runs a new search on it with a new root (LP, cuts,
heuristics) and the incumbent carried over. Every solution better than the
cutoff lies in the restricted problem, so its search answers for the whole.
The counts (nodes, LP iterations, LP time, incumbents, ...) run on from the
first search; cut counts are those of the new root.
"""
from __future__ import annotations

import numpy as np

from optsolve.milp.presolve import presolve
from optsolve.milp.work import Work

__all__ = ["restart", "restart_due"]

# share of the free integer columns the root must fix for a restart
_RESTART_FIXED = 0.2


def restart_due(search):
    """Whether the root of ``search`` fixed enough integer columns
    (reduced-cost fixing, propagation, strong branching) for a presolve of
    the restricted problem to pay, and its tree is still open (SCIP's
    restart after the root, ``presolving/restartfac``); never without
    presolve."""
    o = search.o
    if not (o["restart"] and o["presolve"]) or search.limit is not None \
            or search.tree.open_count() == 0:
        return False
    return _fixed(search) >= _RESTART_FIXED * max(1, _free(search))


def _free(search):
    ic = search.work.int_cols
    return int((search.work.lb[ic] < search.work.ub[ic]).sum())


def restart(search, problem, stop):
    """The search that replaces ``search`` (stopped after its root with
    ``restart_requested``) on ``problem`` (the problem it searched, in its
    columns), already run; or None when the restart is declined: the
    incumbent does not carry over exactly, or presolve leaves nothing to
    search. ``stop()`` says when presolve must end early."""
    p = problem.copy()
    p.lb = search.glb.copy()
    p.ub = search.gub.copy()
    pre = presolve(p, stop=stop)
    if pre.problem is None:
        return None
    work = Work(pre.problem)
    x = None
    if search.incumbent is not None:
        x = search.incumbent[pre.columns]
        # the incumbent must be the same point after presolve's fixings
        if not (np.allclose(pre.postsolve(x), search.incumbent, rtol=0, atol=1e-9)
                and work.feasible(x)):
            return None
    o = dict(search.o)
    o["restart"] = False
    new = type(search)(work, o, search.deadline, search.guard)
    new.sense = search.sense
    new.offset = pre.problem.offset
    first = search.postsolve
    new.postsolve = pre.postsolve if first is None else \
        (lambda y: first(pre.postsolve(y)))
    new.presolve_stats = search.presolve_stats
    _carry_counts(search, new)
    if x is not None:
        new.accept_incumbent(x, float(work.c @ x))
    new.progress.message(
        f"restart: the root fixed {_fixed(search)} integer columns; "
        f"{work.c.size} of {problem.num_cols} columns left")
    new.run()
    return new


def _fixed(search):
    ic = search.work.int_cols
    free = search.work.lb[ic] < search.work.ub[ic]
    return int((free & (search.glb[ic] == search.gub[ic])).sum())


def _carry_counts(old, new):
    """The counts of the new search start where the old one's stopped."""
    new.nodes = old.nodes
    new.max_depth = old.max_depth
    new.lp.iterations = old.lp.iterations
    new.lp.sb_iterations = old.lp.sb_iterations
    new.lp.run_time = old.lp.run_time
    new.submip_lp_time = old.submip_lp_time
    new.heuristic_iterations = old.heuristic_iterations
    new.incumbents_found = old.incumbents_found
    new.propagated = old.propagated
    new.dropped = old.dropped
    new.submips.calls = old.submips.calls
    new.submips.found = old.submips.found
    new.submip_nodes = old.submip_nodes
    new.restarts = old.restarts + 1
