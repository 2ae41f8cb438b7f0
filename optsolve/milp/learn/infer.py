"""The forward pass of :class:`optsolve.milp.learn.model.GCNN` in numpy and
scipy.sparse, for the solver (no torch).

The last dense layer of a message is linear, so it is applied after the sum
over the edges (``W_f sum_e relu(.) + deg b``): one ``(n_edges, 64)``
activation per half-convolution instead of two.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from optsolve.milp.learn.features import CONS_FEATURES, VAR_FEATURES

__all__ = ["Policy", "weight_shapes", "agreement", "evaluate_policy", "main"]


def weight_shapes(emb=64):
    """Name -> shape of every array of a weights file (``GCNN.export``)."""
    nc, nv = len(CONS_FEATURES), len(VAR_FEATURES)
    shapes = {}
    for name, n in (("cons_norm", nc), ("edge_norm", 1), ("var_norm", nv)):
        shapes[f"{name}.mean"] = (n,)
        shapes[f"{name}.scale"] = (n,)
    for name, n in (("cons", nc), ("var", nv)):
        shapes[f"{name}_fc1.weight"] = (emb, n)
        shapes[f"{name}_fc1.bias"] = (emb,)
        shapes[f"{name}_fc2.weight"] = (emb, emb)
        shapes[f"{name}_fc2.bias"] = (emb,)
    for conv in ("v2c", "c2v"):
        for k, s in (("left.weight", (emb, emb)), ("left.bias", (emb,)),
                     ("edge.weight", (emb, 1)), ("right.weight", (emb, emb)),
                     ("final_norm.mean", (1,)), ("final_norm.scale", (1,)),
                     ("final.weight", (emb, emb)), ("final.bias", (emb,)),
                     ("post_norm.mean", (1,)), ("post_norm.scale", (1,)),
                     ("out1.weight", (emb, 2 * emb)), ("out1.bias", (emb,)),
                     ("out2.weight", (emb, emb)), ("out2.bias", (emb,))):
            shapes[f"{conv}.{k}"] = s
    shapes["out1.weight"] = (emb, emb)
    shapes["out1.bias"] = (emb,)
    shapes["out2.weight"] = (1, emb)
    return shapes


def _relu(x):
    return np.maximum(x, 0.0, out=x)


class Policy:
    """Scores of the columns of a :class:`~optsolve.milp.learn.BipartiteState`.

    Parameters
    ----------
    weights : dict
        Arrays by the names of :func:`weight_shapes`.
    dtype : {numpy.float64, numpy.float32}
        Precision of the forward pass (float32: about twice as fast).
    """

    def __init__(self, weights, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"`dtype` must be float32 or float64, got {dtype!r}")
        emb = int(np.shape(weights.get("cons_fc1.weight", np.zeros((0, 0))))[0])
        want = weight_shapes(emb)
        missing = sorted(set(want) - set(weights))
        if emb < 1 or missing:
            raise ValueError(f"`weights` lacks {missing[:3] or ['cons_fc1.weight']}")
        w = {}
        for k, shape in want.items():
            a = np.asarray(weights[k], dtype=np.float64)
            if a.shape != shape:
                raise ValueError(f"`weights` {k} has shape {a.shape}, not {shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"`weights` {k} holds non-finite values")
            w[k] = a.astype(self.dtype)
        self.w = w
        self.emb = emb
        self._edges = (None, None)

    @classmethod
    def load(cls, path, dtype=np.float64):
        """A policy from an ``.npz`` written by ``GCNN.export``."""
        path = os.fspath(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                weights = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise ValueError(f"{path}: not a weights file ({e})") from None
        try:
            return cls(weights, dtype)
        except ValueError as e:
            raise ValueError(f"{path}: {e}") from None

    @classmethod
    def random(cls, seed=0, emb=64, dtype=np.float64):
        """Random weights of the paper's shapes (for timing and tests)."""
        rng = np.random.default_rng(seed)
        w = {}
        for k, shape in weight_shapes(emb).items():
            if k.endswith(".mean"):
                w[k] = np.zeros(shape) if k.startswith(("v2c", "c2v")) \
                    else rng.normal(0, 0.5, shape)
            elif k.endswith(".scale"):
                w[k] = rng.uniform(0.5, 2.0, shape)
            else:
                fan_in = shape[-1] if len(shape) == 2 else emb
                w[k] = rng.uniform(-1, 1, shape) / np.sqrt(fan_in)
        return cls(w, dtype)

    def _incidence(self, edge_index, n_cons, n_var):
        """Row-by-edge and column-by-edge sums, cached for one edge set
        (a FeatureCache hands the same array at every node of a tree)."""
        key, mats = self._edges
        if key is edge_index and mats[2] == (n_cons, n_var):
            return mats
        e = edge_index.shape[1]
        ones = np.ones(e, dtype=self.dtype)
        ar = np.arange(e)
        to_cons = sp.csr_matrix((ones, (edge_index[0], ar)), shape=(n_cons, e))
        to_var = sp.csr_matrix((ones, (edge_index[1], ar)), shape=(n_var, e))
        mats = (to_cons, to_var, (n_cons, n_var),
                np.diff(to_cons.indptr).astype(self.dtype),
                np.diff(to_var.indptr).astype(self.dtype))
        self._edges = (edge_index, mats)
        return mats

    def _embed(self, x, name):
        w = self.w
        h = (x - w[f"{name}_norm.mean"]) * w[f"{name}_norm.scale"]
        h = _relu(h @ w[f"{name}_fc1.weight"].T + w[f"{name}_fc1.bias"])
        return _relu(h @ w[f"{name}_fc2.weight"].T + w[f"{name}_fc2.bias"])

    def _conv(self, p, source, src_idx, e, target, tgt_idx, to_target, degree):
        w = self.w
        lft = target @ w[f"{p}.left.weight"].T + w[f"{p}.left.bias"]
        rgt = source @ w[f"{p}.right.weight"].T
        h = lft[tgt_idx] + rgt[src_idx] + e * w[f"{p}.edge.weight"][:, 0]
        h *= w[f"{p}.final_norm.scale"][0]
        agg = to_target @ _relu(h)
        agg = agg @ w[f"{p}.final.weight"].T + degree[:, None] * w[f"{p}.final.bias"]
        agg *= w[f"{p}.post_norm.scale"][0]
        out = _relu(np.concatenate([agg, target], axis=1) @ w[f"{p}.out1.weight"].T
                    + w[f"{p}.out1.bias"])
        return out @ w[f"{p}.out2.weight"].T + w[f"{p}.out2.bias"]

    def scores(self, state, candidates_only=False):
        """Score of every column (higher: branch on it), shape ``(n,)``; with
        ``candidates_only``, of ``state.candidates`` only (the last
        half-convolution then runs on the edges of the candidates alone)."""
        w = self.w
        cons = np.asarray(state.cons, dtype=self.dtype)
        var = np.asarray(state.var, dtype=self.dtype)
        ei = state.edge_index
        to_cons, to_var, _, deg_c, deg_v = self._incidence(ei, cons.shape[0],
                                                           var.shape[0])
        e = (np.asarray(state.edge_attr, dtype=self.dtype)
             - w["edge_norm.mean"]) * w["edge_norm.scale"]
        c = self._embed(cons, "cons")
        v = self._embed(var, "var")
        c = self._conv("v2c", v, ei[1], e, c, ei[0], to_cons, deg_c)
        if candidates_only:
            cand = np.asarray(state.candidates, dtype=np.int64)
            local = np.full(var.shape[0], -1, dtype=np.int64)
            local[cand] = np.arange(cand.size)
            keep = np.flatnonzero(local[ei[1]] >= 0)
            tgt = local[ei[1][keep]]
            to_cand = sp.csr_matrix((np.ones(keep.size, self.dtype),
                                     (tgt, np.arange(keep.size))),
                                    shape=(cand.size, keep.size))
            v = self._conv("c2v", c, ei[0][keep], e[keep], v[cand], tgt, to_cand,
                           deg_v[cand])
        else:
            v = self._conv("c2v", c, ei[0], e, v, ei[1], to_var, deg_v)
        h = _relu(v @ w["out1.weight"].T + w["out1.bias"])
        return h @ w["out2.weight"][0]

    def select(self, state):
        """The candidate of ``state`` with the highest score."""
        s = self.scores(state, candidates_only=True)
        return int(state.candidates[int(np.argmax(s))])


def agreement(logits, expert_scores, ks=(1, 5)):
    """Per k, the number of samples whose k best-scored candidates (by
    ``logits``, one array per sample) include one with the expert's best
    score (ties count as agreement, as in Gasse et al.)."""
    hits = {k: 0 for k in ks}
    for lg, sc in zip(logits, expert_scores):
        best = np.max(sc)
        order = np.argsort(-np.asarray(lg), kind="stable")
        for k in ks:
            if np.any(sc[order[:k]] >= best):
                hits[k] += 1
    return hits


def evaluate_policy(policy, samples):
    """Top-1 and top-5 agreement of ``policy`` with the expert on
    ``samples`` (``(state, scores, choice)`` as ``collect.load_shard``
    gives)."""
    logits = [policy.scores(s, candidates_only=True) for s, _, _ in samples]
    hits = agreement(logits, [sc for _, sc, _ in samples])
    n = max(len(samples), 1)
    return dict(samples=len(samples), top1=hits[1] / n, top5=hits[5] / n)


def main(argv=None):
    """``python -m optsolve.milp.learn.infer --weights W --data DIR``: top-1
    and top-5 agreement of the weights ``W`` with the expert on the shards of
    ``DIR`` (no torch)."""
    from optsolve.milp.learn.collect import load_shard
    ap = argparse.ArgumentParser(prog="python -m optsolve.milp.learn.infer",
                                 description="agreement with the expert")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", required=True)
    args = ap.parse_args(argv)
    try:
        policy = Policy.load(args.weights)
    except ValueError as e:
        ap.error(f"--weights: {e}")
    shards = sorted(p for p in Path(args.data).glob("*.npz")
                    if not p.name.endswith(".part.npz"))
    if not shards:
        ap.error(f"--data: no shards in {args.data}")
    samples = [smp for p in shards for smp in load_shard(p)]
    print(json.dumps(dict(evaluate_policy(policy, samples), instances=len(shards))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
