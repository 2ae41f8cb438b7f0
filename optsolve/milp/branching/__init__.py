"""Branching rules, one per file.

A rule is any object with ``select(state) -> int`` (see
:class:`~optsolve.milp.branching.NodeState`). Rules by name:

=================  =====================================================
``"mostinf"``      most-infeasible (fractional part closest to 1/2)
``"pscost"``       pseudocost branching
``"fullstrong"``   full strong branching (iteration cap per child)
``"relpscost"``    reliability pseudocost branching (default, as in SCIP)
``"learned"``      a graph network imitating strong branching (the
                   shipped model of the problem's class;
                   ``"learned:NAME"`` names one, see
                   :mod:`~optsolve.milp.branching.learned`)
=================  =====================================================
"""
from optsolve.milp.branching.base import (BranchingRule, NodeState,
                                          Pseudocosts, product_score)
from optsolve.milp.branching.fullstrong import FullStrong
from optsolve.milp.branching.learned import Learned, shipped_weights
from optsolve.milp.branching.mostinf import MostInfeasible
from optsolve.milp.branching.pscost import Pseudocost
from optsolve.milp.branching.relpscost import ReliabilityPseudocost

__all__ = ["BranchingRule", "NodeState", "Pseudocosts", "product_score",
           "MostInfeasible", "Pseudocost", "FullStrong",
           "ReliabilityPseudocost", "Learned", "RULES", "NAMES", "make_rule"]

#: Rule names accepted by the ``branching`` option.
RULES = {
    "mostinf": MostInfeasible,
    "pscost": Pseudocost,
    "fullstrong": FullStrong,
    "relpscost": ReliabilityPseudocost,
    "learned": Learned,
}
#: Every name the ``branching`` option takes: the rules and the shipped
#: learned models as ``learned:NAME``.
NAMES = tuple(sorted(RULES)) + tuple(f"learned:{n}" for n in shipped_weights())
_ALIASES = {"most-infeasible": "mostinf", "pseudocost": "pscost",
            "strong": "fullstrong", "reliability": "relpscost"}


def make_rule(rule):
    """A rule object from a name or an object with ``select``."""
    if isinstance(rule, str):
        key = _ALIASES.get(rule, rule)
        if key.startswith("learned:") and key in NAMES:
            return Learned(key[len("learned:"):])
        if key not in RULES:
            raise ValueError(f"`branching` must be one of {list(NAMES)} or an "
                             f"object with a select(state) method, got {rule!r}")
        return RULES[key]()
    if callable(getattr(rule, "select", None)):
        return rule
    raise ValueError("`branching` must be a rule name or an object with a "
                     f"select(state) method, got {rule!r}")
