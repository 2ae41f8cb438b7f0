"""What a node selection rule sees (:class:`Node`) and what it decides
(:class:`NodeSelector`).

The search keeps the open nodes in a heap ordered by
``selector.key(node)`` (smallest first, ties broken by creation order) and,
after branching, asks the selector to rank the children
(``selector.order``) and to estimate them (``selector.estimates``). A
plunging selector lets the search process the first child next, without
going through the heap, while its bound or estimate stays within a quarter
of the gap of the best open bound (SCIP's plunging).
"""
from __future__ import annotations

import math

__all__ = ["Node", "NodeSelector"]


class Node:
    """An open node: its bounds and the bound changes that define it.

    Attributes
    ----------
    lower : float
        Proven lower bound of the node's subtree (minimisation, no offset).
    estimate : float
        Estimated objective of the best solution below the node.
    depth : int
        Depth in the tree (the root is 0).
    idx, lo, hi : ndarray
        Columns whose bounds differ from the global ones, and their bounds.
    basis : object or None
        The parent's LP basis (None: the LP holds it already).
    var, direction, distance : int, int, float
        The branching column, down (0) or up (1), and the distance from its
        parent's LP value to the new bound (for the pseudocosts).
    parent_obj : float
        The parent's LP objective.
    """

    __slots__ = ("lower", "estimate", "depth", "idx", "lo", "hi", "basis",
                 "var", "direction", "distance", "parent_obj")

    def __init__(self, lower, estimate, depth, idx, lo, hi, basis, var=-1,
                 direction=0, distance=0.0, parent_obj=-math.inf):
        self.lower = lower
        self.estimate = estimate
        self.depth = depth
        self.idx = idx
        self.lo = lo
        self.hi = hi
        self.basis = basis
        self.var = var
        self.direction = direction
        self.distance = distance
        self.parent_obj = parent_obj


class NodeSelector:
    """Base class of the node selection rules.

    Subclasses set ``name``, ``bound_ordered`` (the heap's first key is the
    smallest lower bound of the open nodes, so the global bound is read off
    the top) and ``plunging`` (the search may process the first child next),
    and define :meth:`key`; :meth:`estimates` and :meth:`order` have
    defaults.
    """

    name = "selector"
    bound_ordered = False
    plunging = True

    def key(self, node):  # pragma: no cover - interface
        """A tuple ordering the open nodes: the smallest is processed next."""
        raise NotImplementedError

    def estimates(self, state, obj, gain_down, gain_up):
        """Estimates of the down and up children of the branching column:
        the node's LP objective plus the pseudocost gain of each side."""
        return obj + gain_down, obj + gain_up

    def order(self, children):
        """The children, the preferred first: smaller bound, then smaller
        estimate, then up before down."""
        return sorted(children, key=lambda c: (c.lower, c.estimate, -c.direction))

    def __repr__(self):
        return f"{type(self).__name__}()"
