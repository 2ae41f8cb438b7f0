"""NeuroBack pipeline costs: graph building (and, with --part infer, the numpy
forward pass) per million edges.

Usage: python -m bench neuroback [--part graph|infer] [--clauses 1000000]
                                 [--repeat 3] [--no-public]
                                 [--weights FILE | --hidden 32 --layers 4]
       python -m bench neuroback --part solve [--time-limit 15]
                                 [--sets public,random,unsat]
                                 [--rand-sizes 250,300 --rand-count 4] [--no-plot]

--part solve: default phases against phases="neuroback" and "polarity" in
the solver (see bench/_neuroback_solve.py for what is measured and how).

1. A generated random 3-SAT formula of --clauses clauses at ratio 4.2.
2. Every public CNF in ../shared/data/sat (and sat/app), one row per family.
The anchor in the same run is reading the formula (optsolve.sat.read_dimacs,
the C reader): the graph costs `graph/read` readings. Times are medians of
--repeat runs on one core (numpy, scipy); edges are variable-clause plus
clause-meta edges (undirected). Inference runs the shipped weights, or
--weights, or random weights of --hidden/--layers (the cost does not depend
on the values) when the package ships none.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench._harness import Table, data_dir, machine_line, timeit


def random_3sat(nclauses, ratio=4.2, seed=0):
    from optsolve.sat import CNF
    rng = np.random.default_rng(seed)
    nvars = max(3, int(nclauses / ratio))
    lits = rng.integers(1, nvars + 1, size=3 * nclauses, dtype=np.int32)
    lits *= rng.choice(np.array([-1, 1], dtype=np.int32), size=lits.size)
    return CNF.from_arrays(lits, np.arange(0, 3 * nclauses + 1, 3), nvars)


def measure(path, parts, repeat, predictor=None):
    from optsolve.sat import read_dimacs
    from optsolve.sat.neuroback import build_graph
    t_read, cnf = timeit(read_dimacs, path, repeat=repeat)
    t_graph, g = timeit(build_graph, cnf, repeat=repeat)
    row = dict(read_s=t_read, graph_s=t_graph, edges=g.num_edges, nodes=g.num_nodes,
               clauses=cnf.nclauses)
    if "infer" in parts and predictor is not None:
        row["infer_s"], _ = timeit(predictor, g, repeat=repeat)
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench neuroback",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("graph", "infer", "solve"), default="graph")
    ap.add_argument("--time-limit", type=float, default=15.0,
                    help="--part solve: seconds per solve")
    ap.add_argument("--sets", type=lambda s: s.split(","), default=["public", "random", "unsat"],
                    help="--part solve: comma-separated subset of public,random,unsat")
    ap.add_argument("--rand-sizes", type=lambda s: [int(x) for x in s.split(",")],
                    default=[250, 300], help="--part solve: variables of random 3-SAT")
    ap.add_argument("--rand-count", type=int, default=4,
                    help="--part solve: satisfiable formulas per size")
    ap.add_argument("--no-plot", action="store_true", help="--part solve: no picture")
    ap.add_argument("--append", action="store_true",
                    help="--part solve: add to the instances of earlier runs (the "
                         "summary covers all of them)")
    ap.add_argument("--report", action="store_true",
                    help="--part solve: only the summary and picture of earlier runs")
    ap.add_argument("--log", default=None,
                    help="--part solve: JSON-lines file of the instances (default "
                         "bench/results/neuroback_solve_instances.jsonl)")
    ap.add_argument("--no-app", action="store_true",
                    help="--part solve: leave out the sat/app unsatisfiable CNFs")
    ap.add_argument("--skip-families", type=lambda s: s.split(","), default=[],
                    help="--part solve: public families to leave out")
    ap.add_argument("--weights", default=None, help="weights file (.npz) for --part infer")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--clauses", type=int, default=1_000_000,
                    help="clauses of the generated random 3-SAT formula")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-public", action="store_true", help="skip the public CNFs")
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.part == "solve":
        from bench._neuroback_solve import main_solve, report
        return report(args) if args.report else main_solve(args)
    parts = {args.part, "graph"}
    predictor = None
    if "infer" in parts:
        from optsolve.sat.neuroback.infer import (DEFAULT_WEIGHTS, load_weights,
                                                  predict_graph, random_weights)
        if args.weights or DEFAULT_WEIGHTS.exists():
            weights = load_weights(args.weights)
        else:
            weights = random_weights(args.hidden, args.layers)
        print(f"# weights: hidden {int(weights['meta'][1])}, layers {int(weights['meta'][2])}, "
              f"{args.weights or (DEFAULT_WEIGHTS if DEFAULT_WEIGHTS.exists() else 'random')}")
        predictor = lambda g: predict_graph(g, weights)  # noqa: E731
        from optsolve.sat.neuroback import build_graph
        predictor(build_graph(random_3sat(1000)))  # Numba's compilation is not timed
    print(machine_line())
    cols = ["input", "files", "clauses", "nodes", "edges", "read_s", "graph_s",
            "graph/read", "graph_s_per_Medge"]
    if "infer" in parts:
        cols += ["infer_s", "infer_s_per_Medge", "total_s_per_Medge"]
    table = Table(f"neuroback_{args.part}", cols)

    def add(label, rows):
        tot = defaultdict(float)
        for r in rows:
            for k, v in r.items():
                tot[k] += v
        me = tot["edges"] / 1e6
        row = dict(input=label, files=len(rows), clauses=int(tot["clauses"]),
                   nodes=int(tot["nodes"]), edges=int(tot["edges"]), read_s=tot["read_s"],
                   graph_s=tot["graph_s"], **{"graph/read": tot["graph_s"] / tot["read_s"]},
                   graph_s_per_Medge=tot["graph_s"] / me)
        if "infer" in parts:
            row.update(infer_s=tot["infer_s"], infer_s_per_Medge=tot["infer_s"] / me,
                       total_s_per_Medge=(tot["graph_s"] + tot["infer_s"]) / me)
        table.add(**row)

    with tempfile.TemporaryDirectory(prefix="optsolve-bench-") as tmp:
        path = Path(tmp) / "random3sat.cnf"
        random_3sat(args.clauses).to_dimacs(path)
        add(f"random 3-SAT r=4.2 ({args.clauses} clauses)",
            [measure(path, parts, args.repeat, predictor)])
    if not args.no_public:
        sat = data_dir("sat")
        families = defaultdict(list)
        for f in sorted(sat.rglob("*.cnf*")):
            rel = f.relative_to(sat)
            fam = "app" if rel.parts[0] == "app" else rel.parts[0]
            families[fam].append(measure(f, parts, args.repeat, predictor))
        for fam, rows in sorted(families.items()):
            add(f"public {fam}", rows)
        add("public, all", [r for rows in families.values() for r in rows])
    table.print()
    print(f"csv: {table.save_csv()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
