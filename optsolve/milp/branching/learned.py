"""Learned branching (Gasse et al. 2019): a graph convolutional network,
trained to imitate strong branching, scores the candidates on the bipartite
state of the node; its forward pass is one Numba kernel
(:mod:`optsolve.milp.learn.infer`), without torch.

Shipped models (``optsolve/milp/learn/weights/*.npz``): one per generated
class it was trained on and a ``general`` one trained on all of them. By
default the model is chosen from the problem's shape
(:func:`problem_family`); ``"learned:NAME"`` names one, and the
``branching_weights`` option (or ``Learned(PATH)``) takes the user's own.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from optsolve.milp.branching.base import BranchingRule

__all__ = ["Learned", "shipped_weights", "problem_family"]

_WEIGHTS = Path(__file__).resolve().parent.parent / "learn" / "weights"


def shipped_weights():
    """Name -> path of the weights shipped with the package."""
    return {p.stem: p for p in sorted(_WEIGHTS.glob("*.npz"))}


def problem_family(problem):
    """The generated class (``optsolve.milp.generators``) whose shape
    ``problem`` has, or None: ``"facilities"`` with continuous columns,
    otherwise for binary problems with 0/1 rows ``"setcover"`` (covering
    rows ``>= 1``) or, for packing rows ``<= 1``, ``"indset"`` (equal
    objective coefficients) or ``"cauctions"``."""
    integ = np.asarray(problem.integrality)
    lb = np.asarray(problem.lb, dtype=float)
    ub = np.asarray(problem.ub, dtype=float)
    if integ.size == 0:
        return None
    is_int = (integ == 1) | (integ == 3)
    if not is_int.all():
        return "facilities" if is_int.any() else None
    data = getattr(problem.A, "data", np.zeros(0))
    if not (np.all(lb >= 0) and np.all(ub <= 1) and data.size
            and np.all(data == 1.0)):
        return None
    lo = np.asarray(problem.row_lower, dtype=float)
    hi = np.asarray(problem.row_upper, dtype=float)
    if np.all(np.isinf(hi)) and np.all(lo >= 1):
        return "setcover"
    if np.all(np.isinf(lo)) and np.all(hi <= 1):
        c = np.asarray(problem.c, dtype=float)
        return "indset" if np.ptp(c) == 0 else "cauctions"
    return None


class Learned(BranchingRule):
    """Branch on the candidate the network scores highest.

    Parameters
    ----------
    weights : str, path or optsolve.milp.learn.infer.Policy, optional
        The name of a shipped model (:func:`shipped_weights`), a weights
        file written by ``GCNN.export`` (``python -m
        optsolve.milp.learn.train`` writes ``best.npz``), or a policy.
        Default: the shipped model of the problem's class
        (:func:`problem_family`), else the ``general`` one.

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> milp([-5, -4, -3], integrality=1, bounds=(0, 1),
    ...      constraints=([[2, 3, 1]], -1, 4), options={"branching": "learned"}).fun
    -8.0
    """

    name = "learned"

    def __init__(self, weights=None):
        from optsolve.milp.learn.infer import Policy
        self._choose = weights is None
        self.policy = None
        shipped = shipped_weights()
        if isinstance(weights, Policy):
            self.policy = weights
        elif weights is None:
            if "general" not in shipped and len(shipped) != 1:
                raise ValueError("`branching_weights` is needed: no default "
                                 "learned model is shipped "
                                 f"(shipped: {sorted(shipped) or 'none'})")
        elif isinstance(weights, str) and weights in shipped:
            self.policy = Policy.load(shipped[weights], np.float32)
        elif isinstance(weights, (str, os.PathLike)):
            self.policy = Policy.load(weights, np.float32)
        else:
            raise ValueError("`branching_weights` must be a path, a shipped "
                             f"model name or a Policy, got {weights!r}")
        self._problem = None
        self._cache = None

    def _default_policy(self, problem):
        from optsolve.milp.learn.infer import Policy
        shipped = shipped_weights()
        name = problem_family(problem)
        if name not in shipped:
            name = "general" if "general" in shipped else next(iter(shipped))
        self.model = name
        return Policy.load(shipped[name], np.float32)

    def select(self, state):
        from optsolve.milp.learn.features import FeatureCache
        if state.problem is not self._problem:    # a new tree
            self._problem = state.problem
            self._cache = FeatureCache(state.problem)
            if self._choose:
                self.policy = self._default_policy(state.problem)
        features = self._cache(state)     # every node: ages and incumbents
        if state.candidates.size == 1:
            return int(state.candidates[0])
        return self.policy.select(features)
