"""Accuracy of predicted backbone phases against cheap baselines.

``python -m optsolve.sat.neuroback.evaluate DATA [--weights W.npz]`` reads a
labelled folder and reports, for the trained model (numpy forward pass) and
three baselines,

- *backbone accuracy*: the fraction of backbone variables whose predicted
  phase is their backbone value;
- *all-variable accuracy*: the same over every labelled variable, the target
  of a non-backbone variable being its majority phase over the sampled models
  (variables true in exactly half of them are left out);
- *confident*: NeuroBack's use (a phase is set only when the score is above
  0.9 or below 0.1): the share of backbone variables predicted that
  confidently, and the accuracy on them.

Baselines: *always false*, *polarity* (the sign that occurs more often, ties
false), *Jeroslow-Wang* (the literal with the larger sum of 2^-|C| over its
clauses, ties false). Only variables with a graph node (see
:func:`~optsolve.sat.neuroback.build_graph`) are counted, for every method.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from optsolve.sat.neuroback.data import (BACKBONE_FALSE, BACKBONE_TRUE, FREE,
                                         load, read_manifest)
from optsolve.sat.neuroback.graph import build_graph

__all__ = ["baselines", "evaluate", "main"]


def baselines(cnf):
    """``{name: score}``, each score an array of length ``nvars`` in [0, 1]
    (above 0.5: predict true).

    Examples
    --------
    >>> from optsolve.sat import CNF
    >>> b = baselines(CNF([[1, 2], [1, -2], [-1, -2, 3]]))
    >>> b["polarity"].tolist(), b["jeroslow_wang"].tolist()
    ([1.0, 0.0, 1.0], [1.0, 0.0, 1.0])
    """
    lits = cnf.lits
    v = np.abs(lits) - 1
    pos = lits > 0
    npos = np.bincount(v[pos], minlength=cnf.nvars)
    nneg = np.bincount(v[~pos], minlength=cnf.nvars)
    lengths = np.diff(cnf.offsets)
    jw_lit = np.repeat(np.exp2(-lengths.astype(np.float64)), lengths)
    jpos = np.bincount(v[pos], weights=jw_lit[pos], minlength=cnf.nvars)
    jneg = np.bincount(v[~pos], weights=jw_lit[~pos], minlength=cnf.nvars)
    return {"always_false": np.zeros(cnf.nvars),
            "polarity": (npos > nneg).astype(np.float64),
            "jeroslow_wang": (jpos > jneg).astype(np.float64)}


def _tally(acc, score, labels, freq):
    bb = (labels == BACKBONE_TRUE) | (labels == BACKBONE_FALSE)
    truth_bb = labels[bb] == BACKBONE_TRUE
    pred = score > 0.5
    acc["bb"] += int(np.sum(pred[bb] == truth_bb))
    acc["bb_n"] += int(bb.sum())
    free = (labels == FREE) & (freq != 0.5)
    target = np.concatenate([truth_bb, freq[free] > 0.5])
    got = np.concatenate([pred[bb], pred[free]])
    acc["all"] += int(np.sum(got == target))
    acc["all_n"] += len(target)
    conf = (score[bb] > 0.9) | (score[bb] < 0.1)
    acc["conf_n"] += int(conf.sum())
    acc["conf"] += int(np.sum(pred[bb][conf] == truth_bb[conf]))


def evaluate(folder, weights=None, names=None):
    """Accuracies per method over a labelled folder (optionally only the
    formulas in ``names``); returns ``{method: {"backbone", "all",
    "confident_share", "confident_accuracy", "backbone_vars", "all_vars"}}``."""
    from collections import defaultdict

    from optsolve.sat.neuroback.infer import load_weights, predict_graph
    if weights is not None and not isinstance(weights, dict):
        weights = load_weights(weights)
    acc = defaultdict(lambda: defaultdict(int))
    folder = Path(folder)
    nformulas = 0
    for row in read_manifest(folder):
        if row["status"] != "SAT" or (names is not None and row["name"] not in names):
            continue
        cnf, labels, freq = load(folder / (row["name"] + ".npz"))
        g = build_graph(cnf)
        if len(g.var) == 0:
            continue
        nformulas += 1
        idx = g.var - 1
        scores = {k: s[idx] for k, s in baselines(cnf).items()}
        if weights is not None:
            scores["model"] = predict_graph(g, weights, np.float64)
        for name, s in scores.items():
            _tally(acc[name], s, labels[idx], freq[idx])
    out = {}
    for name, a in acc.items():
        out[name] = {"backbone": a["bb"] / max(a["bb_n"], 1),
                     "all": a["all"] / max(a["all_n"], 1),
                     "confident_share": a["conf_n"] / max(a["bb_n"], 1),
                     "confident_accuracy": a["conf"] / max(a["conf_n"], 1),
                     "backbone_vars": a["bb_n"], "all_vars": a["all_n"],
                     "formulas": nformulas}
    return out


def _families(folder, names):
    """{family: names} of the satisfiable formulas (only with --by-family)."""
    out = {}
    for row in read_manifest(Path(folder)):
        if row["status"] == "SAT" and (names is None or row["name"] in names):
            source = row.get("source") or ""
            family = (Path(source).parent.name if "/" in source
                      else source.split(":")[0] or "formulas")
            out.setdefault(family, set()).add(row["name"])
    return out


def format_table(results):
    cols = ["method", "backbone", "all", "confident_share", "confident_accuracy",
            "backbone_vars", "all_vars", "formulas"]
    lines = ["  ".join(f"{c:>18}" for c in cols)]
    for name, r in results.items():
        cells = [name] + [f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c])
                          for c in cols[1:]]
        lines.append("  ".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m optsolve.sat.neuroback.evaluate",
                                 description="Backbone-phase accuracy: model vs baselines.")
    ap.add_argument("data", help="labelled folder")
    ap.add_argument("--weights", default=None, help="weights .npz (default: none, "
                    "baselines only)")
    ap.add_argument("--names", default=None,
                    help="file of formula names to evaluate (one per line)")
    ap.add_argument("--by-family", action="store_true",
                    help="one table per family (the folder a public CNF came from, "
                         "the generator's family otherwise)")
    args = ap.parse_args(argv)
    names = None
    if not (Path(args.data) / "manifest.csv").is_file():
        print(f"evaluate: {args.data}: not a labelled folder (no manifest.csv)",
              file=sys.stderr)
        return 1
    try:
        if args.names:
            names = set(Path(args.names).read_text().split())
        if not args.by_family:
            print(format_table(evaluate(args.data, args.weights, names)))
            return 0
        for family, members in sorted(_families(args.data, names).items()):
            print(f"{family} ({len(members)} formulas)")
            print(format_table(evaluate(args.data, args.weights, members)))
    except (ValueError, OSError) as exc:
        print(f"evaluate: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
