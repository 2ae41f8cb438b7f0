"""Node selection rules (optsolve.milp.nodesel): the registry, the orders
they promise, and a rule added from outside the package."""
import math

import numpy as np
import pytest

from optsolve.milp import milp
from optsolve.milp.nodesel import (SELECTIONS, BestBound, BestEstimate,
                                   DepthFirst, Node, NodeSelector, make_selector)

from ._instances import CLASSES, check_answer


def _node(lower, estimate, depth, direction=0):
    e = np.empty(0)
    return Node(lower, estimate, depth, e.astype(np.int64), e, e, None,
                direction=direction)


def test_registry_and_names():
    assert list(SELECTIONS) == ["best-bound", "best-estimate", "depth-first"]
    for name, cls in SELECTIONS.items():
        sel = make_selector(name)
        assert isinstance(sel, cls) and sel.name == name
    with pytest.raises(ValueError, match="`node_selection` must be one of"):
        make_selector("random")


def test_keys_order_the_open_nodes():
    a, b, c = _node(1.0, 9.0, 3), _node(2.0, 0.0, 5), _node(1.0, 5.0, 4)
    assert min([a, b, c], key=BestBound().key) is c          # bound, then deeper
    assert min([a, b, c], key=BestEstimate().key) is b
    assert min([a, b, c], key=DepthFirst().key) is b
    assert BestBound.bound_ordered and not BestEstimate.bound_ordered
    assert not DepthFirst.plunging and BestBound.plunging


def test_children_order():
    down, up = _node(1.0, 3.0, 1, 0), _node(1.0, 2.0, 1, 1)
    assert BestBound().order([down, up]) == [up, down]
    tie = _node(1.0, 3.0, 1, 1)
    assert BestBound().order([down, tie]) == [tie, down]       # up first
    assert DepthFirst().order([up, down]) == [down, up]        # smaller last


class _BreadthFirst(NodeSelector):
    """Shallowest node first, never plunging: a rule the package lacks."""

    name = "breadth-first"
    plunging = False

    def __init__(self):
        self.keys = 0

    def key(self, node):
        self.keys += 1
        return (node.depth, node.lower)


def test_a_rule_added_to_the_registry_runs_and_is_right(monkeypatch):
    made = []

    def factory():
        made.append(_BreadthFirst())
        return made[-1]
    monkeypatch.setitem(SELECTIONS, "breadth-first", factory)
    rng = np.random.default_rng(5)
    for cls in ("knapsack", "general_mixed"):
        kw = CLASSES[cls](rng)
        res = milp(**kw, options={"node_selection": "breadth-first",
                                  "mip_rel_gap": 0, "cuts": False})
        check_answer(res, kw)
    assert made and any(s.keys > 0 for s in made)


def test_every_rule_gives_the_same_optimum():
    rng = np.random.default_rng(11)
    kw = CLASSES["knapsack"](rng)
    funs = [milp(**kw, options={"node_selection": n, "mip_rel_gap": 0}).fun
            for n in SELECTIONS]
    assert all(math.isclose(f, funs[0], rel_tol=1e-9, abs_tol=1e-9) for f in funs)
