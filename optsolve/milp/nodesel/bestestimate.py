"""Best-estimate node selection with plunging (Benichou et al. 1971; SCIP's
``estimate`` rule): the open node whose pseudocost estimate of the best
solution below it is smallest, which finds good solutions early."""
import numpy as np

from optsolve.milp.nodesel.base import NodeSelector

__all__ = ["BestEstimate"]


class BestEstimate(NodeSelector):
    """Smallest estimate first, deeper first among equals. A child's
    estimate is its parent's objective plus, over every fractional column,
    the smaller pseudocost gain of its two roundings, with the branching
    column's own side in place of its minimum."""

    name = "best-estimate"

    def key(self, node):
        return (node.estimate, -node.depth)

    def estimates(self, state, obj, gain_down, gain_up):
        d, u = state.pseudocosts.values(state.candidates)
        base = obj + float(np.sum(np.minimum(d * state.frac, u * (1 - state.frac))))
        m = min(gain_down, gain_up)
        return base - m + gain_down, base - m + gain_up
