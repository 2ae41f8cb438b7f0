"""Learned branching: what the node state and the network cost per node,
against the node's own LP re-solve.

``python -m bench branching --part features|inference|solve
[--classes A,B] [--instances K] [--nodes N] [--scale S] [--weights PATH]
[--rules R1,R2] [--time-limit T] [--settings pure,default] [--no-scip]``

Each generated instance of the four classes of Gasse et al. (2019) (training
sizes times ``--scale``) is solved by our branch and bound with pseudocost
branching and no cuts, presolve or heuristics, up to ``--nodes`` nodes. At
each node branched on, the anchor is the wall time of the node's LP re-solve
(HiGHS, warm from the parent's basis: the last ``LPRelaxation.solve`` before
the rule is called); ``features`` times
:class:`optsolve.milp.learn.FeatureCache` on the node (the static part, built
once at the root, is reported apart), ``inference`` the numpy forward pass
of :mod:`optsolve.milp.learn.infer` on the node's state (random weights of
the paper's size unless ``--weights``). Printed: medians per node in
milliseconds and their ratio to the LP re-solve.

``solve`` runs each rule of ``--rules`` (``learned``: the shipped model of
the class, or the weights of ``--weights``) and SCIP's reliability
pseudocost for reference (pyscipopt; ``--no-scip``) on ``--instances`` new
instances per class (seeds from 100000, apart from every collection seed),
one solve at a time with the same time limit, in each of ``--settings``:
``pure`` B&B (no cuts, presolve or heuristics) and ``default`` options;
every answer is checked against scipy's HiGHS (when it solves the instance
within the same limit). Printed per setting, class and rule: solved,
shifted geometric means of time (shift 1 s; an unsolved run counts at the
time limit) and nodes (shift 10), and their ratio to our ``relpscost``.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench._harness import Table, machine_line

CLASSES = {   # training sizes (learn2branch)
    "setcover": dict(n_rows=500, n_cols=1000),
    "cauctions": dict(n_items=100, n_bids=500),
    "facilities": dict(n_customers=100, n_facilities=100),
    "indset": dict(n_nodes=500, affinity=4),
}


def _scaled(kwargs, scale):
    return {k: (v if k == "affinity" else max(2, int(round(v * scale))))
            for k, v in kwargs.items()}


def _instrument_lp():
    """Make every LPRelaxation remember how long its last solve took."""
    from optsolve.milp.lp import LPRelaxation
    if getattr(LPRelaxation.solve, "_timed", False):
        return
    plain = LPRelaxation.solve

    def solve(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return plain(self, *args, **kwargs)
        finally:
            self._bench_last_solve = time.perf_counter() - t0
    solve._timed = True
    LPRelaxation.solve = solve


def _timing_rule(part, weights):
    from optsolve.milp.branching import Pseudocost
    from optsolve.milp.learn import FeatureCache

    class Timing(Pseudocost):
        def __init__(self):
            self.cache = None
            self.static_s = 0.0
            self.lp, self.feat, self.infer = [], [], []
            self.policy = None

        def select(self, state):
            if self.cache is None:
                t0 = time.perf_counter()
                self.cache = FeatureCache(state.problem)
                self.static_s = time.perf_counter() - t0
                if part == "inference":
                    from optsolve.milp.learn.infer import Policy
                    self.policy = Policy.load(weights, np.float32) if weights else \
                        Policy.random(seed=0, dtype=np.float32)
            self.lp.append(state._search.lp._bench_last_solve)
            state.basis_status()        # HiGHS basis read: not the features' cost
            t0 = time.perf_counter()
            s = self.cache(state)
            self.feat.append(time.perf_counter() - t0)
            if self.policy is not None:
                t0 = time.perf_counter()
                self.policy.select(s)
                self.infer.append(time.perf_counter() - t0)
            return super().select(state)
    return Timing()


def _shifted_geomean(values, shift):
    v = np.asarray(values, dtype=float)
    return float(np.exp(np.mean(np.log(v + shift))) - shift)


def _reference(p, time_limit):
    from scipy.optimize import Bounds, LinearConstraint, milp
    sign = 1.0 if p.sense == "minimize" else -1.0
    r = milp(sign * p.c, integrality=p.integrality, bounds=Bounds(p.lb, p.ub),
             constraints=LinearConstraint(p.A, p.row_lower, p.row_upper),
             options={"time_limit": time_limit})
    return None if r.status != 0 else sign * r.fun


def _scip(p, time_limit, pure):
    """SCIP (reliability pseudocost, its default rule) on ``p``, for
    reference; None when pyscipopt is absent."""
    import os
    import tempfile
    try:
        from bench.milp import run_scip
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.mps")
        p.write_mps(path)
        try:
            r = run_scip(path, time_limit, pure_rule="relpscost" if pure else None)
        except ImportError:
            return None
    return r["status"] == "optimal", r["time"], r["nodes"], r["obj"]


def _solve_part(args):
    from optsolve.milp.branching.learned import Learned
    from optsolve.milp.generators import GENERATORS
    rules = args.rules.split(",")
    anchor = "relpscost" if "relpscost" in rules else rules[0]
    GENERATORS["setcover"](20, 40, seed=0).solve(branching="learned")   # JIT untimed
    table = Table("branching_solve", ["setting", "class", "rule", "solved",
                                      "time_sgm", "nodes_sgm", "time_ratio",
                                      "nodes_ratio", "wrong"])
    for setting in args.settings.split(","):
        opts = dict(cuts=False, presolve=False, heuristics=False, submip=False) \
            if setting == "pure" else {}
        names = rules + (["scip"] if args.scip else [])
        for name in args.classes.split(","):
            res = {r: [] for r in names}
            for i in range(args.instances):
                p = GENERATORS[name](**_scaled(CLASSES[name], args.scale),
                                     seed=100000 + i)
                ref = _reference(p, args.time_limit)
                for r in names:
                    if r == "scip":
                        out = _scip(p, args.time_limit, setting == "pure")
                        if out is None:
                            continue
                        ok, dt, nodes, fun = out
                    else:
                        rule = Learned(args.weights) if r == "learned" and args.weights \
                            else r
                        t0 = time.perf_counter()
                        sol = p.solve(branching=rule, time_limit=args.time_limit, **opts)
                        dt = time.perf_counter() - t0
                        ok, nodes, fun = sol.status == 0, sol.nodes, sol.fun
                    wrong = ok and ref is not None and \
                        abs(fun - ref) > 1e-4 * max(1.0, abs(ref)) + 1e-6
                    # an unsolved run counts at the time limit (as in Gasse et al.)
                    res[r].append((ok, dt if ok else args.time_limit, nodes, wrong))
            base = None
            for r in [anchor] + [x for x in names if x != anchor]:
                rows = res[r]
                if not rows:
                    continue
                t = _shifted_geomean([x[1] for x in rows], 1.0)
                n = _shifted_geomean([x[2] for x in rows], 10.0)
                if base is None:
                    base = (t, n)
                table.add(**{"setting": setting, "class": name, "rule": r,
                             "solved": f"{sum(x[0] for x in rows)}/{len(rows)}",
                             "time_sgm": t, "nodes_sgm": n, "time_ratio": t / base[0],
                             "nodes_ratio": n / base[1],
                             "wrong": sum(x[3] for x in rows)})
            table.print()
    table.save_csv()
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench branching",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["features", "inference", "solve"],
                    default="features")
    ap.add_argument("--classes", default=",".join(CLASSES))
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="instance size relative to the training size")
    ap.add_argument("--weights", default=None)
    ap.add_argument("--rules", default="relpscost,learned,pscost,fullstrong")
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--settings", default="pure,default",
                    help="pure (no cuts, presolve or heuristics), default or both")
    ap.add_argument("--no-scip", dest="scip", action="store_false",
                    help="leave out SCIP's reliability pseudocost reference")
    args = ap.parse_args(argv)
    if args.part == "solve":
        print(machine_line())
        return _solve_part(args)
    from optsolve.milp.generators import GENERATORS
    _instrument_lp()
    print(machine_line())
    ms = "infer_ms" if args.part == "inference" else "feat_ms"
    table = Table(f"branching_{args.part}",
                  ["class", "rows", "cols", "nnz", "nodes", "static_ms",
                   "lp_ms", ms, "ratio"])
    for name in args.classes.split(","):
        lp, cost, static, nodes = [], [], [], 0
        shape = None
        for seed in range(args.instances):
            p = GENERATORS[name](**_scaled(CLASSES[name], args.scale), seed=seed)
            shape = (p.num_rows, p.num_cols, p.A.nnz)
            rule = _timing_rule(args.part, args.weights)
            p.solve(branching=rule, cuts=False, presolve=False, heuristics=False,
                    submip=False, node_limit=args.nodes)
            lp += rule.lp
            cost += rule.infer if args.part == "inference" else rule.feat
            static.append(rule.static_s)
            nodes += len(rule.lp)
        if not lp:
            continue
        lp_ms = 1e3 * statistics.median(lp)
        c_ms = 1e3 * statistics.median(cost)
        table.add(**{"class": name, "rows": shape[0], "cols": shape[1],
                     "nnz": shape[2], "nodes": nodes,
                     "static_ms": 1e3 * float(np.median(static)),
                     "lp_ms": lp_ms, ms: c_ms, "ratio": c_ms / lp_ms})
    table.print()
    table.save_csv()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
