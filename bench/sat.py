"""SAT: optsolve's CDCL solver against PySAT's MiniSat 2.2, Glucose 4,
CaDiCaL 1.9.5 and Kissat 4.0.4 on the public instances of
``../shared/data/sat`` (SATLIB and SAT-competition families).

Each solver in its own worker process (so that peak memory is the solver's
own and a solver that ignores interrupts can be killed), instance by
instance with every solver in turn (a passing load hits all alike), every
instance under the same wall-clock limit. Every answer is checked against the
manifest's expected status, and every model against the formula; a wrong
answer makes the run fail (exit 1).

Reports solved counts, PAR-2 of solving time (seconds, unsolved = 2 x limit;
loading the formula into the solver is timed apart), per-family
PAR-2 and the ratio ours / MiniSat, conflicts, propagations per second and
peak memory (with --memory: a fresh process per run); writes ``bench/results/sat.csv`` (per family),
``sat_instances.csv`` (per run) and the cactus plot ``sat_cactus.png``.

    python -m bench sat --tier main --time-limit 10
    python -m bench sat --tier hard --time-limit 120 --solvers optsolve,minisat22
    python -m bench sat --tier main --figure docs/images/sat/cactus_main.png
    python -m bench sat --tier app --split held --time-limit 60 --solvers optsolve,optsolve-cli
    python -m bench sat --tier app --split dev --time-limit 60 \
        --solvers optsolve,optsolve+elim=0+subsume=0,cadical195,kissat404

``--tier app`` reads ``../shared/data/sat/app/`` (application instances with
Kissat's time in its manifest); ``--split`` keeps every third instance of
each family (in manifest order) held apart for the final measurement: tune
on ``dev``, report ``held`` or ``all``.  A solver ``optsolve+NAME=VALUE+..``
is optsolve with those options (e.g. a technique turned off), run in the
same process as the others. ``optsolve-cli`` runs ``python -m optsolve sat``
end to end (start-up, parsing and output timed); with ``optsolve`` in the
same run, its total is compared with reading, loading and solving in
process on the instances both solved.
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import os
import select
import subprocess
import sys
import time
from collections import defaultdict

from bench._harness import RESULTS, Table, data_dir, figure_path, machine_line, ratio

SOLVERS = ["optsolve", "minisat22", "glucose4", "cadical195", "kissat404", "optsolve-cli"]


def _optsolve_options(solver):
    """'optsolve+elim=0+subsume=0' -> {'elim': 0, 'subsume': 0}."""
    opts = {}
    for item in solver.split("+")[1:]:
        name, _, value = item.partition("=")
        opts[name] = int(value)
    return opts
ANCHOR = "minisat22"


# -- worker side (one process per solver) -----------------------------------

def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM (Linux >= 4.0)
    except OSError:
        pass


def _model_ok(cnf, model):
    import numpy as np
    m = np.zeros(cnf.nvars + 1, dtype=bool)
    model = np.asarray(model, dtype=np.int64)
    model = model[np.abs(model) <= cnf.nvars]
    m[np.abs(model)] = model > 0
    lits = cnf.lits.astype(np.int64)
    true = m[np.abs(lits)] == (lits > 0)
    lengths = cnf.clause_lengths()
    if np.any(lengths == 0):
        return False
    return bool(np.logical_or.reduceat(true, cnf.offsets[:-1]).all())


def _solve_cli(path, limit):
    """``python -m optsolve sat`` end to end (start-up, parsing, output):
    all of it is `time`; `read` is 0 and `load` 0."""
    from optsolve.sat import read_dimacs
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "optsolve", "sat", "--time-limit", str(limit),
                        str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=limit + 20)
    seconds = time.perf_counter() - t0
    status = {10: "SAT", 20: "UNSAT", 0: "UNKNOWN"}.get(r.returncode, "ERROR")
    model_ok = None
    if status == "SAT":
        model = [int(x) for line in r.stdout.splitlines() if line.startswith("v ")
                 for x in line.split()[1:] if x != "0"]
        model_ok = _model_ok(read_dimacs(path), model)
    return dict(status=status, time=seconds, read=0.0, load=0.0, conflicts=None,
                propagations=None, mem_mb=None, model_ok=model_ok,
                error=r.stderr[-300:] if status == "ERROR" else None)


def _solve_one(solver, path, limit):
    """Load the formula into a fresh solver, then solve within `limit`
    seconds; reading the file and the load (for PySAT: Python lists into
    C++) are timed apart."""
    import threading
    from optsolve.sat import read_dimacs
    if solver == "optsolve-cli":
        return _solve_cli(path, limit)
    t_read = time.perf_counter()
    cnf = read_dimacs(path)
    t_read = time.perf_counter() - t_read
    base_rss = _rss_kib("VmRSS")
    _reset_peak()
    t0 = time.perf_counter()
    if solver.split("+")[0] == "optsolve":
        from optsolve.sat import Solver
        s = Solver(time_limit=limit, options=_optsolve_options(solver))
        s.append_formula(cnf)
        t1 = time.perf_counter()
        answer = s.solve_limited()
        t2 = time.perf_counter()
        stats = s.accum_stats()
    else:
        from pysat.solvers import Solver as PySolver
        s = PySolver(name=solver)
        s.append_formula(cnf.clauses)
        t1 = time.perf_counter()

        def interrupt():
            try:
                s.interrupt()
            except NotImplementedError:  # the driver kills the worker instead
                pass

        timer = threading.Timer(limit, interrupt)
        timer.start()
        try:
            answer = s.solve_limited(expect_interrupt=True)
        except NotImplementedError:  # no limited solving: plain solve
            answer = s.solve()
        t2 = time.perf_counter()
        timer.cancel()
        try:
            stats = s.accum_stats() or {}
        except NotImplementedError:  # Kissat in PySAT exposes none
            stats = {}
    model = s.get_model() if answer else None
    peak = _rss_kib("VmHWM")
    s.delete()
    status = {True: "SAT", False: "UNSAT", None: "UNKNOWN"}[answer]
    if status != "UNKNOWN" and t2 - t1 > limit:
        status = "UNKNOWN"  # finished just after the limit: not counted
    model_ok = None if model is None else _model_ok(cnf, model)
    return dict(status=status, time=t2 - t1, read=t_read, load=t1 - t0,
                conflicts=stats.get("conflicts"),
                propagations=stats.get("propagations"),
                mem_mb=max(0, peak - base_rss) / 1024.0, model_ok=model_ok)


def worker(solver):
    for line in sys.stdin:
        task = json.loads(line)
        try:
            out = _solve_one(solver, task["path"], task["limit"])
        except Exception as exc:  # report, keep serving
            out = dict(status="ERROR", error=repr(exc))
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    return 0


# -- driver side ---------------------------------------------------------------

class Worker:
    def __init__(self, solver):
        self.solver = solver
        self.proc = None

    def start(self):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sat", "--worker", self.solver],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
            cwd=str(RESULTS.parent.parent), preexec_fn=lambda: os.nice(5))

    def run(self, path, limit, grace=3.0):
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        self.proc.stdin.write(json.dumps({"path": str(path), "limit": limit}) + "\n")
        self.proc.stdin.flush()
        # parsing is not timed by the worker; allow for it, then kill
        ready, _, _ = select.select([self.proc.stdout], [], [], limit + grace + 30)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.stop()
            return dict(status="UNKNOWN", time=limit, load=None, conflicts=None,
                        propagations=None, mem_mb=None, model_ok=None, killed=True)
        return json.loads(line)

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def load_manifest(tier, families, split="all"):
    root = data_dir("sat")
    if tier == "app":
        root = root / "app"
    rows = []
    seen = defaultdict(int)
    with open(root / "manifest.csv") as f:
        for r in csv.DictReader(f):
            if tier != "all" and r["tier"] != tier:
                continue
            index = seen[r["family"]]
            seen[r["family"]] += 1
            held = index % 3 == 2
            if split != "all" and held != (split == "held"):
                continue
            if families and r["family"] not in families:
                continue
            rows.append(dict(path=root / r["path"], name=r["path"], family=r["family"],
                             tier=r["tier"], expected=r["expected"],
                             kissat_s=r.get("kissat_s")))
    return rows


def cactus(results, solvers, limit, path, title=None, dpi=110):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for s in solvers:
        times = sorted(r["time"] for r in results[s] if r["status"] in ("SAT", "UNSAT"))
        ax.plot(range(1, len(times) + 1), times, marker="o", markersize=3, label=s)
    ax.set_xlabel("instances solved")
    ax.set_ylabel("time per instance (s)")
    ax.set_yscale("log")
    ax.axhline(limit, color="grey", lw=0.8, ls="--")
    ax.set_title(title or "SAT: instances solved within a time (cactus plot)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench sat", description=__doc__.splitlines()[0])
    p.add_argument("--tier", choices=["main", "hard", "all", "app"], default="main")
    p.add_argument("--split", choices=["dev", "held", "all"], default="all",
                   help="every third instance of a family is held apart: "
                        "dev (the others), held, or all (default)")
    p.add_argument("--time-limit", type=float, default=10.0,
                   help="seconds per instance (default 10)")
    p.add_argument("--solvers", default=",".join(SOLVERS),
                   help=f"comma-separated subset of {','.join(SOLVERS)}")
    p.add_argument("--families", default="", help="comma-separated families (default all)")
    p.add_argument("--memory", action="store_true",
                   help="a fresh worker process per instance, so that peak "
                        "memory is measured (slower: one interpreter start per run)")
    p.add_argument("--figure", metavar="PATH",
                   help="also write the cactus plot here (small PNG, e.g. for the docs)")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return worker(args.worker)

    solvers = [s for s in args.solvers.split(",") if s]
    unknown = {s for s in solvers if s.split("+")[0] != "optsolve"} - set(SOLVERS)
    if unknown:
        p.error(f"unknown solvers {sorted(unknown)}")
    families = [f for f in args.families.split(",") if f]
    instances = load_manifest(args.tier, families, args.split)
    limit = args.time_limit
    print(machine_line())
    print(f"# {len(instances)} instances (tier {args.tier}, split {args.split}), {limit:g} s limit, "
          f"solvers: {', '.join(solvers)}")

    # instance by instance, every solver in turn, so that a load that comes
    # and goes on a shared machine hits all solvers alike
    results = {s: [] for s in solvers}
    spent = dict.fromkeys(solvers, 0.0)
    workers = {s: Worker(s) for s in solvers}
    rows = []
    wrong = 0
    for inst in instances:
        line = []
        for s in solvers:
            w = workers[s]
            t0 = time.perf_counter()
            r = w.run(inst["path"], limit)
            spent[s] += time.perf_counter() - t0
            if args.memory:
                w.stop()
            else:
                r["mem_mb"] = None
            r.update(solver=s, instance=inst["name"], family=inst["family"],
                     tier=inst["tier"], expected=inst["expected"])
            bad = (r["status"] in ("SAT", "UNSAT") and r["status"] != inst["expected"]) \
                or r.get("model_ok") is False or r["status"] == "ERROR"
            if bad:
                wrong += 1
                print(f"!! WRONG: {s} on {inst['name']}: {r}", file=sys.stderr)
            r["wrong"] = bad
            results[s].append(r)
            rows.append(r)
            line.append(f"{r['status'][:5]} {r['time']:.2f}")
        print(f"#   {inst['name']}: " + ", ".join(line), flush=True)
    for w in workers.values():
        w.stop()
    for s in solvers:
        solved = sum(r["status"] in ("SAT", "UNSAT") for r in results[s])
        print(f"#   {s:<11} {solved}/{len(instances)} solved in {spent[s]:.1f} s", flush=True)

    def par2(rs):
        return sum(r["time"] if r["status"] in ("SAT", "UNSAT") and not r["wrong"]
                   else 2 * limit for r in rs)

    fams = sorted({i["family"] for i in instances})
    cols = ["family", "n"] + [f"{s}" for s in solvers]
    has_anchor = "optsolve" in solvers and ANCHOR in solvers
    if has_anchor:
        cols.append("ours/minisat")
    if "optsolve" in solvers and "kissat404" in solvers:
        cols.append("ours/kissat")
    table = Table("sat", cols)
    for fam in fams + ["TOTAL"]:
        sel = {s: [r for r in results[s] if fam == "TOTAL" or r["family"] == fam]
               for s in solvers}
        row = {"family": fam, "n": len(sel[solvers[0]])}
        for s in solvers:
            row[s] = round(par2(sel[s]), 2)
        if has_anchor:
            row["ours/minisat"] = ratio(par2(sel["optsolve"]), par2(sel[ANCHOR]))
        if "ours/kissat" in cols:
            row["ours/kissat"] = ratio(par2(sel["optsolve"]), par2(sel["kissat404"]))
        table.add(**row)
    print(f"\nPAR-2 of solving time in seconds per family (unsolved = {2 * limit:g} s; "
          f"loading the formula is timed apart, 'load s' below); "
          f"ratios < 1 mean optsolve is faster")
    table.print()

    summary = Table("sat_summary", ["solver", "solved", "PAR-2", "load s", "conflicts",
                                    "props/s", "mem MB (median)", "mem MB (max)", "wrong"])
    for s in solvers:
        rs = results[s]
        done = [r for r in rs if r["status"] in ("SAT", "UNSAT")]
        confl = (sum(r["conflicts"] or 0 for r in done)
                 if any(r["conflicts"] is not None for r in done) else math.nan)
        props = sum(r["propagations"] or 0 for r in done)
        t = sum(r["time"] for r in done) or math.nan
        mems = sorted(r["mem_mb"] for r in rs if r.get("mem_mb") is not None)
        summary.add(solver=s, solved=len(done), **{
            "PAR-2": round(par2(rs), 2), "load s": round(sum(r.get("load") or 0 for r in rs), 2),
            "conflicts": confl,
            "props/s": props / t if props else math.nan,
            "mem MB (median)": mems[len(mems) // 2] if mems else math.nan,
            "mem MB (max)": mems[-1] if mems else math.nan,
            "wrong": sum(r["wrong"] for r in rs)})
    print()
    summary.print()
    if "optsolve" in solvers and "optsolve-cli" in solvers:
        # the command line against the same work in process: read, load, solve
        both = [(a, b) for a, b in zip(results["optsolve"], results["optsolve-cli"])
                if a["status"] in ("SAT", "UNSAT") and b["status"] in ("SAT", "UNSAT")]
        inproc = sum(a["time"] + a["load"] + a["read"] for a, _ in both)
        cli = sum(b["time"] for _, b in both)
        print(f"\nend to end: optsolve-cli {cli:.2f} s against read + load + solve in "
              f"process {inproc:.2f} s on the {len(both)} instances both solved: "
              f"{ratio(cli, inproc):.3f}x")
    table.save_csv()
    summary.save_csv()
    RESULTS.mkdir(parents=True, exist_ok=True)
    keys = ["solver", "instance", "family", "tier", "expected", "status", "time", "read", "load",
            "conflicts", "propagations", "mem_mb", "model_ok", "wrong"]
    with open(RESULTS / "sat_instances.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    png = figure_path("sat_cactus")
    cactus(results, solvers, limit, png)
    if args.figure:
        os.makedirs(os.path.dirname(os.path.abspath(args.figure)), exist_ok=True)
        n = len(instances)
        cactus(results, solvers, limit, args.figure, dpi=80,
               title=f"SAT, {args.tier} tier ({n} instances, {limit:g} s limit)")
        print(f"wrote {args.figure}")
    print(f"\nwrote {RESULTS / 'sat.csv'}, {RESULTS / 'sat_instances.csv'}, {png}")
    if wrong:
        print(f"{wrong} WRONG ANSWERS", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
