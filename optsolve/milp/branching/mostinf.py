"""Most-infeasible branching: the candidate whose fractional part is closest
to 1/2 (ties broken by the larger objective coefficient, then index)."""
from __future__ import annotations

import numpy as np

from optsolve.milp.branching.base import BranchingRule

__all__ = ["MostInfeasible"]


class MostInfeasible(BranchingRule):
    """Branch on the most fractional candidate.

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> from optsolve.milp.branching import MostInfeasible
    >>> milp([-1, -1], integrality=1, bounds=(0, 5),
    ...      constraints=([[2, 2]], -1, 7), options={"branching": MostInfeasible()}).fun
    -3.0
    """

    name = "mostinf"

    def select(self, state):
        f = state.frac
        infeas = np.minimum(f, 1.0 - f)
        c = np.abs(state.problem.c[state.candidates])
        score = infeas + 1e-6 * c / (1.0 + c.max(initial=0.0))
        return int(state.candidates[int(np.argmax(score))])
