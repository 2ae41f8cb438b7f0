"""The open nodes of the search: a heap ordered by the node selection rule,
the child kept for plunging, and the bound of the pruned subtrees, from
which the global dual bound is read."""
from __future__ import annotations

import heapq
import math

import numpy as np

from optsolve.milp.nodesel import Node

__all__ = ["Tree", "round_bound"]


def round_bound(b, integral):
    """A lower bound rounded up to an integer when the objective takes only
    integer values (with a relative tolerance for LP round-off)."""
    if integral and math.isfinite(b):
        return math.ceil(b - 1e-9 * max(1.0, abs(b)))
    return b


class Tree:
    """Open nodes under a :class:`~optsolve.milp.nodesel.NodeSelector`.

    ``objective_integral``: every solution has an integer objective, so
    bounds round up.
    """

    def __init__(self, nodesel, objective_integral):
        self.nodesel = nodesel
        self.integral = objective_integral
        self.heap = []
        self.pending = None          # plunge child to process next
        self.counter = 0
        self.pruned_bound = math.inf
        self._lower_cache = None

    def open_count(self):
        return len(self.heap) + (self.pending is not None)

    def push(self, node):
        self.counter += 1
        heapq.heappush(self.heap, self.nodesel.key(node) + (self.counter, node))

    def prune(self, lower):
        """Record the bound of a subtree closed without a solution in it."""
        lower = round_bound(lower, self.integral)
        if lower < self.pruned_bound:
            self.pruned_bound = lower

    def pop(self, cutoff):
        """The next node whose bound is below ``cutoff`` (the others are
        pruned), or None when none is left."""
        while True:
            if self.pending is not None:
                node, self.pending = self.pending, None
            elif self.heap:
                node = heapq.heappop(self.heap)[-1]
            else:
                return None
            if node.lower >= cutoff:
                self.prune(node.lower)
                continue
            return node

    def lower_bound(self, incumbent_obj, current_lower):
        """Valid lower bound on the optimum (minimisation), given the
        incumbent's value and the bound of the node being processed."""
        b = min(self.pruned_bound, incumbent_obj, current_lower)
        if self.pending is not None:
            b = min(b, self.pending.lower)
        if self.heap:
            if self.nodesel.bound_ordered:
                b = min(b, self.heap[0][0])
            else:
                b = min(b, min(item[-1].lower for item in self.heap))
        return round_bound(b, self.integral)

    def approx_lower_bound(self, incumbent_obj, current_lower, nodes):
        """:meth:`lower_bound`, recomputed at most every 100 nodes unless the
        heap is ordered by bound (plunging and display only need an
        estimate)."""
        if self.nodesel.bound_ordered:
            return self.lower_bound(incumbent_obj, current_lower)
        if self._lower_cache is None or nodes - self._lower_cache[0] >= 100:
            self._lower_cache = (nodes, self.lower_bound(incumbent_obj, current_lower))
        return self._lower_cache[1]

    def children(self, parent, j, v, f, bounds, estimates, lb, ub, glb, gub,
                 basis, obj, cutoff):
        """The down and up children of ``parent`` on column ``j`` (LP value
        ``v``, fractional part ``f``) with their ``bounds`` and
        ``estimates``; a child whose bound reaches ``cutoff`` is pruned. A
        child stores the columns whose bounds ``lb``, ``ub`` differ from the
        global ``glb``, ``gub``, and ``j``."""
        out = []
        differs = (lb != glb) | (ub != gub)
        differs[j] = False             # j goes last, where its bound changes
        idx = np.append(np.flatnonzero(differs), j)
        for direction, bound, est in ((0, bounds[0], estimates[0]),
                                      (1, bounds[1], estimates[1])):
            if bound >= cutoff:
                self.prune(bound)
                continue
            lo = lb[idx]
            hi = ub[idx]
            if direction == 0:
                hi[-1] = math.floor(v)
            else:
                lo[-1] = math.ceil(v)
            out.append(Node(bound, est, parent.depth + 1, idx, lo, hi, basis, j,
                            direction, f if direction == 0 else 1 - f, obj))
        return out

    def add_children(self, children, incumbent_obj, approx_lower):
        """Queue the children of a node; with a plunging rule the preferred
        one is processed next while its bound or estimate is within a
        quarter of the gap above the best bound (``approx_lower()``)."""
        children = self.nodesel.order(children)
        if not self.nodesel.plunging:
            for c in children:
                self.push(c)
            return
        first = children[0]
        limit = math.inf
        if math.isfinite(incumbent_obj):
            best = min(approx_lower(), first.lower)
            limit = best + 0.25 * (incumbent_obj - best)
        if first.estimate <= limit or first.lower <= limit:
            first.basis = None       # the LP already holds the parent's basis
            self.pending = first
            rest = children[1:]
        else:
            rest = children
        for c in rest:
            self.push(c)
