"""Cactus plot of batch results: instances solved (x) against the time
limit that would have sufficed (y), one line per run, from the result files
of ``optsolve batch`` / ``optsolve.batch.solve_many`` (CSV or JSON lines).

A row counts as solved when its status answers the question (SAT, UNSAT;
optimal, infeasible, unbounded) and its answer was not refuted in the
worker; its time is ``solve_time`` (``--time wall`` for ``wall_time``).
A file whose rows carry several portfolio configurations can be split into
one line per configuration (``--by config``).

    python -m bench cactus results.csv [more.csv ...] -o cactus.png
    python -m bench cactus a.csv b.csv --labels "seed 1" "seed 2" --log
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import defaultdict

SOLVED = {"SAT", "UNSAT", "optimal", "infeasible", "unbounded"}


def read_rows(path):
    """Rows of a CSV or JSON-lines results file (lists of dicts)."""
    with open(path, newline="", encoding="utf-8") as f:
        if path.endswith((".jsonl", ".ndjson")):
            return [json.loads(line) for line in f if line.strip()]
        return list(csv.DictReader(f))


def _solved(row):
    return row.get("status") in SOLVED and str(row.get("verified")) != "False"


def solved_times(rows, column="solve_time"):
    """Sorted times of the solved rows."""
    times = []
    for row in rows:
        if not _solved(row):
            continue
        try:
            times.append(float(row.get(column)))
        except (TypeError, ValueError):
            continue
    return sorted(times)


def series(paths, labels=None, by=None, column="solve_time"):
    """``[(label, sorted times, total rows)]``, one per file (or per value
    of the ``by`` column within each file)."""
    out = []
    for i, path in enumerate(paths):
        rows = read_rows(path)
        base = labels[i] if labels else os.path.splitext(os.path.basename(path))[0]
        if by is None:
            out.append((base, solved_times(rows, column), len(rows)))
            continue
        groups = defaultdict(list)
        for row in rows:
            groups[row.get(by) or "default"].append(row)
        for key, group in sorted(groups.items()):
            out.append((f"{base} {key}", solved_times(group, column), len(group)))
    return out


def plot(lines, out, log=False, title=None):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for label, times, total in lines:
        xs = list(range(1, len(times) + 1))
        ax.step(xs, times, where="post", marker=".", markersize=4,
                label=f"{label} ({len(times)}/{total})")
    ax.set_xlabel("instances solved")
    ax.set_ylabel("time limit that suffices (s)")
    if log:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench cactus",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", help="results files (.csv, .jsonl)")
    ap.add_argument("-o", "--out", default="cactus.png", help="the picture")
    ap.add_argument("--labels", nargs="+", default=None,
                    help="one label per file (default: the file names)")
    ap.add_argument("--by", default=None, choices=["config", "engine"],
                    help="one line per value of this column within a file")
    ap.add_argument("--time", default="solve", choices=["solve", "wall"],
                    help="solve_time (default) or wall_time")
    ap.add_argument("--log", action="store_true", help="logarithmic time axis")
    ap.add_argument("--title", default=None)
    args = ap.parse_args(argv)
    if args.labels and len(args.labels) != len(args.files):
        print("bench cactus: --labels needs one label per file", file=sys.stderr)
        return 2
    try:
        lines = series(args.files, args.labels, args.by, f"{args.time}_time")
    except (OSError, ValueError, KeyError) as exc:
        print(f"bench cactus: {exc}", file=sys.stderr)
        return 1
    plot(lines, args.out, log=args.log, title=args.title)
    for label, times, total in lines:
        print(f"{label}: {len(times)} of {total} solved"
              + (f", last at {times[-1]:.3g} s" if times else ""))
    print(f"# figure: {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
