"""The backbone-phase GNN in torch-geometric (training only: solving uses
the numpy forward pass of :mod:`optsolve.sat.neuroback.infer`).

In the spirit of NeuroBack's network (Wang et al., ICLR 2024): relational
message passing over the variable-clause-meta graph with one weight matrix
per edge type (positive and negative occurrences in each direction, clause
to meta, meta to clause), residual connections and layer normalisation, and
an MLP head giving each variable the probability that it is true in the
backbone. Unlike NeuroBack's 111k parameters of GIN, GATv2 and patch
attention layers, each layer here is one relational graph convolution with
mean aggregation (Schlichtkrull et al., ESWC 2018), so that the numpy
forward pass is a few sparse products and one dense product per node type.

Layer ``l``: ``h <- LayerNorm(h + relu(h W_root + b + sum_r mean_{u in
N_r(v)} h_u W_r))``.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import RGCNConv

from optsolve.sat.neuroback.graph import NUM_FEATURES, NUM_RELATIONS
from optsolve.sat.neuroback.infer import WEIGHTS_FORMAT

__all__ = ["BackboneGNN", "export_weights", "graph_tensors"]

class BackboneGNN(nn.Module):
    """Relational GNN: node features -> logit of "variable true in the
    backbone" for every node (only variable nodes' outputs are used).

    Parameters
    ----------
    hidden : int
        Width of the node states.
    layers : int
        Message-passing layers (hops).
    """

    def __init__(self, hidden=32, layers=4):
        super().__init__()
        self.hidden, self.layers = int(hidden), int(layers)
        self.embed = nn.Linear(NUM_FEATURES, hidden)
        self.convs = nn.ModuleList(
            RGCNConv(hidden, hidden, NUM_RELATIONS, aggr="mean") for _ in range(layers))
        self.norms = nn.ModuleList(nn.LayerNorm(hidden) for _ in range(layers))
        self.head1 = nn.Linear(hidden, hidden)
        self.head2 = nn.Linear(hidden, 1)

    def forward(self, x, edge_index, edge_type):
        h = torch.relu(self.embed(x))
        for conv, norm in zip(self.convs, self.norms):
            h = norm(h + torch.relu(conv(h, edge_index, edge_type)))
        return self.head2(torch.relu(self.head1(h))).squeeze(-1)


def graph_tensors(graph, dtype=torch.float32):
    """``(x, edge_index, edge_type)`` tensors of a :class:`Graph`."""
    src, dst, rel = graph.edge_index()
    x = torch.from_numpy(graph.features(np.float64)).to(dtype)
    edge_index = torch.from_numpy(np.stack([src, dst]))
    return x, edge_index, torch.from_numpy(rel)


def export_weights(model, path=None):
    """The model's weights as the arrays :mod:`~optsolve.sat.neuroback.infer`
    reads (float32), saved to ``path`` (``.npz``) if given; returns the dict.

    Names: ``embed_w`` (features x hidden), ``embed_b``; per layer ``l``:
    ``root_l`` (hidden x hidden), ``rel_l`` (relations x hidden x hidden),
    ``bias_l``, ``ln_w_l``, ``ln_b_l``; ``head1_w``, ``head1_b``,
    ``head2_w`` (hidden x 1), ``head2_b``; ``meta`` = [format, hidden,
    layers, features, relations].
    """
    def a(t):
        return t.detach().cpu().numpy().astype(np.float32)

    out = {"meta": np.array([WEIGHTS_FORMAT, model.hidden, model.layers,
                             NUM_FEATURES, NUM_RELATIONS], dtype=np.int64),
           "embed_w": a(model.embed.weight.T), "embed_b": a(model.embed.bias),
           "head1_w": a(model.head1.weight.T), "head1_b": a(model.head1.bias),
           "head2_w": a(model.head2.weight.T), "head2_b": a(model.head2.bias)}
    for i, (conv, norm) in enumerate(zip(model.convs, model.norms)):
        out[f"root_{i}"] = a(conv.root)
        out[f"rel_{i}"] = a(conv.weight)
        out[f"bias_{i}"] = a(conv.bias)
        out[f"ln_w_{i}"] = a(norm.weight)
        out[f"ln_b_{i}"] = a(norm.bias)
    if path is not None:
        np.savez(path, **out)
    return out
