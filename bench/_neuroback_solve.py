"""``python -m bench neuroback --part solve``: does NeuroBack pay in the solver?

Default phases (the anchor, same run) against ``phases="neuroback"`` (the
network after a probe of ``PROBE_CONFLICTS`` conflicts; its predictions as
initial phases and as rephasing's 'original' and 'inverted' targets, and
each of the three uses alone: nb_init, nb_orig, nb_inv) and
``phases="polarity"``, on

1. the satisfiable public CNFs of ../shared/data/sat (and sat/app),
2. a generated family: uniform random 3-SAT at ratio 4.2 with --rand-sizes
   variables and seeds from 10000 (the network was trained on seeds 0-2),
   kept only when CaDiCaL (python-sat) finds it satisfiable,
3. the unsatisfiable public CNFs (default, neuroback, polarity only).

One solve at a time, the same --time-limit for all; a time is the wall time
of ``optsolve.sat.solve`` on the read formula, graph and inference included
(the one-time cost of loading Numba's kernels is measured apart: the command
line pays it once per run). PAR-2 counts an unsolved run as twice the limit.
Within each family every third instance (sorted by name) is held apart;
defaults are chosen on the other (dev) split and both are reported. Every
model is checked against the formula and every answer against the manifest.
"""
from __future__ import annotations

import csv
import json
import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench._harness import ROOT, Table, data_dir, machine_line

SAT_CONFIGS = {
    "default": {},
    # NeuroBack's use in Kissat: initial, original and inverted
    "neuroback": {"phases": "neuroback", "options": {"predictinit": 1, "predictrephase": 3}},
    "nb_init": {"phases": "neuroback", "options": {"predictinit": 1, "predictrephase": 0}},
    "nb_orig": {"phases": "neuroback", "options": {"predictinit": 0, "predictrephase": 1}},
    "nb_inv": {"phases": "neuroback", "options": {"predictinit": 0, "predictrephase": 2}},
    "polarity": {"phases": "polarity"},
}
UNSAT_CONFIGS = ("default", "neuroback", "nb_init", "polarity")


def random_3sat(n, seed, ratio=4.2):
    rng = np.random.default_rng(seed)
    m = int(round(ratio * n))
    v = np.argsort(rng.random((m, n)), axis=1)[:, :3] + 1
    signs = np.where(rng.random((m, 3)) < 0.5, -1, 1)
    return (v * signs).astype(np.int32)


def satisfies(cnf, model):
    val = np.zeros(cnf.nvars + 1, dtype=bool)
    val[np.abs(model)] = model > 0
    lit_true = val[np.abs(cnf.lits)] == (cnf.lits > 0)
    sat = np.add.reduceat(lit_true, cnf.offsets[:-1]) > 0
    return bool(sat.all())


LOG = ROOT / "bench" / "results" / "neuroback_solve_instances.jsonl"


def public(expected, app=True):
    root = data_dir("sat")
    rows = []
    manifests = [(root / "manifest.csv", "")]
    if app:
        manifests.append((root / "app" / "manifest.csv", "app/"))
    for manifest, prefix in manifests:
        for r in csv.DictReader(open(manifest)):
            if r["expected"] == expected:
                rows.append((r["family"], root / (prefix + r["path"])))
    return rows


def generated(sizes, count, limit):
    """(family, name, CNF) of satisfiable random 3-SAT formulas."""
    from pysat.solvers import Solver as PySolver

    from optsolve.sat import CNF
    out = []
    for n in sizes:
        seed, kept = 10_000 + 1000 * n, 0
        while kept < count:
            cl = random_3sat(n, seed)
            seed += 1
            with PySolver(name="cadical195", bootstrap_with=cl.tolist()) as s:
                if not s.solve():
                    continue
            kept += 1
            cnf = CNF.from_arrays(cl.ravel(), np.arange(0, cl.size + 1, 3), n)
            out.append((f"rand3sat-{n}", f"r{n}-s{seed - 1}", cnf))
    return out


def run_one(cnf, config, limit):
    from optsolve.sat import solve
    t0 = time.perf_counter()
    r = solve(cnf, time_limit=limit, **config)
    t = time.perf_counter() - t0
    if r.status == "SAT" and not satisfies(cnf, r.model):
        raise SystemExit(f"bench: a model that does not satisfy the formula ({config})")
    st = r.statistics
    return dict(status=r.status, time=t, predict=st["predict_time"],
                inference=st["graph_time"] + st["inference_time"],
                probed=st["predict_skipped"] is not None, conflicts=st["conflicts"],
                confident=st["predicted_true"] + st["predicted_false"])


def par2(times, solved, limit):
    return float(np.mean([t if ok else 2 * limit for t, ok in zip(times, solved)]))


def main_solve(args):
    from optsolve.sat import read_dimacs
    from optsolve.sat._phases import PROBE_CONFLICTS, phase_scores
    t0 = time.perf_counter()
    phase_scores(read_dimacs(data_dir("sat") / "flat" / "flat200-100.cnf.gz"), "neuroback")
    load_s = time.perf_counter() - t0
    print(machine_line())
    print(f"# time limit {args.time_limit} s, probe {PROBE_CONFLICTS} conflicts; "
          f"loading the network and Numba's kernels once: {load_s:.2f} s (not counted below)")
    sets = []  # (set, family, name, cnf, configs)
    if "public" in args.sets:
        for fam, path in public("SAT"):
            sets.append(("sat", fam, path.name.split(".cnf")[0], read_dimacs(path), list(SAT_CONFIGS)))
    if "random" in args.sets:
        for fam, name, cnf in generated(args.rand_sizes, args.rand_count, args.time_limit):
            sets.append(("random", fam, name, cnf, list(SAT_CONFIGS)))
    if "unsat" in args.sets:
        for fam, path in public("UNSAT", app=not args.no_app):
            sets.append(("unsat", fam, path.name.split(".cnf")[0], read_dimacs(path), list(UNSAT_CONFIGS)))
    sets = [x for x in sets if x[1] not in args.skip_families]
    # held apart: every third instance of each family, by name
    by_family = defaultdict(list)
    for i, (st, fam, name, _, _) in enumerate(sets):
        by_family[(st, fam)].append((name, i))
    split = {}
    for members in by_family.values():
        for k, (_, i) in enumerate(sorted(members)):
            split[i] = "held" if k % 3 == 2 else "dev"
    rows = []
    log = Path(args.log) if args.log else LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    if not args.append:
        log.write_text("")
    inst = Table("neuroback_solve_instances",
                 ["set", "family", "name", "split", "literals"] +
                 [f"{c}_s" for c in SAT_CONFIGS] +
                 ["predict_s", "default_conflicts", "probe_decided", "status"])
    for i, (st, fam, name, cnf, configs) in enumerate(sets):
        res = {c: run_one(cnf, SAT_CONFIGS[c], args.time_limit) for c in configs}
        statuses = {r["status"] for r in res.values()} - {"UNKNOWN"}
        want = "UNSAT" if st == "unsat" else "SAT"
        if statuses - {want}:
            raise SystemExit(f"bench: {name}: answers {statuses}, expected {want}")
        row = dict(set=st, family=fam, name=name, split=split[i], literals=len(cnf.lits),
                   res=res)
        rows.append(row)
        with open(log, "a") as f:  # a run cut short keeps what it measured
            f.write(json.dumps(row) + "\n")
        inst.add(set=st, family=fam, name=name, split=split[i], literals=len(cnf.lits),
                 predict_s=res["neuroback"]["predict"], status=want,
                 default_conflicts=res["default"]["conflicts"],
                 probe_decided=res["neuroback"]["probed"],
                 **{f"{c}_s": (res[c]["time"] if res[c]["status"] != "UNKNOWN"
                               else math.inf) for c in configs})
        print(f"  {st:6s} {name:28s} " + " ".join(
            f"{c}={res[c]['time']:.2f}{'' if res[c]['status'] != 'UNKNOWN' else '(to)'}"
            for c in configs), flush=True)
    inst.save_csv()
    return report(args)


def report(args):
    """The summary table and the picture, from every instance in LOG (all
    the runs since the last one without --append)."""
    log = Path(args.log) if args.log else LOG
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    print(f"# {len(rows)} instances from {log}")
    summary = Table("neuroback_solve",
                    ["set", "family", "split", "n"] +
                    [f"{c}_{k}" for c in SAT_CONFIGS for k in ("solved", "par2")] +
                    ["nb/default", "pol/default", "infer_share"])

    def add(label_set, label_fam, label_split, members):
        if not members:
            return
        row = dict(set=label_set, family=label_fam, split=label_split, n=len(members))
        for c in SAT_CONFIGS:
            if not all(c in m["res"] for m in members):
                continue
            ok = [m["res"][c]["status"] != "UNKNOWN" for m in members]
            ts = [m["res"][c]["time"] for m in members]
            row[f"{c}_solved"] = sum(ok)
            row[f"{c}_par2"] = par2(ts, ok, args.time_limit)
        row["nb/default"] = row["neuroback_par2"] / row["default_par2"]
        row["pol/default"] = row["polarity_par2"] / row["default_par2"]
        # probed None: a row whose prediction costs were not recorded
        ran = [m["res"]["neuroback"] for m in members
               if m["res"]["neuroback"]["probed"] is False]
        row["infer_share"] = (sum(r["predict"] for r in ran) / sum(r["time"] for r in ran)
                              if ran else math.nan)
        summary.add(**row)

    for st in ("sat", "random", "unsat"):
        fams = sorted({r["family"] for r in rows if r["set"] == st})
        for fam in fams:
            add(st, fam, "all", [r for r in rows if r["set"] == st and r["family"] == fam])
        for sp in ("dev", "held"):
            add(st, "all", sp, [r for r in rows if r["set"] == st and r["split"] == sp])
    summary.print()
    print(f"csv: {summary.save_csv()}")
    if not args.no_plot:
        scatter(rows, args.time_limit)
    return 0


def scatter(rows, limit):
    try:
        import matplotlib
    except ImportError:
        print("# matplotlib not installed: no picture")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.2, 5))
    cap = 2 * limit
    lo = 1e-3
    for st, color, label in (("sat", "tab:blue", "public SAT"),
                             ("random", "tab:orange", "random 3-SAT (generated)"),
                             ("unsat", "tab:gray", "public UNSAT")):
        pts = [(r["res"]["default"], r["res"].get("nb_init", r["res"]["neuroback"]))
               for r in rows if r["set"] == st]
        if not pts:
            continue
        x = [max(a["time"] if a["status"] != "UNKNOWN" else cap, lo) for a, _ in pts]
        y = [max(b["time"] if b["status"] != "UNKNOWN" else cap, lo) for _, b in pts]
        ax.scatter(x, y, s=14, color=color, label=label, alpha=0.8)
    ax.plot([lo, cap], [lo, cap], color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(lo, cap * 1.3)
    ax.set_ylim(lo, cap * 1.3)
    ax.set_xlabel("default phases: seconds")
    ax.set_ylabel("phases='neuroback', defaults: seconds\n(probe, graph, inference included)")
    ax.set_title(f"per instance, limit {limit:g} s (unsolved at {cap:g} s)", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    out = ROOT / "docs" / "images" / "neuroback" / "solve_scatter.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"picture: {out.relative_to(ROOT)}")
