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
from numba import njit
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


def _shapes(hidden, layers):
    """Name -> shape of every exported array (model.export_weights)."""
    shapes = {"embed_w": (NUM_FEATURES, hidden), "embed_b": (hidden,),
              "head1_w": (hidden, hidden), "head1_b": (hidden,),
              "head2_w": (hidden, 1), "head2_b": (1,)}
    for i in range(layers):
        shapes.update({f"root_{i}": (hidden, hidden),
                       f"rel_{i}": (NUM_RELATIONS, hidden, hidden),
                       f"bias_{i}": (hidden,), f"ln_w_{i}": (hidden,), f"ln_b_{i}": (hidden,)})
    return shapes


def check_weights(w, name="weights"):
    meta = w.get("meta")
    if meta is None or len(meta) != 5 or int(meta[0]) != WEIGHTS_FORMAT:
        raise ValueError(f"{name}: not a NeuroBack weights file of format "
                         f"{WEIGHTS_FORMAT}")
    _, hidden, layers, nfeat, nrel = (int(v) for v in meta)
    if nfeat != NUM_FEATURES or nrel != NUM_RELATIONS:
        raise ValueError(f"{name}: made for {nfeat} features and {nrel} "
                         f"relations, this graph has {NUM_FEATURES} and {NUM_RELATIONS}")
    if not (1 <= hidden <= 4096 and 0 <= layers <= 64):
        raise ValueError(f"{name}: hidden size {hidden} or layer count {layers} "
                         f"out of range")
    for k, shape in _shapes(hidden, layers).items():
        if k in w and w[k].dtype.kind != "f":
            raise ValueError(f"{name}: array {k!r} is not floating-point")
    shapes = _shapes(hidden, layers)
    for k, shape in shapes.items():
        if k not in w or tuple(w[k].shape) != shape:
            raise ValueError(f"{name}: array {k!r} missing or not of shape {shape}")
    return w


@njit(cache=True)
def _csr(rows, cols, vals, nrows):
    """CSR arrays of (rows, cols, vals) by a counting sort (linear time);
    entries keep their input order within a row."""
    indptr = np.zeros(nrows + 1, dtype=np.int64)
    for r in rows:
        indptr[r + 1] += 1
    for i in range(nrows):
        indptr[i + 1] += indptr[i]
    fill = indptr[:-1].copy()
    indices = np.empty(len(rows), dtype=np.int64)
    data = np.empty(len(rows), dtype=vals.dtype)
    for p in range(len(rows)):
        q = fill[rows[p]]
        indices[q] = cols[p]
        data[q] = vals[p]
        fill[rows[p]] = q + 1
    return indptr, indices, data


def random_weights(hidden, layers, seed=0):
    """Weights of the exported layout with random values, for measuring the
    cost of a network size without training one."""
    rng = np.random.default_rng(seed)
    shapes = _shapes(hidden, layers)
    w = {k: (rng.standard_normal(s) / np.sqrt(s[-1])).astype(np.float32)
         for k, s in shapes.items()}
    w["meta"] = np.array([WEIGHTS_FORMAT, hidden, layers, NUM_FEATURES, NUM_RELATIONS])
    return check_weights(w)


def _inverse_counts(keys, n, dtype):
    """1 / (number of occurrences of each key), per occurrence."""
    counts = np.bincount(keys, minlength=n)
    return (1.0 / counts[keys]).astype(dtype)


@njit(cache=True)
def _aggregate(indptr, indices, data, x, out):
    # out[i] += sum over row i of data[p] * x[indices[p]]; the inner loop
    # over the hidden width vectorises
    d = x.shape[1]
    for i in range(len(indptr) - 1):
        for p in range(indptr[i], indptr[i + 1]):
            j = indices[p]
            a = data[p]
            for k in range(d):
                out[i, k] += a * x[j, k]


@njit(cache=True, inline="always")
def _residual_norm_row(h, i, o, w, b, eps):
    # h[i] <- LayerNorm(h[i] + relu(o)); statistics in float64
    d = h.shape[1]
    s = 0.0
    for k in range(d):
        t = o[k]
        h[i, k] += t if t > 0 else 0
        s += h[i, k]
    mu = s / d
    v = 0.0
    for k in range(d):
        v += (h[i, k] - mu) ** 2
    inv = 1.0 / np.sqrt(v / d + eps)
    for k in range(d):
        h[i, k] = (h[i, k] - mu) * inv * w[k] + b[k]


@njit(cache=True)
def _residual_norm(h, o, bias, w, b, eps):
    # h <- LayerNorm(h + relu(o + bias)), row by row, in place
    t = np.empty(h.shape[1], dtype=h.dtype)
    for i in range(h.shape[0]):
        for k in range(h.shape[1]):
            t[k] = o[i, k] + bias[k]
        _residual_norm_row(h, i, t, w, b, eps)


@njit(cache=True)
def _variable_layer(indptr, indices, data, hc, hv, root, wpos, wneg, bias, w, b, eps):
    # one layer for every variable node, in place: the mean of its clauses'
    # states per sign (CSR rows i and nv + i), the three products, the
    # residual and the norm, without a pass over memory per step
    nv, d = hv.shape
    apos = np.empty(d, dtype=hv.dtype)
    aneg = np.empty(d, dtype=hv.dtype)
    o = np.empty(d, dtype=hv.dtype)
    for i in range(nv):
        apos[:] = 0
        aneg[:] = 0
        for p in range(indptr[i], indptr[i + 1]):
            j, a = indices[p], data[p]
            for k in range(d):
                apos[k] += a * hc[j, k]
        for p in range(indptr[nv + i], indptr[nv + i + 1]):
            j, a = indices[p], data[p]
            for k in range(d):
                aneg[k] += a * hc[j, k]
        o[:] = bias
        for j in range(d):
            x, y, z = hv[i, j], apos[j], aneg[j]
            for k in range(d):
                o[k] += x * root[j, k] + y * wpos[j, k] + z * wneg[j, k]
        _residual_norm_row(hv, i, o, w, b, eps)


@njit(cache=True)
def _clause_layer(indptr, indices, data, src, hc, root, bias, w, b, eps):
    # one layer for every clause node, in place: its own state times the
    # root weight plus the weighted rows of src (variables' states already
    # transformed per sign, and its meta node's), the residual and the norm
    nc, d = hc.shape
    o = np.empty(d, dtype=hc.dtype)
    for i in range(nc):
        o[:] = bias
        for p in range(indptr[i], indptr[i + 1]):
            j, a = indices[p], data[p]
            for k in range(d):
                o[k] += a * src[j, k]
        for j in range(d):
            x = hc[i, j]
            for k in range(d):
                o[k] += x * root[j, k]
        _residual_norm_row(hc, i, o, w, b, eps)


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

    Notes
    -----
    The Numba kernels are compiled on the first call (cached on disk
    afterwards).
    """
    w = weights
    layers = int(w["meta"][2])
    nv, nc, nm = len(graph.var), len(graph.clause), graph.nmeta
    if nv == 0:
        return np.zeros(0, dtype=dtype)
    x = graph.features(dtype)
    ev = graph.edge_var.astype(np.int64)
    ec = graph.edge_clause.astype(np.int64)
    neg = (graph.edge_sign < 0).astype(np.int64)
    cm = graph.clause_meta.astype(np.int64)
    sv = ev + neg * nv  # variable-sign slot: rows 0..nv-1 positive, nv.. negative
    sc = ec + neg * nc  # clause-sign slot
    # clause <- [hv W_pos; hv W_neg; hm W_meta]: each sign averaged on its
    # own (mean per relation), the meta node with weight 1
    clause_in = _csr(np.concatenate([ec, np.arange(nc)]),
                     np.concatenate([sv, 2 * nv + cm]),
                     np.concatenate([_inverse_counts(sc, 2 * nc, dtype), np.ones(nc, dtype)]),
                     nc)
    # variable <- clauses, positive occurrences in rows 0..nv-1, negative nv..
    var_in = _csr(sv, ec, _inverse_counts(sv, 2 * nv, dtype), 2 * nv)
    meta_in = _csr(cm, np.arange(nc), _inverse_counts(cm, nm, dtype), nm)
    del ev, ec, neg, sv, sc

    def c(k):
        return np.ascontiguousarray(w[k], dtype=dtype)

    h = np.maximum(x @ c("embed_w") + c("embed_b"), 0)
    hv, hc, hm = h[:nv].copy(), h[nv:nv + nc].copy(), h[nv + nc:].copy()
    del h, x
    width = hv.shape[1]
    eps = 1e-5
    for i in range(layers):
        root, rel, bias = c(f"root_{i}"), c(f"rel_{i}"), c(f"bias_{i}")
        lw, lb = c(f"ln_w_{i}"), c(f"ln_b_{i}")
        # what reads the old states runs before what overwrites them: the
        # clauses' sources (old hv, hm), the meta and variable aggregates (old hc)
        src = np.concatenate([hv @ rel[POS_VC], hv @ rel[NEG_VC], hm @ rel[META_CLAUSE]])
        agg_m = np.zeros((nm, width), dtype=dtype)
        _aggregate(*meta_in, hc, agg_m)
        om = hm @ root + agg_m @ rel[CLAUSE_META]
        _residual_norm(hm, om, bias, lw, lb, eps)
        _variable_layer(*var_in, hc, hv, root, rel[POS_CV], rel[NEG_CV], bias, lw, lb, eps)
        _clause_layer(*clause_in, src, hc, root, bias, lw, lb, eps)
    z = np.maximum(hv @ c("head1_w") + c("head1_b"), 0) @ c("head2_w") + c("head2_b")
    return expit(z[:, 0]).astype(dtype, copy=False)


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

    Examples
    --------
    >>> from optsolve.sat.neuroback.infer import predict
    >>> p = predict([[1, 2], [1, -2], [1, 3, -4], [-3, 4]])
    >>> p.shape, bool(p[0] > 0.5)
    ((4,), True)
    """
    if weights is None or isinstance(weights, (str, os.PathLike)):
        weights = load_weights(weights)
    g = build_graph(cnf)
    out = np.full(g.nvars, np.nan, dtype=dtype)
    out[g.var - 1] = predict_graph(g, weights, dtype)
    return out
