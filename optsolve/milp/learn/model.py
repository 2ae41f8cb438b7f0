"""The graph convolutional network of Gasse et al. (NeurIPS 2019, section 4)
in torch and torch_geometric (training only; the solver runs
:mod:`optsolve.milp.learn.infer`).

Rows and columns are embedded by two dense layers each (after a fixed
affine *prenorm* whose shift and scale are set from data before training,
:func:`pretrain`); one half-convolution updates the rows from the columns,
a second the columns from the rows; a two-layer head scores each column.
A half-convolution sends along each edge ``i <- j``
``W_f relu(s (W_l h_i + w_e e_ij + W_r h_j) + b)``, sums the messages at
``i``, scales the sum by a prenorm and passes ``[sum, h_i]`` through two
dense layers. With embeddings of 64 the network has 64,000 parameters.

:meth:`GCNN.export` writes the weights under the names
:class:`optsolve.milp.learn.infer.Policy` reads.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch_geometric.nn import MessagePassing

from optsolve.milp.learn.features import CONS_FEATURES, VAR_FEATURES

__all__ = ["PreNorm", "HalfConvolution", "GCNN", "pretrain"]


class PreNorm(nn.Module):
    """``(x - mean) * scale`` with fixed ``mean`` and ``scale`` (buffers):
    set by :meth:`start_stats` / :meth:`stop_stats` from the data seen in
    between; ``shift=False`` keeps the mean at 0."""

    def __init__(self, n, shift=True):
        super().__init__()
        self.shift = shift
        self.register_buffer("mean", torch.zeros(n))
        self.register_buffer("scale", torch.ones(n))
        self._stats = None

    def start_stats(self):
        self._stats = [0.0, 0.0, 0]

    def stop_stats(self):
        s, sq, cnt = self._stats
        self._stats = None
        if cnt == 0:
            return
        mean = s / cnt
        var = sq / cnt - mean * mean
        if not self.shift:
            mean = torch.zeros_like(mean)
        var = torch.clamp(var, min=0.0)
        std = torch.sqrt(var)
        self.mean.copy_(mean.to(self.mean.dtype))
        self.scale.copy_(torch.where(std > 1e-8, 1.0 / std,
                                     torch.ones_like(std)).to(self.scale.dtype))

    def forward(self, x):
        if self._stats is not None:
            flat = x.detach().double().reshape(-1, self.mean.numel())
            self._stats[0] = self._stats[0] + flat.sum(0)
            self._stats[1] = self._stats[1] + (flat * flat).sum(0)
            self._stats[2] += flat.shape[0]
        return (x - self.mean) * self.scale


class HalfConvolution(MessagePassing):
    """Update the targets of a bipartite graph from its sources."""

    def __init__(self, emb=64):
        super().__init__(aggr="add")
        self.left = nn.Linear(emb, emb)                 # target side
        self.edge = nn.Linear(1, emb, bias=False)
        self.right = nn.Linear(emb, emb, bias=False)    # source side
        self.final_norm = PreNorm(1, shift=False)
        self.final = nn.Linear(emb, emb)
        self.post_norm = PreNorm(1, shift=False)
        self.out1 = nn.Linear(2 * emb, emb)
        self.out2 = nn.Linear(emb, emb)

    def forward(self, source, edge_index, edge_attr, target):
        """``edge_index[0]``: source index, ``edge_index[1]``: target."""
        agg = self.propagate(edge_index, x=(source, target), edge_attr=edge_attr,
                             size=(source.shape[0], target.shape[0]))
        agg = self.post_norm(agg)
        return self.out2(torch.relu(self.out1(torch.cat([agg, target], dim=-1))))

    def message(self, x_i, x_j, edge_attr):
        h = self.left(x_i) + self.edge(edge_attr) + self.right(x_j)
        return self.final(torch.relu(self.final_norm(h)))


class GCNN(nn.Module):
    """Scores of the columns of a bipartite state (see the module text)."""

    def __init__(self, emb=64):
        super().__init__()
        nc, nv = len(CONS_FEATURES), len(VAR_FEATURES)
        self.emb = emb
        self.cons_norm = PreNorm(nc)
        self.cons_fc1 = nn.Linear(nc, emb)
        self.cons_fc2 = nn.Linear(emb, emb)
        self.edge_norm = PreNorm(1)
        self.var_norm = PreNorm(nv)
        self.var_fc1 = nn.Linear(nv, emb)
        self.var_fc2 = nn.Linear(emb, emb)
        self.v2c = HalfConvolution(emb)
        self.c2v = HalfConvolution(emb)
        self.out1 = nn.Linear(emb, emb)
        self.out2 = nn.Linear(emb, 1, bias=False)

    def prenorms(self):
        """The prenorm layers in the order data reaches them."""
        return [self.cons_norm, self.edge_norm, self.var_norm,
                self.v2c.final_norm, self.v2c.post_norm,
                self.c2v.final_norm, self.c2v.post_norm]

    def forward(self, cons, edge_index, edge_attr, var):
        """Scores, shape ``(n_var,)``; ``edge_index = (row, column)``."""
        c = torch.relu(self.cons_fc2(torch.relu(self.cons_fc1(self.cons_norm(cons)))))
        v = torch.relu(self.var_fc2(torch.relu(self.var_fc1(self.var_norm(var)))))
        e = self.edge_norm(edge_attr)
        c = self.v2c(v, edge_index.flip(0), e, c)
        v = self.c2v(c, edge_index, e, v)
        return self.out2(torch.relu(self.out1(v))).squeeze(-1)

    def export(self, path=None):
        """The weights as a dict of float64 arrays (written to ``path``
        with :func:`numpy.savez` when given)."""
        out = {k: v.detach().cpu().double().numpy()
               for k, v in self.state_dict().items()}
        if path is not None:
            np.savez(path, **out)
        return out


@torch.no_grad()
def pretrain(model, batches):
    """Set the prenorms one at a time, in data order, from ``batches``
    (an iterable, read once per prenorm, of argument tuples of
    ``model.forward``)."""
    batches = list(batches)
    for norm in model.prenorms():
        norm.start_stats()
        for b in batches:
            model(*b)
        norm.stop_stats()
