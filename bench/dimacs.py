"""DIMACS reader: optsolve.sat.read_dimacs against PySAT's CNF(from_file=...).

Usage: python -m bench dimacs [--mb 100] [--repeat 3] [--no-public]

1. A generated random 3-SAT file of about --mb megabytes (plain and .gz),
   read by both readers; the clauses are compared.
2. Every public CNF in ../shared/data/sat (gzipped), read by both; totals over
   the files both can read (PySAT's parser rejects some valid files: listed).
Prints one table (input, ours s, PySAT s, ratio PySAT/ours = speed-up).
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import tempfile
from pathlib import Path

import numpy as np

from bench._harness import RESULTS, Table, data_dir, figure_path, machine_line, timeit


def generate(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a random 3-SAT CNF of about `megabytes` MB; return its size."""
    from optsolve.sat import CNF
    rng = np.random.default_rng(seed)
    nvars = 1_000_000
    nclauses = int(megabytes * 1e6 / 24.5)
    lits = rng.integers(1, nvars + 1, size=3 * nclauses, dtype=np.int32)
    lits *= rng.choice(np.array([-1, 1], dtype=np.int32), size=lits.size)
    offsets = np.arange(0, 3 * nclauses + 1, 3, dtype=np.int64)
    CNF.from_arrays(lits, offsets, nvars).to_dimacs(path, comments=["random 3-SAT, bench/dimacs.py"])
    return path.stat().st_size


def read_ours(path):
    from optsolve.sat import read_dimacs
    return read_dimacs(path)


def read_pysat(path):
    from pysat.formula import CNF as PySATCNF
    return PySATCNF(from_file=str(path))


def same(ours, theirs) -> bool:
    if ours.nclauses != len(theirs.clauses):
        return False
    flat = np.fromiter((x for c in theirs.clauses for x in c), dtype=np.int64,
                       count=len(ours.lits))
    return bool(np.array_equal(flat, ours.lits))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench dimacs", description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100.0, help="size of the generated file in MB")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs of our reader (median)")
    ap.add_argument("--no-public", action="store_true", help="skip the public instances")
    args = ap.parse_args(argv)
    print(machine_line())
    table = Table("dimacs", ["input", "MB", "clauses", "ours_s", "pysat_s", "speedup", "same"])
    tmp = Path(tempfile.mkdtemp(prefix="optsolve-bench-"))
    try:
        plain = tmp / "random3sat.cnf"
        size = generate(plain, args.mb)
        gz = tmp / "random3sat.cnf.gz"
        with open(plain, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst)
        for label, path in (("generated plain", plain), ("generated .gz", gz)):
            t_ours, ours = timeit(read_ours, path, repeat=args.repeat)
            t_pysat, theirs = timeit(read_pysat, path, repeat=1)
            table.add(input=label, MB=round(size / 1e6, 1), clauses=ours.nclauses,
                      ours_s=t_ours, pysat_s=t_pysat, speedup=t_pysat / t_ours,
                      same=same(ours, theirs))
            del theirs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if not args.no_public:
        sat = data_dir("sat")
        files = sorted(sat.rglob("*.cnf*"))
        t_ours = t_pysat = 0.0
        nbytes = nclauses = 0
        all_same = True
        pysat_failed = []
        for f in files:
            a, ours = timeit(read_ours, f, repeat=args.repeat)
            try:
                b, theirs = timeit(read_pysat, f, repeat=1)
            except ValueError as exc:  # PySAT's parser rejects some valid files
                pysat_failed.append(f"{f.relative_to(sat)} ({exc})")
                continue
            t_ours += a
            t_pysat += b
            nclauses += ours.nclauses
            nbytes += len(gzip.decompress(f.read_bytes())) if f.suffix == ".gz" else f.stat().st_size
            all_same &= same(ours, theirs)
        ok = len(files) - len(pysat_failed)
        table.add(input=f"public sat/ ({ok} of {len(files)} files, .gz)", MB=round(nbytes / 1e6, 1),
                  clauses=nclauses, ours_s=t_ours, pysat_s=t_pysat,
                  speedup=t_pysat / t_ours, same=all_same)

    table.print()
    if not args.no_public and pysat_failed:
        print(f"PySAT could not read {len(pysat_failed)} public files that optsolve reads "
              "(left out of the totals above):")
        for line in pysat_failed:
            print(f"  {line}")
    print(f"csv: {table.save_csv()}")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6, 3))
        labels = [r["input"] for r in table.rows]
        y = np.arange(len(labels))
        ax.barh(y - 0.2, [r["ours_s"] for r in table.rows], 0.4, label="optsolve")
        ax.barh(y + 0.2, [r["pysat_s"] for r in table.rows], 0.4, label="PySAT")
        ax.set_yticks(y, labels)
        ax.set_xscale("log")
        ax.set_xlabel("seconds to read (log)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(figure_path("dimacs"), dpi=100)
        print(f"png: {figure_path('dimacs')}")
    except ImportError:  # pragma: no cover
        print("matplotlib not installed: no plot")
    return 0 if all(r["same"] for r in table.rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
