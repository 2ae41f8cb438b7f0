"""Imitation of strong branching: the GCNN trained by cross-entropy to the
expert's choice (Gasse et al. 2019, section 5.1).

``python -m optsolve.milp.learn.train --data DIR [DIR ...] --out DIR
[--valid-instances K] [--epochs E] [--batch-size B] [--lr LR] [--seed S]
[--patience P] [--sharpness S]``

The shards of each ``--data`` directory (:mod:`optsolve.milp.learn.collect`)
are split by instance: the last ``K`` in name order are held apart for
validation, so no instance has samples on both sides. Adam, learning rate times 0.2 after
``P`` epochs without a better validation loss and a stop after ``2 P``;
prenorms set from the first training batches before the first step. Each
epoch writes ``checkpoint.pt`` (model, optimiser, epoch, random state; a
rerun resumes from it) and, when the validation loss improves,
``best.npz`` (weights for :class:`optsolve.milp.learn.infer.Policy`).
Printed per epoch: losses and top-1 / top-5 agreement with the expert on
the held-apart instances (a top-k hit: one of the model's k best-scored
candidates has the expert's best score, ties included).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

from optsolve.milp.learn.collect import load_shard
from optsolve.milp.learn.infer import agreement
from optsolve.milp.learn.model import GCNN, pretrain

__all__ = ["load_samples", "Batch", "agreement", "train", "main"]


def load_samples(paths):
    """All samples of the shards ``paths``."""
    out = []
    for p in paths:
        out.extend(load_shard(p))
    return out


class Batch:
    """Samples stacked into one disconnected graph, as torch tensors."""

    def __init__(self, samples, dtype=torch.float32):
        cons, var, ei, ea, cand, scores, choice, ptr = [], [], [], [], [], [], [], [0]
        oc = ov = 0
        for s, sc, ch in samples:
            cons.append(s.cons)
            var.append(s.var)
            ei.append(s.edge_index + np.array([[oc], [ov]]))
            ea.append(s.edge_attr)
            cand.append(s.candidates + ov)
            scores.append(sc)
            choice.append(ch)
            ptr.append(ptr[-1] + s.candidates.size)
            oc += s.cons.shape[0]
            ov += s.var.shape[0]
        self.cons = torch.as_tensor(np.concatenate(cons), dtype=dtype)
        self.var = torch.as_tensor(np.concatenate(var), dtype=dtype)
        self.edge_index = torch.as_tensor(np.concatenate(ei, axis=1), dtype=torch.long)
        self.edge_attr = torch.as_tensor(np.concatenate(ea), dtype=dtype)
        self.candidates = torch.as_tensor(np.concatenate(cand), dtype=torch.long)
        self.ptr = np.asarray(ptr)
        self.scores = [np.asarray(s, dtype=float) for s in scores]
        self.choice = torch.as_tensor(choice, dtype=torch.long)

    def inputs(self):
        return self.cons, self.edge_index, self.edge_attr, self.var

    def soft_targets(self, sharpness):
        """Per sample, ``softmax(sharpness * score / best score)`` over its
        candidates (padded with 0): every candidate's strong-branching
        score teaches, not only the best one's; large ``sharpness`` tends
        to the expert's choice."""
        sizes = np.diff(self.ptr)
        out = np.zeros((sizes.size, int(sizes.max())))
        for i, sc in enumerate(self.scores):
            finite = sc[np.isfinite(sc)]     # a child proven empty: 2x the best
            sc = np.minimum(sc, 2.0 * finite.max() if finite.size else 1.0)
            z = sharpness * sc / max(float(np.max(sc)), 1e-12)
            z = np.exp(z - z.max())
            out[i, :sc.size] = z / z.sum()
        return torch.as_tensor(out, dtype=torch.float32)

    def padded_logits(self, scores):
        """Candidate logits, one row per sample, padded with -inf."""
        sizes = np.diff(self.ptr)
        out = torch.full((sizes.size, int(sizes.max())), -math.inf, dtype=scores.dtype)
        logits = scores[self.candidates]
        rows = torch.as_tensor(np.repeat(np.arange(sizes.size), sizes))
        cols = torch.as_tensor(np.arange(self.ptr[-1]) - np.repeat(self.ptr[:-1], sizes))
        out[rows, cols] = logits
        return out


def _batches(samples, size, rng=None):
    idx = np.arange(len(samples))
    if rng is not None:
        rng.shuffle(idx)
    for i in range(0, idx.size, size):
        yield Batch([samples[j] for j in idx[i:i + size]])


@torch.no_grad()
def evaluate(model, samples, batch_size=64):
    """Mean cross-entropy and top-1 / top-5 agreement of ``model``."""
    model.eval()
    loss, n, hits = 0.0, 0, {1: 0, 5: 0}
    for b in _batches(samples, batch_size):
        lg = b.padded_logits(model(*b.inputs()))
        loss += float(torch.nn.functional.cross_entropy(lg, b.choice, reduction="sum"))
        n += lg.shape[0]
        sizes = np.diff(b.ptr)
        rows = [lg[i, :sizes[i]].numpy() for i in range(sizes.size)]
        for k, v in agreement(rows, b.scores).items():
            hits[k] += v
    n = max(n, 1)
    return dict(loss=loss / n, top1=hits[1] / n, top5=hits[5] / n, samples=n)


def _loss(lg, b, sharpness):
    if not sharpness:
        return torch.nn.functional.cross_entropy(lg, b.choice)
    logp = torch.log_softmax(lg, dim=1).masked_fill(torch.isinf(lg), 0.0)
    return -(b.soft_targets(sharpness) * logp).sum(1).mean()


def train(train_samples, valid_samples, out_dir, *, epochs=50, batch_size=32,
          lr=1e-3, seed=0, patience=10, pretrain_batches=10, sharpness=0.0,
          log=print):
    """Train a :class:`GCNN`; returns the best validation record. With
    ``sharpness`` > 0 the target is :meth:`Batch.soft_targets` rather than
    the expert's choice alone (the validation loss stays the choice's
    cross-entropy)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = GCNN()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.2,
                                                       patience=patience)
    ckpt = out_dir / "checkpoint.pt"
    start, best, bad = 0, None, 0
    if ckpt.exists():
        st = torch.load(ckpt, weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["optimizer"])
        sched.load_state_dict(st["scheduler"])
        rng.bit_generator.state = st["rng"]
        torch.set_rng_state(st["torch_rng"])
        start, best, bad = st["epoch"] + 1, st["best"], st["bad"]
        log(f"resuming after epoch {st['epoch']}")
    else:
        pre = [b.inputs() for _, b in zip(range(pretrain_batches),
                                          _batches(train_samples, batch_size))]
        pretrain(model, pre)
    for epoch in range(start, epochs):
        model.train()
        total, n = 0.0, 0
        for b in _batches(train_samples, batch_size, rng):
            lg = b.padded_logits(model(*b.inputs()))
            loss = _loss(lg, b, sharpness)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * lg.shape[0]
            n += lg.shape[0]
        rec = evaluate(model, valid_samples)
        rec.update(epoch=epoch, train_loss=total / max(n, 1),
                   lr=opt.param_groups[0]["lr"])
        sched.step(rec["loss"])
        if best is None or rec["loss"] < best["loss"]:
            best, bad = rec, 0
            model.export(out_dir / "best.npz")
        else:
            bad += 1
        log(json.dumps({k: (round(v, 5) if isinstance(v, float) else v)
                        for k, v in rec.items()}))
        torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(),
                        scheduler=sched.state_dict(), rng=rng.bit_generator.state,
                        torch_rng=torch.get_rng_state(), epoch=epoch, best=best,
                        bad=bad), ckpt)
        if bad >= 2 * patience:
            break
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m optsolve.milp.learn.train",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, nargs="+",
                    help="shard directories (the last fifth of each held apart)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--valid-instances", type=int, default=None,
                    help="shards held apart (default: a fifth, at least 1)")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--patience", type=int, default=10)
    ap.add_argument("--sharpness", type=float, default=0.0,
                    help="train on softmax(S * score / best) over the candidates "
                         "instead of the expert's choice alone (0: the choice)")
    args = ap.parse_args(argv)
    for name in ("epochs", "batch_size", "patience"):
        if getattr(args, name) < 1:
            ap.error(f"--{name.replace('_', '-')} must be positive")
    if not (args.lr > 0 and math.isfinite(args.lr)):
        ap.error("--lr must be positive")
    if not (args.sharpness >= 0 and math.isfinite(args.sharpness)):
        ap.error("--sharpness must be a non-negative number")
    if not 0 <= args.seed < 2**32:
        ap.error("--seed must be in [0, 2**32)")
    tr, va, n_tr, n_va = [], [], 0, 0
    for d in args.data:                  # each directory split on its own
        shards = sorted(p for p in Path(d).glob("*.npz")
                        if not p.name.endswith(".part.npz"))
        if len(shards) < 2:
            ap.error(f"--data: {d} holds {len(shards)} shards; at least 2 "
                     "are needed (one held apart)")
        k = args.valid_instances if args.valid_instances is not None \
            else max(1, len(shards) // 5)
        if not 1 <= k < len(shards):
            ap.error(f"--valid-instances must be in [1, {len(shards) - 1}] for {d}")
        tr += load_samples(shards[:-k])
        va += load_samples(shards[-k:])
        n_tr, n_va = n_tr + len(shards) - k, n_va + k
    if not tr or not va:
        ap.error(f"--data: no samples in the {'training' if not tr else 'held-apart'} "
                 "shards")
    print(f"{len(tr)} training samples from {n_tr} instances, "
          f"{len(va)} held apart from {n_va}", file=sys.stderr)
    best = train(tr, va, args.out, epochs=args.epochs, batch_size=args.batch_size,
                 lr=args.lr, seed=args.seed, patience=args.patience,
                 sharpness=args.sharpness, log=lambda s: print(s, file=sys.stderr))
    print(json.dumps(best))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
