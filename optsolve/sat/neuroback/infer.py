"""The backbone-phase GNN's forward pass in numpy and scipy.sparse (no torch).

It computes what :class:`~optsolve.sat.neuroback.model.BackboneGNN` computes,
from the weights :func:`~optsolve.sat.neuroback.model.export_weights` wrote.
Each relation's mean aggregation is one sparse product; each node type's
update (root weight plus the relations that reach that type) is one dense
product of the concatenated states.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from optsolve.sat.neuroback.graph import (CLAUSE_META, META_CLAUSE, NEG_CV,
                                          NEG_VC, NUM_FEATURES, NUM_RELATIONS,
                                          POS_CV, POS_VC, build_graph)

__all__ = ["load_weights", "predict_graph", "predict", "DEFAULT_WEIGHTS"]

WEIGHTS_FORMAT = 1
DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "neuroback.npz"


def load_weights(path=None):
    """Read exported weights (default: the ones shipped with the package).

    Raises ValueError naming the file if it is not a weights file of this
    version.
    """
    path = DEFAULT_WEIGHTS if path is None else Path(os.fspath(path))
    try:
        with np.load(path) as z:
            w = {k: z[k] for k in z.files}
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such weights file") from None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a weights file ({exc})") from None
    return check_weights(w, path)


def check_weights(w, name="weights"):
    meta = w.get("meta")
    if meta is None or len(meta) != 5 or int(meta[0]) != WEIGHTS_FORMAT:
        raise ValueError(f"{name}: not a NeuroBack weights file of format "
                         f"{WEIGHTS_FORMAT}")
    _, hidden, layers, nfeat, nrel = (int(v) for v in meta)
    if nfeat != NUM_FEATURES or nrel != NUM_RELATIONS:
        raise ValueError(f"{name}: made for {nfeat} features and {nrel} "
                         f"relations, this graph has {NUM_FEATURES} and {NUM_RELATIONS}")
    shapes = {"embed_w": (nfeat, hidden), "embed_b": (hidden,),
              "head1_w": (hidden, hidden), "head1_b": (hidden,),
              "head2_w": (hidden, 1), "head2_b": (1,)}
    for i in range(layers):
        shapes.update({f"root_{i}": (hidden, hidden), f"rel_{i}": (nrel, hidden, hidden),
                       f"bias_{i}": (hidden,), f"ln_w_{i}": (hidden,), f"ln_b_{i}": (hidden,)})
    for k, shape in shapes.items():
        if k not in w or tuple(w[k].shape) != shape:
            raise ValueError(f"{name}: array {k!r} missing or not of shape {shape}")
    return w


def _mean_matrix(rows, cols, nrows, ncols, dtype):
    """Row-normalised incidence (duplicates counted): mean aggregation."""
    a = sp.csr_matrix((np.ones(len(rows), dtype=dtype), (rows, cols)),
                      shape=(nrows, ncols))
    deg = np.asarray(a.sum(axis=1)).ravel()
    inv = np.divide(1, deg, out=np.zeros_like(deg), where=deg > 0)
    return sp.diags(inv.astype(dtype)) @ a


def _layer_norm(h, w, b, eps=1e-5):
    mu = h.mean(axis=1, keepdims=True)
    d = h - mu
    var = (d * d).mean(axis=1, keepdims=True)
    return d / np.sqrt(var + eps) * w + b


def predict_graph(graph, weights, dtype=np.float32):
    """Probability that each variable node's variable is true in the
    backbone (array aligned with ``graph.var``).

    Parameters
    ----------
    graph : Graph
        From :func:`~optsolve.sat.neuroback.build_graph`.
    weights : dict
        From :func:`load_weights`.
    dtype : numpy dtype
        float32 (fast) or float64.
    """
    w = weights
    hidden, layers = int(w["meta"][1]), int(w["meta"][2])
    nv, nc, nm = len(graph.var), len(graph.clause), graph.nmeta
    if nv == 0:
        return np.zeros(0, dtype=dtype)
    x = graph.features(dtype)
    pos = graph.edge_sign > 0
    ev, ec = graph.edge_var, graph.edge_clause
    a_pos = _mean_matrix(ec[pos], ev[pos], nc, nv, dtype)      # clause <- var (+)
    a_neg = _mean_matrix(ec[~pos], ev[~pos], nc, nv, dtype)    # clause <- var (-)
    t_pos = _mean_matrix(ev[pos], ec[pos], nv, nc, dtype)      # var <- clause (+)
    t_neg = _mean_matrix(ev[~pos], ec[~pos], nv, nc, dtype)    # var <- clause (-)
    cm = graph.clause_meta
    m_of = _mean_matrix(cm, np.arange(nc), nm, nc, dtype)      # meta <- clauses
    c = lambda k: w[k].astype(dtype, copy=False)  # noqa: E731
    h = np.maximum(x @ c("embed_w") + c("embed_b"), 0)
    hv, hc, hm = h[:nv], h[nv:nv + nc], h[nv + nc:]
    for i in range(layers):
        root, rel, bias = c(f"root_{i}"), c(f"rel_{i}"), c(f"bias_{i}")
        # one dense product per node type over [own state | aggregates]
        wv = np.concatenate([root, rel[POS_CV], rel[NEG_CV]])
        wc = np.concatenate([root, rel[POS_VC], rel[NEG_VC], rel[META_CLAUSE]])
        wm = np.concatenate([root, rel[CLAUSE_META]])
        ov = np.hstack([hv, t_pos @ hc, t_neg @ hc]) @ wv
        oc = np.hstack([hc, a_pos @ hv, a_neg @ hv, hm[cm]]) @ wc
        om = np.hstack([hm, m_of @ hc]) @ wm
        lw, lb = c(f"ln_w_{i}"), c(f"ln_b_{i}")
        hv = _layer_norm(hv + np.maximum(ov + bias, 0), lw, lb)
        hc = _layer_norm(hc + np.maximum(oc + bias, 0), lw, lb)
        hm = _layer_norm(hm + np.maximum(om + bias, 0), lw, lb)
    z = np.maximum(hv @ c("head1_w") + c("head1_b"), 0) @ c("head2_w") + c("head2_b")
    z = z[:, 0]
    return expit(z).astype(dtype, copy=False)


def predict(cnf, weights=None, dtype=np.float32):
    """Predicted backbone phase of every variable of a formula.

    Parameters
    ----------
    cnf : optsolve.sat.CNF or iterable of clauses
        The formula.
    weights : dict or path, optional
        Weights from :func:`load_weights`, a path to a weights file, or None
        for the shipped ones.

    Returns
    -------
    numpy.ndarray of float
        Length ``nvars``: the probability that variable ``v`` (at index
        ``v - 1``) is true in the backbone; NaN for variables without a node
        (in components of two nodes or fewer, or in no clause).
    """
    if weights is None or isinstance(weights, (str, os.PathLike)):
        weights = load_weights(weights)
    g = build_graph(cnf)
    out = np.full(g.nvars, np.nan, dtype=dtype)
    out[g.var - 1] = predict_graph(g, weights, dtype)
    return out
