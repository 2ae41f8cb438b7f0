"""Node selection rules, one per file.

A rule is a :class:`~optsolve.milp.nodesel.NodeSelector`: ``key(node)``
orders the open :class:`~optsolve.milp.nodesel.Node` objects, and the rule
says whether the heap is ordered by bound and whether the search plunges.
Rules by name (the ``node_selection`` option):

=====================  ================================================
``"best-bound"``       smallest lower bound, depth-first plunging (default)
``"best-estimate"``    smallest pseudocost estimate, with plunging (SCIP's
                       default; not ours: no smaller trees on both halves
                       of MIPLIB 3, see the benchmarks page)
``"depth-first"``      deepest node first
=====================  ================================================

A new rule: a file here with a ``NodeSelector`` subclass, and its name in
:data:`SELECTIONS` (the options table and the CLI read it from there).
"""
from optsolve.milp.nodesel.base import Node, NodeSelector
from optsolve.milp.nodesel.bestbound import BestBound
from optsolve.milp.nodesel.bestestimate import BestEstimate
from optsolve.milp.nodesel.depthfirst import DepthFirst

__all__ = ["Node", "NodeSelector", "BestBound", "BestEstimate", "DepthFirst",
           "SELECTIONS", "make_selector"]

#: Rule names accepted by the ``node_selection`` option.
SELECTIONS = {
    "best-bound": BestBound,
    "best-estimate": BestEstimate,
    "depth-first": DepthFirst,
}


def make_selector(name):
    """The selector object of a rule name."""
    if name not in SELECTIONS:
        raise ValueError(f"`node_selection` must be one of {tuple(SELECTIONS)}, "
                         f"got {name!r}")
    return SELECTIONS[name]()
