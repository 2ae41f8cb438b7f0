"""Best-bound node selection with depth-first plunging (SCIP's default
family): the open node of smallest lower bound next, which proves the
optimum with the fewest nodes when the bound is good."""
from optsolve.milp.nodesel.base import NodeSelector

__all__ = ["BestBound"]


class BestBound(NodeSelector):
    """Smallest lower bound first, deeper first among equals."""

    name = "best-bound"
    bound_ordered = True

    def key(self, node):
        return (node.lower, -node.depth)
