"""Learned branching (Gasse et al. 2019): a graph convolutional network,
trained to imitate strong branching, scores the candidates on the bipartite
state of the node; its forward pass runs in numpy
(:mod:`optsolve.milp.learn`), without torch."""
from __future__ import annotations

from pathlib import Path

from optsolve.milp.branching.base import BranchingRule

__all__ = ["Learned", "shipped_weights"]

_WEIGHTS = Path(__file__).resolve().parent.parent / "learn" / "weights"


def shipped_weights():
    """Name -> path of the weights shipped with the package."""
    return {p.stem: p for p in sorted(_WEIGHTS.glob("*.npz"))}


class Learned(BranchingRule):
    """Branch on the candidate the network scores highest.

    Parameters
    ----------
    weights : str, path or optsolve.milp.learn.infer.Policy, optional
        A weights file written by ``GCNN.export`` (``python -m
        optsolve.milp.learn.train`` writes ``best.npz``), the name of a
        shipped model (:func:`shipped_weights`), or a policy. Default: the
        shipped ``general`` model, else the only one shipped.

    Examples
    --------
    >>> from optsolve.milp import milp
    >>> from optsolve.milp.branching.learned import Learned
    >>> from optsolve.milp.learn.infer import Policy
    >>> rule = Learned(Policy.random(seed=0))   # untrained: still exact
    >>> milp([-5, -4, -3], integrality=1, bounds=(0, 1),
    ...      constraints=([[2, 3, 1]], -1, 4), options={"branching": rule}).fun
    -8.0
    """

    name = "learned"

    def __init__(self, weights=None):
        from optsolve.milp.learn.infer import Policy
        if isinstance(weights, Policy):
            self.policy = weights
        else:
            shipped = shipped_weights()
            if weights is None:
                if "general" in shipped:
                    weights = "general"
                elif len(shipped) == 1:
                    weights = next(iter(shipped))
                else:
                    raise ValueError("`branching_weights` is needed: no default "
                                     "learned model is shipped "
                                     f"(shipped: {sorted(shipped) or 'none'})")
            if isinstance(weights, str) and weights in shipped:
                weights = shipped[weights]
            self.policy = Policy.load(weights)
        self._problem = None
        self._cache = None

    def select(self, state):
        from optsolve.milp.learn.features import FeatureCache
        if state.problem is not self._problem:    # a new tree
            self._problem = state.problem
            self._cache = FeatureCache(state.problem)
        features = self._cache(state)     # every node: ages and incumbents
        if state.candidates.size == 1:
            return int(state.candidates[0])
        return self.policy.select(features)
