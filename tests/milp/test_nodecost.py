"""Where a node's time goes: the LP time reported apart from the search's
own (bench/milp_nodes.py reads it), and the node work it must not change."""
import math

import numpy as np

from optsolve.milp.lp import LPRelaxation

from ._instances import CLASSES, as_problem, reference


def test_lp_time_is_part_of_the_run_and_counts_every_solve():
    rng = np.random.default_rng(11)
    kw = CLASSES["general_mixed"](rng, n=20, m=12)
    p = as_problem(kw)
    res = p.solve(presolve=False, cuts=False, submip=False, mip_rel_gap=0)
    ref = reference(kw)
    assert res.status == ref.status
    if res.status == 0:
        assert math.isclose(res.fun, ref.fun, rel_tol=1e-7, abs_tol=1e-7)
    assert res.nodes >= 1
    assert 0.0 < res.lp_time <= res.time


def test_lp_relaxation_times_its_solves():
    rng = np.random.default_rng(2)
    p = as_problem(CLASSES["knapsack"](rng))
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
    assert lp.run_time == 0.0
    lp.solve()
    first = lp.run_time
    assert first > 0.0
    lp.solve()
    assert lp.run_time > first
