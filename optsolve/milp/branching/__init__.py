"""Branching rules, one per file.

A rule is any object with ``select(state) -> int`` (see
:class:`~optsolve.milp.branching.NodeState`). Rules by name:

=================  =====================================================
``"mostinf"``      most-infeasible (fractional part closest to 1/2)
``"pscost"``       pseudocost branching
``"fullstrong"``   full strong branching (iteration cap per child)
``"relpscost"``    reliability pseudocost branching (default, as in SCIP)
=================  =====================================================
"""
from optsolve.milp.branching.base import (BranchingRule, NodeState,
                                          Pseudocosts, product_score)
from optsolve.milp.branching.fullstrong import FullStrong
from optsolve.milp.branching.mostinf import MostInfeasible
from optsolve.milp.branching.pscost import Pseudocost
from optsolve.milp.branching.relpscost import ReliabilityPseudocost

__all__ = ["BranchingRule", "NodeState", "Pseudocosts", "product_score",
           "MostInfeasible", "Pseudocost", "FullStrong",
           "ReliabilityPseudocost", "RULES", "make_rule"]

#: Rule names accepted by the ``branching`` option.
RULES = {
    "mostinf": MostInfeasible,
    "pscost": Pseudocost,
    "fullstrong": FullStrong,
    "relpscost": ReliabilityPseudocost,
}
_ALIASES = {"most-infeasible": "mostinf", "pseudocost": "pscost",
            "strong": "fullstrong", "reliability": "relpscost"}


def make_rule(rule):
    """A rule object from a name or an object with ``select``."""
    if isinstance(rule, str):
        key = _ALIASES.get(rule, rule)
        if key not in RULES:
            raise ValueError(f"`branching` must be one of {sorted(RULES)} or an "
                             f"object with a select(state) method, got {rule!r}")
        return RULES[key]()
    if callable(getattr(rule, "select", None)):
        return rule
    raise ValueError("`branching` must be a rule name or an object with a "
                     f"select(state) method, got {rule!r}")
