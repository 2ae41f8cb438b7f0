"""Strong branching shared by the full-strong and reliability rules."""
from __future__ import annotations

import math

import numpy as np

from optsolve.milp.branching.base import product_score
from optsolve.milp.lp import (LP_CUTOFF, LP_INFEASIBLE, LP_ITERATION_LIMIT,
                              LP_OPTIMAL)

__all__ = ["strong_branch_scores", "auto_iteration_limit", "effort_reliability"]


def auto_iteration_limit(state, factor=2.0, low=10, high=500):
    """SCIP's default strong-branching cap: twice the average node LP
    iterations, clipped to [10, 500]."""
    return int(min(high, max(low, factor * state.lp_iterations_per_node)))


def effort_reliability(state, reliability, min_reliability=1, quotient=0.5,
                       offset=100_000):
    """SCIP's reliability threshold under its strong-branching budget
    (``branching/relpscost``: ``sbiterquot`` 0.5, ``sbiterofs`` 100000,
    ``minreliable`` 1): strong branching may spend ``quotient`` times the
    node LP iterations plus ``offset`` (more above depth 10); as it nears
    that, the threshold falls from ``reliability`` to ``min_reliability``,
    and past it only columns never branched on are strong branched (0)."""
    budget = quotient * state.lp_iterations + offset
    if state.depth < 10:
        budget *= 11 - state.depth
    used = state.sb_lp_iterations
    if used > budget:
        return 0
    prio = min(1.0, (budget - used) / (used + 1.0))
    return (1.0 - prio) * min(min_reliability, reliability) + prio * reliability


def _child(status, obj, parent):
    """(gain, proven lower bound) of a strong-branching child."""
    if status in (LP_INFEASIBLE, LP_CUTOFF):
        return math.inf, math.inf
    if status == LP_OPTIMAL:
        return max(obj - parent, 0.0), max(obj, parent)
    if status == LP_ITERATION_LIMIT and math.isfinite(obj):
        return max(obj - parent, 0.0), parent
    return None, parent


def strong_branch_one(state, k, iteration_limit):
    """Strong branch on candidate number ``k``; returns the product score or
    None when the run must stop. Updates pseudocosts and child bounds."""
    j = int(state.candidates[k])
    f = float(state.frac[k])
    (sd, od), (su, ou) = state.strong_branch(j, iteration_limit)
    gd, bd = _child(sd, od, state.obj)
    gu, bu = _child(su, ou, state.obj)
    if gd is None or gu is None:
        return None
    pc = state.pseudocosts
    if math.isfinite(gd):
        pc.update(j, 0, gd, f)
    if math.isfinite(gu):
        pc.update(j, 1, gu, 1.0 - f)
    state.child_bounds[j] = (bd, bu)
    if math.isinf(gd) or math.isinf(gu):
        return math.inf
    return float(product_score(gd, gu))


def strong_branch_scores(state, order, iteration_limit, lookahead=None,
                         best=-math.inf):
    """Strong branch on candidates ``order`` (indices into
    ``state.candidates``) until ``lookahead`` successive ones fail to improve
    ``best``. Returns ``(best_score, best_k)`` (``best_k`` None if none
    improved)."""
    best_k = None
    since = 0
    for k in order:
        if state.time_is_up:
            break
        s = strong_branch_one(state, int(k), iteration_limit)
        if s is None:
            break
        if s > best:
            best, best_k, since = s, int(k), 0
            if math.isinf(s):
                break
        else:
            since += 1
            if lookahead is not None and since >= lookahead:
                break
    return best, best_k


