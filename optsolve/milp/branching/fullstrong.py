"""Full strong branching (Applegate et al. 1995): solve both children of
every candidate, with an iteration cap per child, and branch on the best
product score. The most expensive rule per node and usually the smallest
trees; the expert imitated by learned branching."""
from __future__ import annotations

import numpy as np

from optsolve.milp.branching._strong import (auto_iteration_limit,
                                             strong_branch_scores)
from optsolve.milp.branching.base import BranchingRule

__all__ = ["FullStrong"]


class FullStrong(BranchingRule):
    """Full strong branching.

    Parameters
    ----------
    iteration_limit : int, optional
        Simplex iterations per child LP. Default: twice the average node LP
        iterations, clipped to [10, 500] (SCIP's automatic cap).

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> from optsolve.milp.branching import FullStrong
    >>> milp([-5, -4, -3], integrality=1, bounds=(0, 1),
    ...      constraints=([[2, 3, 1]], -1, 4),
    ...      options={"branching": FullStrong(iteration_limit=50)}).fun
    -8.0
    """

    name = "fullstrong"

    def __init__(self, iteration_limit=None):
        if iteration_limit is not None and int(iteration_limit) < 1:
            raise ValueError("`iteration_limit` must be a positive integer or None")
        self.iteration_limit = None if iteration_limit is None else int(iteration_limit)

    def select(self, state):
        limit = self.iteration_limit or auto_iteration_limit(state)
        # candidates by pseudocost score first: a cut-short run keeps the best
        order = np.argsort(-state.pseudocosts.scores(state.candidates, state.frac),
                           kind="stable")
        _, k = strong_branch_scores(state, order, limit)
        if k is None:
            k = int(order[0])
        return int(state.candidates[k])
