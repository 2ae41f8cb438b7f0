"""Train the backbone-phase GNN on a labelled folder (from
``python -m optsolve.sat.neuroback.data``).

``python -m optsolve.sat.neuroback.train DATA --out DIR`` fits
:class:`~optsolve.sat.neuroback.model.BackboneGNN` with binary cross-entropy
on the backbone variables only (NeuroBack's loss), each class weighted by the
inverse of its frequency in the training set, AdamW, a fixed seed, a progress
bar, a checkpoint every epoch (``DIR/checkpoint.pt``, ``--resume`` continues
from it), the best epoch by validation loss kept (``DIR/best.pt``) and
exported for the numpy forward pass (``DIR/weights.npz``).

Formulas are split into training and validation sets by a seeded permutation
of their names (``--val-fraction``).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch_geometric.data import Data
from torch_geometric.loader import DataLoader

from optsolve.sat.neuroback.data import BACKBONE_FALSE, BACKBONE_TRUE, load, read_manifest
from optsolve.sat.neuroback.graph import build_graph
from optsolve.sat.neuroback.model import BackboneGNN, export_weights, graph_tensors

__all__ = ["load_dataset", "split", "train", "main"]


def to_data(cnf, labels):
    """A torch-geometric ``Data``: node tensors, and ``y`` per node (1 backbone
    true, 0 backbone false, -1 no label: not a variable, or not backbone)."""
    g = build_graph(cnf)
    x, edge_index, edge_type = graph_tensors(g)
    y = torch.full((g.num_nodes,), -1.0)
    lab = labels[g.var - 1]
    y[:len(g.var)] = torch.from_numpy(np.where(
        lab == BACKBONE_TRUE, 1.0, np.where(lab == BACKBONE_FALSE, 0.0, -1.0)).astype(np.float32))
    return Data(x=x, edge_index=edge_index, edge_type=edge_type, y=y, num_nodes=g.num_nodes)


def load_dataset(folder, names=None):
    """``{name: Data}`` of the labelled SAT formulas of a folder that have a
    graph and at least one backbone variable."""
    folder = Path(folder)
    out = {}
    for row in read_manifest(folder):
        if row["status"] != "SAT" or (names is not None and row["name"] not in names):
            continue
        cnf, labels, _ = load(folder / (row["name"] + ".npz"))
        d = to_data(cnf, labels)
        if d.num_nodes and bool((d.y >= 0).any()):
            out[row["name"]] = d
    return out


def split(names, val_fraction, seed):
    """(train names, validation names): a seeded permutation of the sorted names."""
    names = sorted(names)
    perm = np.random.default_rng(seed).permutation(len(names))
    nval = int(round(val_fraction * len(names)))
    val = {names[i] for i in perm[:nval]}
    return [n for n in names if n not in val], sorted(val)


def _loss(model, batch, w_true, w_false):
    logits = model(batch.x, batch.edge_index, batch.edge_type)
    mask = batch.y >= 0
    y = batch.y[mask]
    weight = torch.where(y > 0.5, w_true, w_false)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits[mask], y, weight=weight, reduction="sum")
    correct = ((logits[mask] > 0) == (y > 0.5)).sum()
    return loss, int(mask.sum()), int(correct)


def _run_epoch(model, loader, w_true, w_false, optimizer=None, bar=None):
    total = count = correct = 0.0
    model.train(optimizer is not None)
    for batch in loader:
        with torch.set_grad_enabled(optimizer is not None):
            loss, n, c = _loss(model, batch, w_true, w_false)
        if optimizer is not None and n:
            optimizer.zero_grad()
            (loss / n).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
        total += float(loss.detach())
        count += n
        correct += c
        if bar is not None:
            bar.update(1)
    return total / max(count, 1), correct / max(count, 1)


def train(folder, out, *, hidden=32, layers=4, epochs=30, lr=1e-3, batch_size=8,
          val_fraction=0.15, seed=0, threads=1, resume=False, progress=True,
          time_limit=None):
    """Fit a model on a labelled folder; returns a dict of the run's history.
    See the module docstring for the files written to ``out``."""
    from tqdm.auto import tqdm
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = load_dataset(folder)
    if not data:
        raise ValueError(f"{folder}: no labelled satisfiable formula with a backbone")
    train_names, val_names = split(data, val_fraction, seed)
    train_set = [data[n] for n in train_names]
    val_set = [data[n] for n in val_names]
    ys = torch.cat([d.y[d.y >= 0] for d in train_set])
    n_true = float(ys.sum())
    n_false = float(len(ys) - n_true)
    # each class weighs as much as the other in total
    w_true = torch.tensor(len(ys) / (2 * max(n_true, 1.0)))
    w_false = torch.tensor(len(ys) / (2 * max(n_false, 1.0)))
    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=gen)
    val_loader = DataLoader(val_set, batch_size=batch_size)
    model = BackboneGNN(hidden=hidden, layers=layers)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    history, start_epoch, best = [], 0, float("inf")
    ckpt = out / "checkpoint.pt"
    if resume and ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        history, start_epoch, best = state["history"], state["epoch"], state["best"]
    config = dict(hidden=hidden, layers=layers, lr=lr, batch_size=batch_size, seed=seed,
                  val_fraction=val_fraction, train=len(train_set), val=len(val_set),
                  backbone_true=n_true, backbone_false=n_false,
                  parameters=sum(p.numel() for p in model.parameters()))
    (out / "config.json").write_text(json.dumps(config, indent=1))
    t0 = time.monotonic()
    bar = tqdm(total=(epochs - start_epoch) * len(loader), disable=not progress,
               desc="train", unit="batch", dynamic_ncols=True)
    for epoch in range(start_epoch, epochs):
        tr_loss, tr_acc = _run_epoch(model, loader, w_true, w_false, opt, bar)
        va_loss, va_acc = (_run_epoch(model, val_loader, w_true, w_false) if val_set
                           else (tr_loss, tr_acc))  # no validation set: select on training
        history.append(dict(epoch=epoch + 1, train_loss=tr_loss, train_acc=tr_acc,
                            val_loss=va_loss, val_acc=va_acc,
                            seconds=round(time.monotonic() - t0, 1)))
        bar.set_postfix_str(f"loss {tr_loss:.3f} val {va_loss:.3f} acc {va_acc:.3f}")
        if va_loss < best:
            best = va_loss
            torch.save({"model": model.state_dict(), "config": config, "epoch": epoch + 1},
                       out / "best.pt")
            export_weights(model, out / "weights.npz")
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                    "generator": gen.get_state(), "torch_rng": torch.get_rng_state(),
                    "history": history, "epoch": epoch + 1, "best": best}, ckpt)
        (out / "history.json").write_text(json.dumps(history, indent=1))
        if time_limit is not None and time.monotonic() - t0 > time_limit:
            bar.write(f"train: time limit reached after epoch {epoch + 1}")
            break
    bar.close()
    return {"config": config, "history": history, "best_val_loss": best,
            "val_names": val_names}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m optsolve.sat.neuroback.train",
                                 description="Train the backbone-phase GNN.")
    ap.add_argument("data", help="labelled folder (manifest.csv and .npz files)")
    ap.add_argument("--out", required=True, help="folder for checkpoints and weights")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--val-fraction", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds of training")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    for name in ("hidden", "layers", "epochs", "batch_size", "threads"):
        v = getattr(args, name)
        if not 1 <= v <= 100_000:
            ap.error(f"--{name.replace('_', '-')} must be in [1, 100000], got {v}")
    if not 0 < args.lr < 1:
        ap.error(f"--lr must be in (0, 1), got {args.lr}")
    if not 0 <= args.val_fraction < 1:
        ap.error(f"--val-fraction must be in [0, 1), got {args.val_fraction}")
    if args.time_limit is not None and not args.time_limit > 0:
        ap.error(f"--time-limit must be positive, got {args.time_limit}")
    try:
        r = train(args.data, args.out, hidden=args.hidden, layers=args.layers,
                  epochs=args.epochs, lr=args.lr, batch_size=args.batch_size,
                  val_fraction=args.val_fraction, seed=args.seed, threads=args.threads,
                  resume=args.resume, progress=not args.no_progress,
                  time_limit=args.time_limit)
    except (ValueError, OSError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 1
    last = r["history"][-1] if r["history"] else {}
    print(f"train: {len(r['history'])} epochs, best validation loss "
          f"{r['best_val_loss']:.4f}, last {json.dumps(last)}; weights in "
          f"{Path(args.out) / 'weights.npz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
