"""Pseudocost branching (Benichou et al. 1971): the candidate with the best
product score of its estimated down/up gains. Pseudocosts are learned from
the children the search solves; uninitialised ones take the average."""
from __future__ import annotations

import numpy as np

from optsolve.milp.branching.base import BranchingRule

__all__ = ["Pseudocost"]


class Pseudocost(BranchingRule):
    """Branch on the best pseudocost product score.

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> milp([-5, -4, -3], integrality=1, bounds=(0, 1),
    ...      constraints=([[2, 3, 1]], -1, 4), options={"branching": "pscost"}).fun
    -8.0
    """

    name = "pscost"

    def select(self, state):
        scores = state.pseudocosts.scores(state.candidates, state.frac)
        return int(state.candidates[int(np.argmax(scores))])
