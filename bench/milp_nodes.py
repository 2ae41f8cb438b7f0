"""MILP node cost: pure branch and bound, ours against SCIP's, per node.

``python -m bench milp_nodes [--split dev|held|all] [--instances A,B]
[--generated N] [--node-limit N] [--time-limit S] [--no-scip]``

Both solvers run as pure branch and bound with reliability pseudocost
branching: ours with presolve, cuts, node propagation, sub-MIPs and the
other heuristics off; SCIP with presolve, separation, heuristics,
propagation, conflict analysis and restarts off (as ``scip-bb`` in
``bench milp``). Each stops at the node limit or the time limit. Reported
per instance: nodes, milliseconds per node, and for ours the split of a
node's time between HiGHS's LP solves (node LPs and strong branching:
``lp_time``) and our own Python (the rest); then the shifted geometric
means (shift 1 ms) and the ratio ours/SCIP.

MIPLIB 3 instances come from ``../shared/data/milp/miplib3``; every third
by name is held apart (``--split held``), the others are the ``dev`` split
that tuning may look at. ``--generated N`` adds N seeds of the four
learn2branch classes (small sizes, as ``bench milp``).
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time

from bench._harness import Table, machine_line, ratio
from bench.milp import (generated_instances, miplib_instances, run_scip,
                        shifted_geomean, split_names, warm_up)

#: ours as pure branch and bound: nothing but LPs, branching and the tree
PURE = dict(cuts=False, presolve=False, submip=False, propagation=False,
            heuristics=False)


def run_ours(path, node_limit, tl, **options):
    from optsolve.milp import read_mps
    p = read_mps(path)
    t0 = time.perf_counter()
    r = p.solve(branching="relpscost", node_limit=node_limit, time_limit=tl,
                mip_rel_gap=1e-4, **{**PURE, **options})
    t = time.perf_counter() - t0
    return dict(nodes=r.nodes, time=t, lp_time=r.lp_time,
                lp_iters=r.lp_iterations, sb_iters=r.sb_lp_iterations,
                status="optimal" if r.status == 0 else "limit")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench milp_nodes",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=["dev", "held", "all"])
    ap.add_argument("--instances", default="",
                    help="comma-separated MIPLIB 3 names (overrides --split)")
    ap.add_argument("--generated", type=int, default=0,
                    help="seeds of the four generated classes (default 0)")
    ap.add_argument("--node-limit", type=int, default=2000)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--no-scip", action="store_true")
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    print(machine_line())
    warm_up()
    names = [n for n in args.instances.split(",") if n] or split_names(args.split)
    insts = [(name, path) for name, _, path, _ in miplib_instances(names)]
    if args.generated:
        tmp = tempfile.mkdtemp(prefix="bench_milp_nodes_")
        insts += [(name, path) for name, _, path, _ in
                  generated_instances("small", args.generated, tmp)]
    table = Table(f"milp_nodes{args.tag}",
                  ["instance", "nodes", "ms_per_node", "lp_ms_per_node",
                   "own_ms_per_node", "scip_nodes", "scip_ms_per_node",
                   "ratio_ms_per_node"])
    per, lp_per, own_per, scip_per = [], [], [], []
    for name, path in insts:
        o = run_ours(path, args.node_limit, args.time_limit)
        n = max(1, o["nodes"])
        row = dict(instance=name, nodes=o["nodes"], ms_per_node=1e3 * o["time"] / n,
                   lp_ms_per_node=1e3 * o["lp_time"] / n,
                   own_ms_per_node=1e3 * (o["time"] - o["lp_time"]) / n,
                   scip_nodes=math.nan, scip_ms_per_node=math.nan,
                   ratio_ms_per_node=math.nan)
        per.append(row["ms_per_node"])
        lp_per.append(row["lp_ms_per_node"])
        own_per.append(row["own_ms_per_node"])
        if not args.no_scip:
            s = run_scip(path, args.time_limit, pure_rule="relpscost",
                         node_limit=args.node_limit)
            sn = max(1, s["nodes"])
            row.update(scip_nodes=s["nodes"], scip_ms_per_node=1e3 * s["time"] / sn,
                       ratio_ms_per_node=ratio(row["ms_per_node"],
                                               1e3 * s["time"] / sn))
            scip_per.append(row["scip_ms_per_node"])
        table.add(**row)
        print(f"  {name}: ours {o['nodes']}n {row['ms_per_node']:.3f} ms/node "
              f"(LP {row['lp_ms_per_node']:.3f}, own {row['own_ms_per_node']:.3f})"
              + ("" if args.no_scip else
                 f", scip {row['scip_nodes']}n {row['scip_ms_per_node']:.3f} ms/node"),
              flush=True)
    print()
    table.print()
    table.save_csv()
    sgm = lambda v: shifted_geomean(v, 1.0)  # noqa: E731
    print(f"\nshifted geometric means (shift 1 ms), {len(insts)} instances: "
          f"ours {sgm(per):.3f} ms/node (HiGHS LP {sgm(lp_per):.3f}, own "
          f"{sgm(own_per):.3f})" + ("" if args.no_scip else
                                    f", SCIP {sgm(scip_per):.3f} ms/node, "
                                    f"ratio {sgm(per) / sgm(scip_per):.2f}"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
