"""Reliability pseudocost branching (Achterberg, Koch and Martin 2005), the
default rule of SCIP: pseudocost branching, except that candidates whose
pseudocosts rest on fewer than ``reliability`` observations in either
direction are strong branched (best pseudocost scores first, stopping after
``lookahead`` candidates without improvement). Strong-branching results feed
the pseudocosts, so the rule becomes pseudocost branching as the tree grows.
"""
from __future__ import annotations

import numpy as np

from optsolve.milp.branching._strong import (auto_iteration_limit,
                                             effort_reliability,
                                             strong_branch_scores)
from optsolve.milp.branching.base import BranchingRule

__all__ = ["ReliabilityPseudocost"]


class ReliabilityPseudocost(BranchingRule):
    """Reliability pseudocost branching.

    Parameters
    ----------
    reliability : int
        Observations per direction after which a pseudocost is trusted
        (SCIP's ``maxreliable`` default: 5); lowered towards 1 as strong
        branching nears SCIP's budget of half the node LP iterations plus
        100000 (see ``_strong.effort_reliability``).
    lookahead : int
        Stop strong branching after this many candidates in a row that do
        not improve the best score (SCIP: 9).
    max_candidates : int
        At most this many strong-branching candidates per node (SCIP: 100).
    iteration_limit : int, optional
        Simplex iterations per strong-branching child (default: twice the
        average node LP iterations, clipped to [10, 500]).

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> milp([-5, -4, -3], integrality=1, bounds=(0, 1),
    ...      constraints=([[2, 3, 1]], -1, 4), options={"branching": "relpscost"}).fun
    -8.0
    """

    name = "relpscost"

    def __init__(self, reliability=5, lookahead=9, max_candidates=100,
                 iteration_limit=None):
        for name, v in (("reliability", reliability), ("lookahead", lookahead),
                        ("max_candidates", max_candidates)):
            if int(v) < 0:
                raise ValueError(f"`{name}` must be a non-negative integer")
        self.reliability = int(reliability)
        self.lookahead = int(lookahead)
        self.max_candidates = int(max_candidates)
        self.iteration_limit = None if iteration_limit is None else int(iteration_limit)

    def select(self, state):
        pc = state.pseudocosts
        ps = pc.scores(state.candidates, state.frac)
        counts = pc.reliability(state.candidates)
        threshold = effort_reliability(state, self.reliability)
        # past the budget (0), only columns never tried are strong branched
        reliable = counts >= (threshold or min(1, self.reliability))
        best_k = int(np.argmax(np.where(reliable, ps, -np.inf))) if reliable.any() else None
        best = ps[best_k] if best_k is not None else -np.inf
        unreliable = np.flatnonzero(~reliable)
        if unreliable.size and self.max_candidates > 0:
            order = unreliable[np.argsort(-ps[unreliable], kind="stable")]
            order = order[:self.max_candidates]
            limit = self.iteration_limit or auto_iteration_limit(state)
            sb_best, sb_k = strong_branch_scores(state, order, limit,
                                                 self.lookahead, best)
            if sb_k is not None:
                best_k = sb_k
        if best_k is None:  # strong branching cut short: fall back on pseudocosts
            best_k = int(np.argmax(ps))
        return int(state.candidates[best_k])
