"""Root cutting planes: root gap closed per separator family, against SCIP.

``python -m bench milp_cuts [--instances A,B|all] [--split dev|held|all]
[--families gomory,all,...] [--rounds R] [--no-scip] [--nodes N]
[--solve-time T] [--check]``

``--split``: every third instance of the manifest in name order (the third,
sixth, ...) is held apart and never looked at while tuning; ``dev`` takes
the others, ``held`` those, ``all`` both (the summary then reports each
split apart).

For each MIPLIB 3 instance of ``../shared/data/milp/miplib3`` (manifest
optima) the root LP of :class:`optsolve.milp.Problem` is solved in HiGHS and
:class:`optsolve.milp.cuts.RootSeparator` runs its rounds with each requested
family set (``gomory``: Gomory mixed-integer only; ``all``: every family,
the default; or a ``+``-joined list such as ``gomory+mir+cover``, the
default until December 2026; ``:R`` at the end of a set gives its number of
rounds, else ``--rounds``, 50 as ``milp``). Reported: the LP bound, the bound after the rounds, the
**root gap closed** ``(bound - LP) / (optimum - LP)`` against the original
problem's LP bound (``pre_closed``: by presolve alone; the cuts run on the
presolved problem, as in ``milp``, unless ``--no-presolve``), cuts kept, rounds,
and the separation / LP time. The anchor is SCIP's default root dual bound
(``getDualboundRoot`` with a node limit of 1, presolve and all separators
on) on the same file, expressed against the same LP bound; SCIP's presolve
also tightens the formulation, which counts in its favour.

With ``--nodes N`` each family set also runs :func:`optsolve.milp.milp`
with a node limit of ``N`` and reports LP iterations and milliseconds per
node after the root (the root is timed apart with a node limit of 1), to
show what the kept cut rows cost the node LPs; ``--solve-time T`` solves
with a time limit and reports status, nodes, time (per node: including the
root), final gap and whether the objective is within the solver's relative
gap (1e-4) of the manifest optimum.

``--check`` is a validity check on real data: every cut added at the root of
the original problem (all families, slack cuts included) is evaluated at
SCIP's optimal solution; a violation above ``1e-6 (1 + |rhs|)`` fails the
run (exit status 1). SCIP's root bound is
its final bound when it solves the instance at the root.
"""
from __future__ import annotations

import argparse
import csv
import math
import time

import numpy as np

from bench._harness import Table, data_dir, figure_path, machine_line

DEFAULT = ["pp08a", "fixnet6", "gesa2", "gesa2_o", "gesa3", "vpm1", "cap6000",
           "mitre", "qnet1_o", "p2756", "p0548", "mod010", "egout", "fiber",
           "dcmulti", "p0201", "p0282", "misc07", "rgn", "mod008"]


def _manifest():
    path = data_dir("milp/miplib3") / "manifest.csv"
    with open(path) as f:
        return {r["name"]: r for r in csv.DictReader(f)}


def _split_of(name, names):
    """``"held"`` for every third name of the sorted manifest, else ``"dev"``."""
    return "held" if sorted(names).index(name) % 3 == 2 else "dev"


def _instances(spec, split, man):
    """The instance names of ``--instances`` (``all``: the manifest) in the
    requested split."""
    names = sorted(man) if spec == "all" else [n for n in spec.split(",") if n]
    unknown = [n for n in names if n not in man]
    if unknown:
        raise SystemExit(f"milp_cuts: error: unknown instances {unknown}")
    return [n for n in names if split == "all" or _split_of(n, man) == split]


def _families(spec, rounds):
    """Families and rounds of a spec ``fam+fam[:R]`` (``all``: every
    family; ``:R`` overrides ``--rounds``)."""
    from optsolve.milp.cuts import RootSeparator
    spec, _, r = spec.partition(":")
    rounds = int(r) if r else rounds
    if spec == "all":
        return RootSeparator.FAMILIES, rounds
    return tuple(spec.split("+")), rounds


def _root(p, families, rounds, **kw):
    """LP bound, bound after cuts, separator (internal minimisation);
    ``kw`` goes to :class:`RootSeparator`."""
    from optsolve.milp.cuts import RootSeparator
    from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation
    s = 1.0 if p.sense == "minimize" else -1.0
    integ = p.is_integer
    lb, ub = p.lb.copy(), p.ub.copy()
    lb[integ] = np.ceil(lb[integ] - 1e-9)
    ub[integ] = np.floor(ub[integ] + 1e-9)
    lp = LPRelaxation(s * p.c, p.A, p.row_lower, p.row_upper, lb, ub)
    if lp.solve() != LP_OPTIMAL:
        return None
    if not families or not rounds:
        return lp.obj, lp.obj, None, 0.0
    sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, integ, rounds,
                        families=families, **kw)
    t0 = time.perf_counter()
    sep.run(lb, ub, LP_OPTIMAL)
    return sep.bounds[0], lp.obj, sep, time.perf_counter() - t0


def _scip_root(path, time_limit):
    try:
        from pyscipopt import Model
    except ImportError:
        return math.nan, math.nan
    m = Model()
    m.hideOutput()
    m.readProblem(str(path))
    m.setParam("limits/nodes", 1)
    m.setParam("limits/time", time_limit)
    m.setParam("parallel/maxnthreads", 1)
    t0 = time.perf_counter()
    m.optimize()
    bound = m.getDualboundRoot()
    if abs(bound) >= 1e19:        # solved at the root: the final bound
        bound = m.getDualbound()
    return bound, time.perf_counter() - t0


def _scip_solution(path, time_limit):
    """An optimal solution of the original problem from SCIP (columns in
    file order), or None."""
    from pyscipopt import Model
    m = Model()
    m.hideOutput()
    m.readProblem(str(path))
    m.setParam("limits/time", time_limit)
    m.optimize()
    if m.getStatus() != "optimal":
        return None
    sol = m.getBestSol()
    return {v.name: m.getSolVal(sol, v) for v in m.getVars()}


def _check(p, path, rounds, time_limit):
    """Largest violation, relative to 1 + |rhs|, of every cut ever added
    (no slack cut dropped) at SCIP's optimal solution; cuts checked."""
    from optsolve.milp.cuts import RootSeparator
    from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation
    vals = _scip_solution(path, time_limit)
    if vals is None:
        return math.nan, 0
    x = np.array([vals[name] for name in p.column_names()])
    s = 1.0 if p.sense == "minimize" else -1.0
    integ = p.is_integer
    lb, ub = p.lb.copy(), p.ub.copy()
    lb[integ] = np.ceil(lb[integ] - 1e-9)
    ub[integ] = np.floor(ub[integ] + 1e-9)
    x[integ] = np.round(x[integ])
    lp = LPRelaxation(s * p.c, p.A, p.row_lower, p.row_upper, lb, ub)
    if lp.solve() != LP_OPTIMAL:
        return math.nan, 0
    kept = []
    orig_add = lp.add_cuts

    def spy(cuts):
        kept.extend(cuts)
        orig_add(cuts)
    lp.add_cuts = spy
    sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, integ, rounds)
    sep.run(lb, ub, LP_OPTIMAL)
    worst = max([(c.rhs - c.activity(x)) / (1 + abs(c.rhs)) for c in kept],
                default=0.0)
    return worst, len(kept)


def _closed(bound, lpb, opt):
    """Fraction of the gap between the LP bound and the optimum closed by
    ``bound`` (any objective sense)."""
    den = opt - lpb
    if not math.isfinite(bound) or abs(den) <= 1e-9 * max(1.0, abs(opt)):
        return math.nan
    return max(0.0, min(1.0, (bound - lpb) / den))


def _solve(p, families, nodes=None, time_limit=None, rounds=10, **kw):
    """milp with ``rounds`` rounds of root cuts of ``families``: (LP
    iterations per node, ms per node, result). With a node limit the root
    (presolve, root LP, cuts) is timed apart with ``node_limit=1`` and left
    out of the per-node cost."""
    import optsolve.milp.search as search
    from optsolve.milp.cuts import RootSeparator
    orig = search.RootSeparator

    def forced(lp, A, rl, ru, integ, _rounds, **k):
        k.update(kw, families=families)   # not the search's own options
        return RootSeparator(lp, A, rl, ru, integ, rounds, **k)
    search.RootSeparator = forced
    try:
        t_root, it_root, n_root = 0.0, 0, 0
        if nodes:
            t0 = time.perf_counter()
            r1 = p.solve(node_limit=1, time_limit=time_limit)
            t_root = time.perf_counter() - t0
            it_root, n_root = r1.lp_iterations, r1.nodes
        t0 = time.perf_counter()
        res = p.solve(node_limit=nodes, time_limit=time_limit)
        wall = time.perf_counter() - t0
    finally:
        search.RootSeparator = orig
    n = max(1, res.nodes - n_root)
    return ((res.lp_iterations - it_root) / n,
            1e3 * max(0.0, wall - t_root) / n, res)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench milp_cuts",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--instances", default=",".join(DEFAULT),
                    help="comma-separated names, or all (the manifest)")
    ap.add_argument("--split", choices=["dev", "held", "all"], default="all",
                    help="every third instance by name is held apart: dev "
                         "(the others), held, or all (default)")
    ap.add_argument("--families", default="gomory,all",
                    help="comma-separated family sets: gomory, mir, cover, "
                         "clique, zerohalf, all, or +-joined lists; a set may "
                         "end with :R, its number of rounds")
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--budget-factor", type=float, default=None,
                    help="root cut loop budget: this many root LP times "
                         "(default: RootSeparator's)")
    ap.add_argument("--min-budget", type=float, default=None,
                    help="root cut loop budget in seconds at least")
    ap.add_argument("--stall-rounds", type=int, default=None)
    ap.add_argument("--no-scip", action="store_true")
    ap.add_argument("--no-presolve", action="store_true",
                    help="separate on the original problem, not the presolved one")
    ap.add_argument("--scip-time", type=float, default=60.0)
    ap.add_argument("--check", action="store_true",
                    help="only check validity: every cut added at the root "
                         "of the original problem against SCIP's optimal "
                         "solution")
    ap.add_argument("--nodes", type=int, default=0,
                    help="also run milp with this node limit per family set")
    ap.add_argument("--solve-time", type=float, default=0.0,
                    help="also solve with milp under this time limit per "
                         "family set (status, nodes, time, objective check)")
    args = ap.parse_args(argv)
    from optsolve.milp import read_mps
    man = _manifest()
    names = _instances(args.instances, args.split, man)
    if args.check:
        return _check_main(args, man, read_mps, names)
    specs = args.families.split(",")
    print(machine_line())
    sep_kw = {k: v for k, v in (("budget_factor", args.budget_factor),
                                ("min_budget", args.min_budget),
                                ("stall_rounds", args.stall_rounds))
              if v is not None}
    cols = ["instance", "split", "family", "lp", "pre_closed", "root", "closed", "scip_closed",
            "ratio", "cuts", "added", "rounds", "stop", "sep_s", "lp_s", "scip_s"]
    if args.nodes or args.solve_time:
        cols += ["iter_per_node", "ms_per_node", "nodes"]
    if args.solve_time:
        cols += ["status", "solve_s", "gap", "opt_ok"]
    table = Table("milp_cuts", cols)
    summary = {(s, sp_): [] for s in specs for sp_ in ("dev", "held")}
    scip_all = {"dev": [], "held": []}
    for name in names:
        split = _split_of(name, man)
        row = man[name]
        path = data_dir("milp/miplib3") / row["file"]
        p = read_mps(path)
        sgn = 1.0 if p.sense == "minimize" else -1.0
        opt = float(row["optimal_objective"])
        # the original LP bound is the common reference; the cuts run on the
        # presolved problem, as in milp (and SCIP's bound includes presolve)
        base = _root(p, (), 0)
        q = p
        if not args.no_presolve:
            from optsolve.milp.presolve import presolve
            q = presolve(p).problem or p
        scip_closed, scip_s = math.nan, math.nan
        if not args.no_scip:
            sb, scip_s = _scip_root(path, args.scip_time)
        if base is None:
            table.add(instance=name, family="-")
            continue
        lp0 = sgn * base[0] + p.offset
        for spec in specs:
            fam, rounds = _families(spec, args.rounds)
            out = _root(q, fam, rounds, **sep_kw)
            if out is None:
                table.add(instance=name, family=spec)
                continue
            lpb, bound, sep, wall = out
            pre_lp = sgn * lpb + q.offset
            root = sgn * bound + q.offset
            if not args.no_scip and spec == specs[0]:
                scip_closed = _closed(sb, lp0, opt)
                scip_all[split].append(scip_closed)
            closed = _closed(root, lp0, opt)
            summary[spec, split].append(closed)
            r = dict(instance=name, split=split, family=spec, lp=lp0,
                     pre_closed=_closed(pre_lp, lp0, opt), root=root,
                     closed=closed, scip_closed=scip_closed,
                     ratio=closed / scip_closed if scip_closed and
                     math.isfinite(scip_closed) and scip_closed > 0 else math.nan,
                     cuts=len(sep.cuts), added=sep.added,
                     rounds=len(sep.bounds) - 1, stop=sep.stop_reason,
                     sep_s=wall - sep.times["lp"], lp_s=sep.times["lp"],
                     scip_s=scip_s)
            if args.nodes or args.solve_time:
                t0 = time.perf_counter()
                ipn, mspn, res = _solve(p, fam, args.nodes or None,
                                        args.solve_time or None,
                                        rounds=rounds, **sep_kw)
                r.update(iter_per_node=ipn, ms_per_node=mspn,
                         nodes=res.nodes)
                if args.solve_time:
                    want = float(row["optimal_objective"])
                    # within the solver's relative gap (1e-4) of the optimum
                    r.update(status=res.status, solve_s=time.perf_counter() - t0,
                             gap=res.mip_gap,
                             opt_ok=res.x is not None and abs(res.fun - want)
                             <= 1e-4 * abs(want) + 1e-6)
            table.add(**r)
    table.print()
    print()
    for split in ("dev", "held"):
        for spec in specs:
            v = [c for c in summary[spec, split] if math.isfinite(c)]
            if v:
                print(f"mean root gap closed, {split:>4s}, {spec:>12s}: "
                      f"{np.mean(v):.3f} over {len(v)} instances")
        v = [c for c in scip_all[split] if math.isfinite(c)]
        if v:
            print(f"mean root gap closed, {split:>4s}, {'scip default':>12s}: "
                  f"{np.mean(v):.3f} over {len(v)} instances")
    print(f"csv: {table.save_csv()}")
    _figure(table, specs)
    return 0


def _check_main(args, man, read_mps, names):
    print(machine_line())
    table = Table("milp_cuts_check", ["instance", "cuts", "worst_violation",
                                      "valid"])
    bad = 0
    for name in names:
        path = data_dir("milp/miplib3") / man[name]["file"]
        worst, k = _check(read_mps(path), path, args.rounds, args.scip_time)
        ok = not worst > 1e-6
        bad += not ok
        table.add(instance=name, cuts=k, worst_violation=worst, valid=ok)
    table.print()
    print(f"csv: {table.save_csv()}")
    return 1 if bad else 0


def _figure(table, specs):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = list(dict.fromkeys(r["instance"] for r in table.rows))
    fig, ax = plt.subplots(figsize=(max(6, 0.5 * len(names)), 4))
    width = 0.8 / (len(specs) + 1)
    xs = np.arange(len(names))
    for k, spec in enumerate(specs):
        vals = [next((r.get("closed", math.nan) for r in table.rows
                      if r["instance"] == nm and r.get("family") == spec), math.nan)
                for nm in names]
        ax.bar(xs + k * width, vals, width, label=f"ours ({spec})")
    vals = [next((r.get("scip_closed", math.nan) for r in table.rows
                  if r["instance"] == nm), math.nan) for nm in names]
    ax.bar(xs + len(specs) * width, vals, width, label="SCIP default")
    ax.set_xticks(xs + 0.4 - width / 2)
    ax.set_xticklabels(names, rotation=60, ha="right")
    ax.set_ylabel("root gap closed")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = figure_path("milp_cuts")
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"figure: {path}")
