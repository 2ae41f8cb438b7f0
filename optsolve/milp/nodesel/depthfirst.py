"""Depth-first node selection: the deepest open node next (smaller bound
first among equals), which keeps the open list short and dives to
solutions."""
from optsolve.milp.nodesel.base import NodeSelector

__all__ = ["DepthFirst"]


class DepthFirst(NodeSelector):
    """Deepest first; both children go to the heap, the one of smaller
    estimate pushed last."""

    name = "depth-first"
    plunging = False

    def key(self, node):
        return (-node.depth, node.lower)

    def order(self, children):
        return sorted(children, key=lambda c: -c.estimate)
