"""Shared pieces of the benchmarks: data lookup, timing, the result table.

Speed claims come only from these scripts. Absolute times on shared machines
are noise; the ratio ours/anchor measured in the same run is the figure.
"""
from __future__ import annotations

import csv
import gc
import math
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def data_dir(sub: str = "") -> Path:
    """The public benchmark data folder (``../shared/data`` from the project
    root, or ``$OPTSOLVE_BENCH_DATA``). Exits with a clear message if absent."""
    base = Path(os.environ.get("OPTSOLVE_BENCH_DATA", ROOT.parent / "shared" / "data"))
    path = base / sub
    if not path.exists():
        sys.exit(f"bench: benchmark data not found at {path}\n"
                 "       (expected ../shared/data next to the project root, "
                 "or set OPTSOLVE_BENCH_DATA)")
    return path


def timeit(fn, *args, repeat=1, **kwargs):
    """Run ``fn`` ``repeat`` times; return (median seconds, last result)."""
    times, out = [], None
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def ratio(ours, anchor):
    """ours / anchor, or nan when either is missing or zero."""
    try:
        if ours is None or anchor is None or anchor == 0:
            return math.nan
        return float(ours) / float(anchor)
    except (TypeError, ValueError):
        return math.nan


def geomean(values):
    vals = [v for v in values if v is not None and v > 0 and math.isfinite(v)]
    if not vals:
        return math.nan
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def _fmt(v):
    if isinstance(v, float):
        if math.isnan(v):
            return "-"
        if v != 0 and (abs(v) >= 1e5 or abs(v) < 1e-3):
            return f"{v:.3e}"
        return f"{v:.4g}"
    return str(v)


class Table:
    """Rows of a benchmark; printed as one aligned table and saved as CSV."""

    def __init__(self, name: str, columns):
        self.name = name
        self.columns = list(columns)
        self.rows = []

    def add(self, **row):
        unknown = set(row) - set(self.columns)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        self.rows.append(row)
        return row

    def print(self, file=None):
        file = file or sys.stdout
        cells = [[_fmt(r.get(c, "")) for c in self.columns] for r in self.rows]
        widths = [max([len(c)] + [len(row[i]) for row in cells])
                  for i, c in enumerate(self.columns)]
        print("  ".join(c.rjust(w) for c, w in zip(self.columns, widths)), file=file)
        print("  ".join("-" * w for w in widths), file=file)
        for row in cells:
            print("  ".join(v.rjust(w) for v, w in zip(row, widths)), file=file)
        file.flush()

    def save_csv(self, path=None) -> Path:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = Path(path) if path else RESULTS / f"{self.name}.csv"
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=self.columns)
            w.writeheader()
            for r in self.rows:
                w.writerow(r)
        return path


def figure_path(name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS / f"{name}.png"


def machine_line() -> str:
    return (f"# {platform.node()} {platform.machine()} "
            f"{os.cpu_count()} cpus, python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d %H:%M:%S')}")
