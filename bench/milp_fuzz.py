"""Differential MILP fuzz with random options against scipy.optimize.milp.

``python -m bench milp_fuzz --cases 10000 --seed 1`` solves that many small
random MILPs (degenerate shapes included) with ``optsolve.milp`` under random
options and with scipy (HiGHS); exhaustive enumeration or SCIP (pyscipopt)
decides when the two disagree. Cases run in child processes, ``--batch`` per
child: a crash (segfault, abort) names its case, a case silent for
``--case-timeout`` seconds is a hang (ours, or scipy's apart), and the run
goes on. Prints
the cases, the outcomes by kind, every disagreement, hang and crash with the
command that replays it, scipy's wrong answers, and the time per 1000 cases.
Exit status 1 when a disagreement, a hang or a crash was found.

``--case I`` replays case ``I`` of ``--seed`` in this process, verbosely.
The generator, the checks and the judge are ``tests/milp/_fuzz.py``, shared
with the small version the tests run.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# outcomes that are our defects
_BAD = ("disagree", "hang", "crash")
_FUZZ = Path(__file__).resolve().parent.parent / "tests" / "milp" / "_fuzz.py"


def _load():
    spec = importlib.util.spec_from_file_location("optsolve_milp_fuzz", _FUZZ)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _replay(F, seed, index):
    from scipy.optimize import milp as scipy_milp

    import optsolve
    case, kind, options = F.case_for(seed, index)
    print(f"case {index} of seed {seed} ({kind})")
    print("  problem:", json.dumps(case))
    print("  options:", options)
    args = F.milp_args(case)
    res = optsolve.milp(**args, options=dict(options, disp=2))
    ref = scipy_milp(**args, options={"mip_rel_gap": 0, "time_limit": 20,
                                      "node_limit": F.NODE_LIMIT})
    print(f"  ours : status {res.status} fun {res.fun} x {res.x}")
    print(f"  scipy: status {ref.status} fun {ref.fun} x {ref.x}")
    print(f"  enumeration: {F.enumerate_case(case)}  SCIP: {F.scip_case(case)}")
    outcome, detail = F.judge(case, res, ref)
    print(f"  outcome: {outcome} {detail}")
    return 0 if outcome not in _BAD else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench milp_fuzz",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=1000, help="number of cases")
    ap.add_argument("--seed", type=int, default=1, help="run seed")
    ap.add_argument("--first", type=int, default=0, help="first case number")
    ap.add_argument("--batch", type=int, default=250,
                    help="cases per child process")
    ap.add_argument("--jobs", type=int, default=1,
                    help="child processes at once (use only with idle cores)")
    ap.add_argument("--case-timeout", type=float, default=300,
                    help="seconds without an answer before a case is a hang")
    ap.add_argument("--out", default=None,
                    help="write one JSON line per case to this file")
    ap.add_argument("--case", type=int, default=None,
                    help="replay this case of --seed here, verbosely")
    args = ap.parse_args(argv)
    for name in ("cases", "batch", "jobs"):
        if getattr(args, name) < 1:
            ap.error(f"--{name} must be at least 1")
    if args.first < 0:
        ap.error("--first must be non-negative")
    F = _load()
    if args.case is not None:
        return _replay(F, args.seed, args.case)

    print(f"milp fuzz: {args.cases} cases from {args.first}, seed {args.seed}, "
          f"{args.batch} per child, {args.jobs} at once", flush=True)
    lock = threading.Lock()
    done = [0]
    t0 = time.perf_counter()
    out = open(args.out, "w") if args.out else None

    def on_result(r):
        with lock:
            done[0] += 1
            if out is not None:
                out.write(json.dumps(r) + "\n")
            if r["outcome"] in _BAD:
                print(f"  {r['outcome'].upper()} case {r['index']}: "
                      f"{r['detail'][:500]}", flush=True)
            if done[0] % 1000 == 0:
                dt = time.perf_counter() - t0
                print(f"  {done[0]} cases, {dt:.0f} s", flush=True)

    # disjoint ranges of cases, one per job
    step = -(-args.cases // args.jobs)
    end = args.first + args.cases
    ranges = [(k, min(step, end - k)) for k in range(args.first, end, step)]
    with ThreadPoolExecutor(args.jobs) as pool:
        parts = list(pool.map(lambda r: F.run(
            r[1], args.seed, batch=args.batch, on_result=on_result, first=r[0],
            case_timeout=args.case_timeout), ranges))
    if out is not None:
        out.close()
    results = sorted((r for part in parts for r in part), key=lambda r: r["index"])
    elapsed = time.perf_counter() - t0

    outcomes = ("ok", "scipy-undecided", "scipy-wrong", "scipy-hang", "limit",
                "disagree", "hang", "crash")
    table = collections.defaultdict(collections.Counter)
    for r in results:
        table[r["kind"]][r["outcome"]] += 1
        table["all"][r["outcome"]] += 1
    print()
    print(f"{'kind':<16}" + "".join(f"{o:>17}" for o in outcomes))
    for kind in sorted(k for k in table if k != "all") + ["all"]:
        print(f"{kind:<16}" + "".join(f"{table[kind][o]:>17}" for o in outcomes))
    statuses = collections.Counter(r.get("status") for r in results
                                   if "status" in r)
    print("our statuses:", dict(sorted(statuses.items())))
    for what in ("scipy-wrong", "scipy-hang", "limit") + _BAD:
        rows = [r for r in results if r["outcome"] == what]
        if rows:
            print(f"\n{what} ({len(rows)}):")
        for r in rows:
            print(f"  case {r['index']} ({r['kind']}): {r['detail'][:300]}")
            if what in _BAD:
                print(f"    replay: python -m bench milp_fuzz --seed {args.seed} "
                      f"--case {r['index']}")
    n = len(results)
    print(f"\n{n} cases in {elapsed:.1f} s: {1000 * elapsed / max(n, 1):.1f} s "
          f"per 1000 cases ({args.jobs} at once); disagreements "
          f"{table['all']['disagree']}, crashes {table['all']['crash']}, "
          f"hangs {table['all']['hang']}")
    return 1 if any(table["all"][b] for b in _BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
