"""Learned branching: what the node state and the network cost per node,
against the node's own LP re-solve.

``python -m bench branching --part features|inference [--classes A,B]
[--instances K] [--nodes N] [--scale S] [--weights PATH]``

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
                    self.policy = Policy.load(weights) if weights else \
                        Policy.random(seed=0)
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


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench branching",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["features", "inference"], default="features")
    ap.add_argument("--classes", default=",".join(CLASSES))
    ap.add_argument("--instances", type=int, default=2)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--scale", type=float, default=1.0,
                    help="instance size relative to the training size")
    ap.add_argument("--weights", default=None)
    args = ap.parse_args(argv)
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
