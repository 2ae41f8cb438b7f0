"""NeuroBack: predict backbone phases with a graph neural network, once,
before solving (Wang et al., "NeuroBack: Improving CDCL SAT Solving using
Graph Neural Networks", ICLR 2024).

``graph`` turns a CNF into node and edge arrays, ``infer`` runs the trained
network in numpy, ``data`` labels formulas with their backbones (on Dask),
``model`` and ``train`` (torch and torch-geometric, the ``learn`` extra)
define and fit the network. Nothing outside ``model`` and ``train`` imports
torch.
"""
from optsolve.sat.neuroback.graph import Graph, build_graph

__all__ = ["Graph", "build_graph"]
