"""Start-up of ``optsolve sat`` on a trivial file, against a SAT solver's.

Usage: python -m bench sat_startup [--runs 30]

A user solving thousands of small files pays the start-up on each. Each
command below runs --runs times on a 3-variable file (interleaved, so that
load on a shared machine hits all alike); the table gives the median and the
ratio to the anchor: the ``kissat`` binary when it is on PATH, else PySAT's
MiniSat 2.2 driven by a minimal ``python -c`` (read the file, solve, print
the model), which is what a Python user would otherwise run. The bare
interpreter (``python -c pass``) is listed as the floor no Python program
goes below. Medians of wall time and of CPU time (user + system, steadier
on a loaded machine). Where PYTHONDONTWRITEBYTECODE is set, the package's
modules are compiled on every start; run once without it to measure what an
installed package costs.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import Table, machine_line, ratio

_PYSAT = ("import sys; from pysat.formula import CNF; from pysat.solvers import Minisat22; "
          "s = Minisat22(bootstrap_with=CNF(from_file=sys.argv[1]).clauses); "
          "r = s.solve(); print('s SATISFIABLE' if r else 's UNSATISFIABLE'); "
          "print('v', *s.get_model(), 0) if r else None; sys.exit(10 if r else 20)")


def commands(path):
    """[(label, argv)], the anchor first."""
    out = []
    kissat = shutil.which("kissat")
    if kissat:
        out.append(("kissat (anchor)", [kissat, "-q", str(path)]))
    out.append(("PySAT MiniSat via python -c" + ("" if kissat else " (anchor)"),
                [sys.executable, "-c", _PYSAT, str(path)]))
    script = shutil.which("optsolve") or str(Path(sys.executable).with_name("optsolve"))
    out.append(("optsolve sat (console script)", [script, "sat", str(path)]))
    out.append(("python -m optsolve sat", [sys.executable, "-m", "optsolve", "sat", str(path)]))
    out.append(("python -c pass (floor)", [sys.executable, "-c", "pass"]))
    return out


def run_once(argv):
    """(wall seconds, CPU seconds) of one run."""
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
    if r.returncode not in (0, 10):
        raise SystemExit(f"bench: {argv[0]} failed ({r.returncode}): {r.stderr.decode()[-300:]}")
    if argv[-1] != "pass" and b"s SATISFIABLE" not in r.stdout:
        raise SystemExit(f"bench: {argv} did not answer SATISFIABLE")
    return seconds, cpu


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench sat_startup",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30, help="runs of each command (median)")
    args = ap.parse_args(argv)
    print(machine_line())
    tmp = Path(tempfile.mkdtemp(prefix="optsolve-bench-"))
    try:
        path = tmp / "tiny.cnf"
        path.write_text("p cnf 3 2\n1 -2 0\n2 3 0\n")
        cmds = commands(path)
        for _, argv_ in cmds:  # warm the page cache and the .pyc files
            run_once(argv_)
        times = {label: [] for label, _ in cmds}
        for _ in range(max(1, args.runs)):
            for label, argv_ in cmds:
                times[label].append(run_once(argv_))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    def med(label, k):
        return statistics.median(t[k] for t in times[label])

    anchor = cmds[0][0]
    table = Table("sat_startup", ["command", "wall_ms", "min_wall_ms", "cpu_ms",
                                  "wall_ratio", "cpu_ratio"])
    for label, ts in times.items():
        table.add(command=label, wall_ms=1e3 * med(label, 0),
                  min_wall_ms=1e3 * min(t[0] for t in ts), cpu_ms=1e3 * med(label, 1),
                  wall_ratio=ratio(med(label, 0), med(anchor, 0)),
                  cpu_ratio=ratio(med(label, 1), med(anchor, 1)))
    table.print()
    print(f"{os.cpu_count()} cpus; load average {os.getloadavg()[0]:.2f}")
    print(f"csv: {table.save_csv()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
