"""The forward pass of :class:`optsolve.milp.learn.model.GCNN` for the
solver: one Numba kernel, no torch.

Linear maps that follow each other without a nonlinearity between them are
multiplied together when the weights are loaded (:func:`fold_weights`): the
prenorms into the next dense layer, a message's last dense layer (applied
after the sum over the edges, ``W_f sum_e relu(.) + deg b``) into the first
output layer, the rows' output layer into the next half-convolution's
source map and the columns' into the head. The kernel then computes only
what the candidates' scores depend on: the rows adjacent to a candidate and
the columns adjacent to those rows, one row of activations at a time in
buffers kept between calls. Dense layers are loops in the kernel rather
than BLAS: the matrices are 64 wide, and a threaded BLAS on a busy machine
was 20 times slower than one thread (docs/benchmarks.rst).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from numba import njit

from optsolve.milp.learn.features import CONS_FEATURES, VAR_FEATURES

__all__ = ["Policy", "weight_shapes", "fold_weights", "agreement",
           "random_agreement", "evaluate_policy", "main"]


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


def fold_weights(w):
    """The weights of :func:`weight_shapes` (float64) as the kernel's tuple:
    matrices transposed to ``(in, out)``, successive linear maps multiplied
    together (see the module text)."""
    def lin(name):
        return w[f"{name}.weight"], w.get(f"{name}.bias", 0.0)

    out = []
    for name in ("cons", "var"):             # prenorm folded into fc1
        W1, b1 = lin(f"{name}_fc1")
        mean, scale = w[f"{name}_norm.mean"], w[f"{name}_norm.scale"]
        W1s = W1 * scale
        W2, b2 = lin(f"{name}_fc2")
        out += [W1s.T, b1 - W1s @ mean, W2.T, b2]
    e_mean, e_scale = w["edge_norm.mean"][0], w["edge_norm.scale"][0]
    Wh1, bh1 = lin("out1")
    head = None
    for conv in ("v2c", "c2v"):
        s = w[f"{conv}.final_norm.scale"][0]
        Wl, bl = lin(f"{conv}.left")
        we = w[f"{conv}.edge.weight"][:, 0]
        Wr = w[f"{conv}.right.weight"]
        Wf, bf = lin(f"{conv}.final")
        post = w[f"{conv}.post_norm.scale"][0]
        W1, b1 = lin(f"{conv}.out1")
        emb = Wf.shape[0]
        W1a, W1b = W1[:, :emb], W1[:, emb:]
        W2, b2 = lin(f"{conv}.out2")
        # message: relu(s (Wl t + bl + we (e - mean) scale + Wr x)); output:
        # relu(post W1a (Wf sum + deg bf) + W1b t + b1); the two maps of the
        # target t side by side
        lt = np.hstack([(s * Wl).T, W1b.T])
        ltb = np.concatenate([s * (bl - we * e_scale * e_mean), b1])
        conv_w = [lt, ltb, s * e_scale * we, (post * W1a @ Wf).T, post * W1a @ bf]
        if conv == "v2c":
            v2c_right = (s * Wr).T
            v2c = conv_w
        else:
            c2v_right = s * Wr
            c2v = conv_w
            head = [(Wh1 @ W2).T, Wh1 @ b2 + bh1, w["out2.weight"][0]]
            # the rows' output W2 b2 of v2c meets the c2v source map
            W2v, b2v = lin("v2c.out2")
            v2c += [(c2v_right @ W2v).T, c2v_right @ b2v]
    return tuple(out + [v2c_right] + v2c + c2v + head)


@njit(cache=True, fastmath=True, inline="always")
def _accumulate(x, wt, out):
    """``out += x @ wt``, skipping the zeros of ``x`` (half the entries
    after a ReLU)."""
    for j in range(x.size):
        xj = x[j]
        if xj != 0.0:
            for k in range(out.size):
                out[k] += xj * wt[j, k]


@njit(cache=True, fastmath=True, inline="always")
def _relu(out):
    for k in range(out.size):
        if out[k] < 0.0:
            out[k] = 0.0


@njit(cache=True, fastmath=True, inline="always")
def _affine(x, wt, b, out):
    """``out = x @ wt + b``."""
    out[:] = b
    _accumulate(x, wt, out)


@njit(cache=True, fastmath=True, inline="always")
def _message_sum(left, e_w, ptr, idx, val, source, acc, t):
    """``acc = sum_e relu(left + e_w val_e + source[idx_e])`` over the
    edges ``ptr[t]:ptr[t+1]``."""
    acc[:] = 0.0
    for p in range(ptr[t], ptr[t + 1]):
        src = source[idx[p]]
        v = val[p]
        for k in range(acc.size):
            h = left[k] + e_w[k] * v + src[k]
            if h > 0.0:
                acc[k] += h


@njit(cache=True)
def _representatives(x, idx, group, proj, rep):
    """``rep[i]``: one row among the rows ``idx`` of ``x`` that equals row
    ``i`` and has the same ``group`` (rows ordered by a random projection,
    then compared whole: equal rows are found, never unequal ones merged)."""
    key = np.empty(idx.size)
    for t in range(idx.size):
        s = 0.0
        for k in range(x.shape[1]):
            s += x[idx[t], k] * proj[k]
        key[t] = s + group[idx[t]]
    order = np.argsort(key, kind="mergesort")
    head = -1
    for t in range(order.size):
        i = idx[order[t]]
        rep[i] = i
        if head >= 0 and key[order[t]] == key[order[t - 1]] \
                and group[i] == group[head]:
            same = True
            for k in range(x.shape[1]):
                if x[i, k] != x[head, k]:
                    same = False
                    break
            if same:
                rep[i] = head
                continue
        head = i


@njit(cache=True, fastmath=True)
def _forward(cons, var, r_ptr, r_col, r_val, c_ptr, c_row, c_val, cand, W,
             proj, hv, rv, lt, acc, rc, rep, grp, row_mark, col_mark, scores):
    """Scores of the columns ``cand`` (see the module text). Work buffers,
    columns first, then rows: ``hv`` (column embeddings), ``rv`` (v2c
    sources), ``lt`` (target-side maps, width 128), ``acc`` (message sums),
    ``rc`` (c2v sources), ``rep`` and ``grp``. Rows with equal inputs
    share their outputs: equal features, then equal message sums."""
    (cf1, cb1, cf2, cb2, vf1, vb1, vf2, vb2, a_r,
     a_lt, a_ltb, a_e, a_f, a_u, a_R, a_Rb,
     b_lt, b_ltb, b_e, b_f, b_u, H, Hb, wo) = W
    emb = cb2.size
    n = var.shape[0]
    dt = cb2.dtype
    t1 = np.empty(emb, dt)
    t2 = np.empty(emb, dt)
    row_mark[:] = False
    col_mark[:] = False
    for j in cand:                          # what the candidates depend on
        col_mark[j] = True
        for p in range(c_ptr[j], c_ptr[j + 1]):
            row_mark[c_row[p]] = True
    rows = np.flatnonzero(row_mark)
    for r in rows:
        for p in range(r_ptr[r], r_ptr[r + 1]):
            col_mark[r_col[p]] = True
    cols = np.flatnonzero(col_mark)
    rrows = rows + n                        # rows' slots in rep, grp, lt, acc
    grp[:] = 0
    _representatives(var, cols, grp, proj, rep)
    _representatives(cons, rows, grp[n:], proj, rep[n:])
    for r in rows:
        rep[n + r] += n
    big = n + cons.shape[0] + 1             # > any index and any degree
    for j in cols:                          # column embeddings, v2c sources
        if rep[j] == j:
            _affine(var[j], vf1, vb1, t1)
            _relu(t1)
            _affine(t1, vf2, vb2, hv[j])
            _relu(hv[j])
            rv[j, :] = 0.0
            _accumulate(hv[j], a_r, rv[j])
    for j in cols:                          # a representative may follow its copies
        if rep[j] != j:
            hv[j] = hv[rep[j]]
            rv[j] = rv[rep[j]]
    for r in rows:                          # rows <- columns: target side
        if rep[n + r] == n + r:
            _affine(cons[r], cf1, cb1, t1)
            _relu(t1)
            _affine(t1, cf2, cb2, t2)
            _relu(t2)
            _affine(t2, a_lt, a_ltb, lt[n + r])
    for r in rows:                          # messages, grouped by target and degree
        i = rep[n + r]
        _message_sum(lt[i, :emb], a_e, r_ptr, r_col, r_val, rv, acc[n + r], r)
        grp[n + r] = i * big + r_ptr[r + 1] - r_ptr[r]
    _representatives(acc, rrows, grp, proj, rep)
    for r in rows:
        if rep[n + r] == n + r:
            t1[:] = lt[grp[n + r] // big, emb:]
            _accumulate(acc[n + r], a_f, t1)
            deg = r_ptr[r + 1] - r_ptr[r]
            for k in range(emb):
                t1[k] += deg * a_u[k]
            _relu(t1)
            _affine(t1, a_R, a_Rb, rc[r])   # v2c output into c2v's source map
    for r in rows:
        if rep[n + r] != n + r:
            rc[r] = rc[rep[n + r] - n]
    col_mark[:] = False                     # now: target side computed
    for j in cand:                          # candidates <- rows
        i = rep[j]
        if not col_mark[i]:
            _affine(hv[i], b_lt, b_ltb, lt[i])
            col_mark[i] = True
        _message_sum(lt[i, :emb], b_e, c_ptr, c_row, c_val, rc, acc[j], j)
        grp[j] = i * big + c_ptr[j + 1] - c_ptr[j]
    _representatives(acc, cand, grp, proj, rep)
    for t in range(cand.size):              # then the head
        j = cand[t]
        if rep[j] != j:
            continue
        t1[:] = lt[grp[j] // big, emb:]
        _accumulate(acc[j], b_f, t1)
        deg = c_ptr[j + 1] - c_ptr[j]
        for k in range(emb):
            t1[k] += deg * b_u[k]
        _relu(t1)
        _affine(t1, H, Hb, t2)
        _relu(t2)
        s = 0.0
        for k in range(emb):
            s += t2[k] * wo[k]
        scores[t] = s
        acc[j, 0] = s                       # kept for the copies
    for t in range(cand.size):
        j = cand[t]
        if rep[j] != j:
            scores[t] = acc[rep[j], 0]


class Policy:
    """Scores of the columns of a :class:`~optsolve.milp.learn.BipartiteState`.

    Parameters
    ----------
    weights : dict
        Arrays by the names of :func:`weight_shapes`.
    dtype : {numpy.float64, numpy.float32}
        Precision of the forward pass (float64 agrees with the torch model
        to 1e-5; float32, which the solver's rule uses, is faster).

    Notes
    -----
    The Numba kernel is compiled on the first call of a process (a few
    seconds; cached on disk after that).
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
            w[k] = a
        self.w = w
        self.emb = emb
        self._kernel_weights = tuple(np.ascontiguousarray(a, dtype=self.dtype)
                                     for a in fold_weights(w))
        # fixed: equal feature rows meet in the same group at every call
        self._proj = np.random.default_rng(20190813).uniform(
            0.5, 1.5, max(len(CONS_FEATURES), len(VAR_FEATURES)))
        self._edges = (None, None)
        self._buffers = None

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

    def _graph(self, state, n_cons, n_var):
        """Edges by row and by column, kept for one edge set (a
        FeatureCache hands the same arrays at every node of a tree)."""
        key, graph = self._edges
        if key is not None and key[0] is state.edge_index and \
                key[1] is state.edge_attr and key[2] == (n_cons, n_var):
            return graph
        ei = np.asarray(state.edge_index, dtype=np.int64)
        val = np.asarray(state.edge_attr, dtype=self.dtype).reshape(-1)
        if ei.ndim != 2 or ei.shape[0] != 2 or ei.shape[1] != val.size:
            raise ValueError("`edge_index` must have shape (2, n_edges) matching "
                             "`edge_attr`")
        if ei.size and (ei.min() < 0 or ei[0].max() >= n_cons or ei[1].max() >= n_var):
            raise ValueError("`edge_index` holds an index out of range")
        by_row = np.lexsort((ei[1], ei[0]))
        by_col = np.lexsort((ei[0], ei[1]))
        graph = (np.searchsorted(ei[0][by_row], np.arange(n_cons + 1)),
                 ei[1][by_row].copy(), val[by_row].copy(),
                 np.searchsorted(ei[1][by_col], np.arange(n_var + 1)),
                 ei[0][by_col].copy(), val[by_col].copy())
        self._edges = ((state.edge_index, state.edge_attr, (n_cons, n_var)), graph)
        return graph

    def _work(self, n_cons, n_var):
        """The kernel's buffers, kept between calls (grown when needed)."""
        b = self._buffers
        if b is None or b[0] < n_var or b[1] < n_cons:
            e, dt = self.emb, self.dtype
            n, m = max(n_var, 1), max(n_cons, 1)
            b = (n, m, np.empty((n, e), dt), np.empty((n, e), dt),
                 np.empty((n + m, 2 * e), dt), np.empty((n + m, e), dt),
                 np.empty((m, e), dt), np.empty(n + m, np.int64),
                 np.empty(n + m, np.int64), np.empty(m, np.bool_),
                 np.empty(n, np.bool_))
            self._buffers = b
        _, _, hv, rv, lt, acc, rc, rep, grp, row_mark, col_mark = b
        k = n_var + n_cons
        return (hv[:n_var], rv[:n_var], lt[:k], acc[:k], rc[:n_cons], rep[:k],
                grp[:k], row_mark[:n_cons], col_mark[:n_var])

    def scores(self, state, candidates_only=False):
        """Score of every column (higher: branch on it), shape ``(n,)``; with
        ``candidates_only``, of ``state.candidates`` only (computing only
        what those depend on)."""
        cons = np.ascontiguousarray(state.cons, dtype=self.dtype)
        var = np.ascontiguousarray(state.var, dtype=self.dtype)
        n_cons, n_var = cons.shape[0], var.shape[0]
        graph = self._graph(state, n_cons, n_var)
        if candidates_only:
            cand = np.asarray(state.candidates, dtype=np.int64)
            if cand.size and (cand.min() < 0 or cand.max() >= n_var):
                raise ValueError("`candidates` holds a column out of range")
        else:
            cand = np.arange(n_var, dtype=np.int64)
        out = np.empty(cand.size, self.dtype)
        _forward(cons, var, *graph, cand, self._kernel_weights, self._proj,
                 *self._work(n_cons, n_var), out)
        return out

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


def random_agreement(expert_scores, ks=(1, 5)):
    """Per k, the expected number of top-k hits of a uniformly random
    ranking (the floor a policy must beat): with ``t`` best-scored among
    ``n`` candidates, ``1 - C(n - t, k) / C(n, k)`` per sample."""
    from math import comb
    out = {k: 0.0 for k in ks}
    for sc in expert_scores:
        n = len(sc)
        t = int(np.sum(np.asarray(sc) >= np.max(sc)))
        for k in ks:
            out[k] += 1.0 - comb(n - t, min(k, n)) / comb(n, min(k, n))
    return out


def evaluate_policy(policy, samples):
    """Top-1 and top-5 agreement of ``policy`` with the expert on
    ``samples`` (``(state, scores, choice)`` as ``collect.load_shard``
    gives), and those of a random ranking."""
    logits = [policy.scores(s, candidates_only=True) for s, _, _ in samples]
    scores = [sc for _, sc, _ in samples]
    hits = agreement(logits, scores)
    rand = random_agreement(scores)
    n = max(len(samples), 1)
    return dict(samples=len(samples), top1=hits[1] / n, top5=hits[5] / n,
                random_top1=rand[1] / n, random_top5=rand[5] / n)


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
