"""Learned branching (Gasse et al., NeurIPS 2019): the bipartite state of a
node (:mod:`~optsolve.milp.learn.features`), a graph convolutional network
scoring the candidates, trained in torch (:mod:`~optsolve.milp.learn.model`,
:mod:`~optsolve.milp.learn.train`) on strong-branching decisions collected
with our own search (:mod:`~optsolve.milp.learn.collect`), and its forward
pass in numpy for the solver (:mod:`~optsolve.milp.learn.infer`).

Only ``model`` and ``train`` import torch.
"""
from optsolve.milp.learn.features import (CONS_FEATURES, VAR_FEATURES,
                                          BipartiteState, FeatureCache)

__all__ = ["CONS_FEATURES", "VAR_FEATURES", "BipartiteState", "FeatureCache"]
