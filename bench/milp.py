"""MILP branch and bound: optsolve.milp vs HiGHS MIP and SCIP (pyscipopt).

``python -m bench milp [--set miplib|generated|all] [--instances A,B] [--size small|paper]
[--seeds N] [--rules relpscost,...] [--time-limit S] [--no-scip] [--no-highs]
[--only-ours] [--nocuts-too] [--pure-too] [--solvers ours,highs,...]
[--options name=value,...]``; ``--instances dev`` or ``held``: the MIPLIB 3
split (every third instance by name held apart, never tuned on)

Every instance is solved in the same run by

* ``ours/<rule>``: optsolve.milp with each requested branching rule and
  default options (presolve, root cuts, node propagation, RENS/RINS);
  ``ours-nocuts/<rule>`` with ``--nocuts-too``: the same with
  ``cuts=False``; ``ours-bb/<rule>`` with ``--pure-too``: pure branch and
  bound (presolve, cuts, sub-MIPs and propagation off; rounding and diving
  stay);
* ``highs``: HiGHS MIP defaults (presolve, cuts, heuristics, 1 thread);
* ``highs-bb``: HiGHS with presolve off and heuristic effort 0 (HiGHS has no
  switch for its cuts, so this is the closest it gets to plain B&B);
* ``scip``: SCIP defaults;
* ``scip-bb/<rule>``: SCIP as pure branch and bound (presolve, separation,
  heuristics, propagation, conflict analysis and restarts off), branching
  forced to the same rule -- the like-for-like anchor for node counts.

All with the same time limit and relative gap (1e-4). MIPLIB 3 instances
come from ``../shared/data/milp/miplib3`` (objective checked against the
manifest optimum); generated ones are the four learn2branch classes from
:mod:`optsolve.milp.generators` (``--size paper``: set cover 500x1000,
auctions 100x500, facility location 100x100, independent set 500 nodes;
``small``, the default: half those sizes, quarter for facilities), written
to a temporary MPS file that every solver reads. Reported per run: status,
objective, agreement, nodes, LP iterations (ours: node LPs + strong
branching + diving), wall time, time per node, gap; then per solver the
solved count and shifted geometric means (nodes shift 10, time shift 1 s),
and ratios ours/anchor. CSV and PNG go to bench/results/.
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import tempfile
import time

from bench._harness import Table, data_dir, figure_path, machine_line, ratio

DEFAULT_MIPLIB = ["egout", "flugpl", "rgn", "mod008", "p0201", "stein27",
                  "enigma", "p0282"]
RULES_DEFAULT = ["relpscost"]
GAP = 1e-4


def shifted_geomean(values, shift):
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return math.nan
    return math.exp(sum(math.log(v + shift) for v in vals) / len(vals)) - shift


def generated_instances(size, seeds, tmp):
    from optsolve.milp import generators as g
    if size == "paper":
        specs = {"setcover": (g.set_cover, (500, 1000, 0.05)),
                 "cauctions": (g.combinatorial_auction, (100, 500)),
                 "facilities": (g.capacitated_facility_location, (100, 100)),
                 "indset": (g.independent_set, (500, 4))}
    else:
        specs = {"setcover": (g.set_cover, (250, 500, 0.05)),
                 "cauctions": (g.combinatorial_auction, (50, 250)),
                 "facilities": (g.capacitated_facility_location, (25, 25)),
                 "indset": (g.independent_set, (250, 4))}
    out = []
    for fam, (make, args) in specs.items():
        for seed in range(seeds):
            p = make(*args, seed=seed)
            path = os.path.join(tmp, f"{fam}_{seed}.mps")
            p.write_mps(path)
            out.append((f"{fam}-{seed}", fam, path, None))
    return out


def split_names(split):
    """MIPLIB 3 names of a split: every third by name is held apart
    (``held``), never looked at while tuning; the others are ``dev``."""
    d = data_dir("milp/miplib3")
    names = sorted(r["name"] for r in csv.DictReader(open(d / "manifest.csv")))
    if split == "all":
        return names
    return [n for i, n in enumerate(names) if (i % 3 == 2) == (split == "held")]


def option_values(text):
    """``k=v,k=v`` -> options of ours (values read as Python literals, else
    strings)."""
    import ast
    out = {}
    for item in filter(None, text.split(",")):
        k, sep, v = item.partition("=")
        if not sep:
            sys.exit(f"bench milp: --options wants name=value, got {item!r}")
        try:
            out[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            out[k] = v
    return out


def miplib_instances(names):
    d = data_dir("milp/miplib3")
    man = {r["name"]: r for r in csv.DictReader(open(d / "manifest.csv"))}
    out = []
    for n in names:
        if n not in man:
            sys.exit(f"bench milp: unknown MIPLIB instance {n!r}")
        out.append((n, "miplib3", str(d / man[n]["file"]),
                    float(man[n]["optimal_objective"])))
    return out


#: ours as pure branch and bound (the like-for-like run against scip-bb): no
#: presolve, cuts, sub-MIPs or node propagation; rounding and diving stay
PURE = dict(cuts=False, presolve=False, submip=False, propagation=False)


def run_ours(path, rule, tl, **options):
    from optsolve.milp import read_mps
    t0 = time.perf_counter()
    try:
        p = read_mps(path)
        t0 = time.perf_counter()
        r = p.solve(branching=rule, time_limit=tl, mip_rel_gap=GAP, **options)
    except Exception as e:  # a crash is a result of the sweep, not its end
        print(f"    ours/{rule} on {os.path.basename(path)}: "
              f"{type(e).__name__}: {e}", flush=True)
        return dict(status="error", obj=None, nodes=0, lp_iters=0, sb_iters=None,
                    time=time.perf_counter() - t0, gap=None)
    t = time.perf_counter() - t0
    return dict(status={0: "optimal", 1: "limit"}.get(r.status, str(r.status)),
                obj=r.fun, nodes=r.nodes,
                lp_iters=r.lp_iterations + r.heuristic_lp_iterations,
                sb_iters=r.sb_lp_iterations, time=t, gap=r.mip_gap,
                lp_time=r.lp_time)


def run_highs(path, tl, plain):
    import highspy
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(path)
    h.setOptionValue("time_limit", float(tl))
    h.setOptionValue("mip_rel_gap", GAP)
    h.setOptionValue("threads", 1)
    if plain:
        h.setOptionValue("presolve", "off")
        h.setOptionValue("mip_heuristic_effort", 0.0)
    t0 = time.perf_counter()
    h.run()
    t = time.perf_counter() - t0
    info = h.getInfo()
    st = h.getModelStatus()
    ok = st == highspy.HighsModelStatus.kOptimal
    has = info.primal_solution_status == 2
    return dict(status="optimal" if ok else "limit", obj=info.objective_function_value
                if has else None, nodes=int(info.mip_node_count),
                lp_iters=int(info.simplex_iteration_count), sb_iters=None, time=t,
                gap=info.mip_gap)


def run_scip(path, tl, pure_rule=None, node_limit=None):
    from pyscipopt import SCIP_PARAMSETTING, Model
    m = Model()
    m.hideOutput()
    m.readProblem(path)
    m.setRealParam("limits/time", float(tl))
    if node_limit is not None:
        m.setLongintParam("limits/nodes", int(node_limit))
    m.setRealParam("limits/gap", GAP)
    if pure_rule:
        m.setPresolve(SCIP_PARAMSETTING.OFF)
        m.setHeuristics(SCIP_PARAMSETTING.OFF)
        m.setSeparating(SCIP_PARAMSETTING.OFF)
        m.disablePropagation()
        m.setBoolParam("conflict/enable", False)
        m.setIntParam("presolving/maxrestarts", 0)
        m.setIntParam(f"branching/{pure_rule}/priority", 10_000_000)
    t0 = time.perf_counter()
    m.optimize()
    t = time.perf_counter() - t0
    st = m.getStatus()
    has = m.getNSols() > 0
    return dict(status="optimal" if st in ("optimal", "gaplimit") else "limit",
                obj=m.getObjVal() if has else None, nodes=m.getNNodes(),
                lp_iters=m.getNLPIterations(),
                sb_iters=m.getNStrongbranchLPIterations(), time=t, gap=m.getGap())


def warm_vs_cold(n_changes=20):
    """Median simplex iterations and time of a child re-solve after one bound
    change: warm in the search's HiGHS object vs a cold solve of the child."""
    import statistics

    import numpy as np

    from optsolve.milp.generators import set_cover
    from optsolve.milp.lp import LPRelaxation
    p = set_cover(500, 1000, 0.05, seed=0)
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
    lp.solve()
    x = lp.primal()
    basis = lp.get_basis()
    frac = np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6))[:n_changes]
    warm_it, warm_t, cold_it, cold_t = [], [], [], []
    for j in frac:
        lp.set_col_bounds(j, 0.0, 0.0)
        before = lp.iterations
        t0 = time.perf_counter()
        lp.solve()
        warm_t.append(time.perf_counter() - t0)
        warm_it.append(lp.iterations - before)
        lp.set_col_bounds(j, 0.0, 1.0)
        lp.set_basis(basis)
        ub = p.ub.copy()
        ub[j] = 0.0
        cold = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, ub)
        t0 = time.perf_counter()
        cold.solve()
        cold_t.append(time.perf_counter() - t0)
        cold_it.append(cold.iterations)
    med = statistics.median
    return dict(warm_iters=med(warm_it), warm_ms=1000 * med(warm_t),
                cold_iters=med(cold_it), cold_ms=1000 * med(cold_t), n=len(frac))


def warm_up():
    """Load the Numba kernels (node propagation) once, so that their
    first-call compile or cache load is not charged to the first instance."""
    import numpy as np

    from optsolve.milp.propagation import Propagator
    t0 = time.perf_counter()
    prop = Propagator(np.ones((1, 2)), np.array([-np.inf]), np.array([1.0]),
                      np.ones(2, bool))
    prop.propagate_from(np.array([1.0, 0.0]), np.ones(2), [0])
    print(f"warm-up (Numba kernels loaded): {time.perf_counter() - t0:.2f} s")


def run_all(job):
    """Every solver on one instance (one worker when running in parallel)."""
    path, rules, tl, solvers, opts = job
    runs = {}
    for rule in rules:
        if "ours" in solvers:
            runs[f"ours/{rule}"] = run_ours(path, rule, tl, **opts)
        if "ours-nocuts" in solvers:
            runs[f"ours-nocuts/{rule}"] = run_ours(path, rule, tl,
                                                   **{**opts, "cuts": False})
        if "ours-bb" in solvers:
            runs[f"ours-bb/{rule}"] = run_ours(path, rule, tl, **{**opts, **PURE})
    if "highs" in solvers:
        runs["highs"] = run_highs(path, tl, plain=False)
    if "highs-bb" in solvers:
        runs["highs-bb"] = run_highs(path, tl, plain=True)
    if "scip" in solvers:
        runs["scip"] = run_scip(path, tl)
    if "scip-bb" in solvers:
        for rule in rules:
            runs[f"scip-bb/{rule}"] = run_scip(path, tl, pure_rule=rule)
    return runs


SOLVERS = ("ours", "ours-nocuts", "ours-bb", "highs", "highs-bb", "scip", "scip-bb")


def solver_set(args):
    """The solvers to run, from --solvers or from the switches."""
    if args.solvers:
        chosen = [s for s in args.solvers.split(",") if s]
        bad = sorted(set(chosen) - set(SOLVERS))
        if bad:
            sys.exit(f"bench milp: unknown solvers {bad}; known: {', '.join(SOLVERS)}")
        return set(chosen)
    chosen = {"ours"}
    if args.nocuts_too:
        chosen.add("ours-nocuts")
    if args.pure_too:
        chosen.add("ours-bb")
    if not args.no_highs:
        chosen |= {"highs", "highs-bb"}
    if not args.no_scip:
        chosen |= {"scip", "scip-bb"}
    return chosen


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench milp", description=__doc__.split("\n")[0])
    ap.add_argument("--set", default="all", choices=["miplib", "generated", "all"])
    ap.add_argument("--instances", default=",".join(DEFAULT_MIPLIB),
                    help="comma-separated MIPLIB 3 names, or 'all' (the manifest), "
                         "'dev' or 'held' (every third by name is held apart)")
    ap.add_argument("--options", default="",
                    help="options of ours, name=value,... (e.g. "
                         "node_selection=best-estimate)")
    ap.add_argument("--size", default="small", choices=["small", "paper"])
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--rules", default=",".join(RULES_DEFAULT))
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--no-scip", action="store_true")
    ap.add_argument("--no-highs", action="store_true")
    ap.add_argument("--only-ours", action="store_true",
                    help="no anchors (same as --no-scip --no-highs) and no "
                         "warm-start measurement")
    ap.add_argument("--nocuts-too", action="store_true",
                    help="also run ours with root cuts off (ours-nocuts/<rule>)")
    ap.add_argument("--pure-too", action="store_true",
                    help="also run ours as pure branch and bound (ours-bb/<rule>: "
                         "no presolve, cuts, sub-MIPs, propagation)")
    ap.add_argument("--solvers", default="",
                    help="comma-separated subset of " + ",".join(SOLVERS)
                         + " (overrides the switches above)")
    ap.add_argument("--tag", default="", help="suffix of the CSV/PNG names")
    ap.add_argument("--jobs", type=int, default=1,
                    help="instances solved in parallel (one process each; "
                         "use only with idle cores)")
    args = ap.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    tl = args.time_limit
    if args.only_ours:
        args.no_scip = args.no_highs = True
    print(machine_line())
    warm_up()
    if not args.only_ours:
        w = warm_vs_cold()
        print(f"warm start, set cover 500x1000, one bound change ({w['n']} columns, "
              f"medians): warm {w['warm_iters']:.0f} iterations {w['warm_ms']:.1f} ms, "
              f"cold {w['cold_iters']:.0f} iterations {w['cold_ms']:.1f} ms")
    tmp = tempfile.mkdtemp(prefix="bench_milp_")
    insts = []
    if args.set in ("miplib", "all"):
        names = [n for n in args.instances.split(",") if n]
        if names in (["all"], ["dev"], ["held"]):
            names = split_names(names[0])
        insts += miplib_instances(names)
    if args.set in ("generated", "all"):
        insts += generated_instances(args.size, args.seeds, tmp)

    cols = ["instance", "family", "solver", "status", "objective", "agree",
            "nodes", "lp_iters", "sb_iters", "time_s", "ms_per_node",
            "own_ms_per_node", "gap"]
    table = Table(f"milp{args.tag}", cols)
    results = {}
    solvers = solver_set(args)
    opts = option_values(args.options)
    jobs = [(path, rules, tl, solvers, opts) for _, _, path, _ in insts]
    if args.jobs > 1:
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(args.jobs) as pool:
            all_runs = list(pool.map(run_all, jobs))
    else:
        all_runs = []
        for (name, *_), j in zip(insts, jobs):
            all_runs.append(run_all(j))
            print(f"  ({name} done: " + ", ".join(
                f"{s} {r['status']} {r['nodes']}n {r['time']:.2f}s"
                for s, r in all_runs[-1].items()) + ")", flush=True)
    for (name, fam, path, opt), runs in zip(insts, all_runs):
        ref = opt
        if ref is None:  # generated: the best proven optimum among anchors
            proven = [r["obj"] for s, r in runs.items()
                      if not s.startswith("ours") and r["status"] == "optimal"]
            ref = proven[0] if proven else None
        for solver, r in runs.items():
            agree = "-"   # only a run that claims optimality can disagree
            if r["obj"] is not None and ref is not None and r["status"] == "optimal":
                agree = "yes" if abs(r["obj"] - ref) <= GAP * abs(ref) + 1e-6 else "NO"
            r["agree"] = agree
            r["solved"] = r["status"] == "optimal" and agree != "NO"
            table.add(instance=name, family=fam, solver=solver, status=r["status"],
                      objective=r["obj"] if r["obj"] is not None else math.nan,
                      agree=agree, nodes=r["nodes"], lp_iters=r["lp_iters"],
                      sb_iters=r["sb_iters"] if r["sb_iters"] is not None else math.nan,
                      time_s=r["time"],
                      ms_per_node=1000 * r["time"] / max(1, r["nodes"]),
                      # ours only: the time outside HiGHS's LP solves
                      own_ms_per_node=(1000 * (r["time"] - r["lp_time"])
                                       / max(1, r["nodes"]) if "lp_time" in r
                                       else math.nan),
                      gap=r["gap"] if r["gap"] is not None else math.nan)
            results.setdefault(solver, []).append((name, r))
        print(f"  {name}: " + ", ".join(f"{s} {r['status']} {r['nodes']}n {r['time']:.2f}s"
                                       for s, r in runs.items()), flush=True)
    print()
    table.print()
    table.save_csv()

    # summary: shifted geometric means and ratios against the anchors
    summary = Table(f"milp_summary{args.tag}",
                    ["solver", "solved", "of", "sgm_nodes", "sgm_time_s",
                     "sgm_ms_per_node", "nodes_ratio_vs_scip_bb", "time_ratio_vs_highs"])
    names = [n for n, *_ in insts]

    def by(solver):
        return dict(results.get(solver, []))

    for solver in results:
        rs = by(solver)
        nodes = [rs[n]["nodes"] for n in names if n in rs]
        times = [rs[n]["time"] for n in names if n in rs]
        per = [1000 * rs[n]["time"] / max(1, rs[n]["nodes"]) for n in names if n in rs]
        rule = solver.split("/")[-1]
        anchor = by(f"scip-bb/{rule}") if solver.startswith("ours") else {}
        hi = by("highs") if solver.startswith("ours") else {}
        nr = [ratio(rs[n]["nodes"], anchor[n]["nodes"]) for n in names
              if n in anchor and rs[n]["solved"] and anchor[n]["solved"]]
        tr = [ratio(rs[n]["time"], hi[n]["time"]) for n in names
              if n in hi and rs[n]["solved"] and hi[n]["solved"]]
        gm = (lambda v: math.exp(sum(math.log(x) for x in v if x > 0) / len(v))
              if v else math.nan)
        summary.add(solver=solver, solved=sum(rs[n]["solved"] for n in names if n in rs),
                    of=len(rs), sgm_nodes=shifted_geomean(nodes, 10),
                    sgm_time_s=shifted_geomean(times, 1.0),
                    sgm_ms_per_node=shifted_geomean(per, 1.0),
                    nodes_ratio_vs_scip_bb=gm(nr), time_ratio_vs_highs=gm(tr))
    print()
    summary.print()
    summary.save_csv()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        solvers = list(results)
        fig, axes = plt.subplots(1, 2, figsize=(max(8, len(names) * 0.9), 4.5))
        w = 0.8 / max(1, len(solvers))
        for k, s in enumerate(solvers):
            rs = by(s)
            xs = [i + k * w for i, n in enumerate(names) if n in rs]
            axes[0].bar(xs, [max(1, rs[n]["nodes"]) for n in names if n in rs], w, label=s)
            axes[1].bar(xs, [max(1e-3, rs[n]["time"]) for n in names if n in rs], w, label=s)
        for ax, lab in zip(axes, ("nodes", f"wall time (s), limit {tl:g}")):
            ax.set_yscale("log")
            ax.set_ylabel(lab)
            ax.set_xticks([i + 0.4 for i in range(len(names))])
            ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
        axes[0].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(figure_path(f"milp{args.tag}"), dpi=110)
        plt.close(fig)
    except ImportError:  # pragma: no cover
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
