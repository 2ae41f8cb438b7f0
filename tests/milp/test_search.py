"""The search read through its public summary (optsolve.milp.search)."""
import math

import numpy as np

from optsolve._runtime import Deadline, InterruptGuard
from optsolve.milp.options import options_iv
from optsolve.milp.search import Search
from optsolve.milp.work import Work, relative_gap

from ._instances import CLASSES, as_problem, reference


def test_summary_of_a_closed_tree_matches_the_result_and_scipy():
    rng = np.random.default_rng(3)
    kw = CLASSES["knapsack"](rng)
    p = as_problem(kw)
    o = options_iv({"presolve": False, "mip_rel_gap": 0})
    with InterruptGuard() as guard:
        s = Search(Work(p), o, Deadline(None), guard)
        s.run()
    sm = s.summary()
    ref = reference(kw)
    assert sm.limit is None and sm.gap_closed and sm.dropped == 0
    assert math.isclose(sm.objective, ref.fun, rel_tol=1e-9, abs_tol=1e-9)
    assert sm.dual_bound <= sm.objective + 1e-9
    assert p.is_feasible(sm.x)
    res = p.solve(presolve=False, mip_rel_gap=0)
    assert (res.nodes, res.lp_iterations, res.cuts_added) == (
        sm.nodes, sm.lp_iterations, sm.cuts_added)


def test_summary_with_a_node_limit_keeps_a_valid_bound():
    rng = np.random.default_rng(4)
    p = as_problem(CLASSES["general_mixed"](rng, n=14, m=8))
    o = options_iv({"presolve": False, "node_limit": 1, "cuts": False,
                    "heuristics": False, "submip": False})
    with InterruptGuard() as guard:
        s = Search(Work(p), o, Deadline(None), guard)
        s.run()
    sm = s.summary()
    assert sm.nodes <= 1
    assert sm.limit in (None, "node")
    assert sm.dual_bound <= sm.objective


def test_relative_gap():
    assert relative_gap(math.inf, 0.0) == math.inf
    assert relative_gap(10.0, 10.0) == 0.0
    assert relative_gap(10.0, 8.0) == 0.2
    assert relative_gap(0.0, -1.0) == math.inf
