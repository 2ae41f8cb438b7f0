import math

import numpy as np
from scipy.optimize import linprog

from optsolve.milp.generators import set_cover
from optsolve.milp.lp import (LP_CUTOFF, LP_INFEASIBLE, LP_OPTIMAL,
                              LPRelaxation)


def _lp(p, ub=None):
    return LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb,
                        p.ub if ub is None else ub)


def test_warm_resolve_is_much_cheaper_than_cold():
    p = set_cover(120, 240, 0.08, seed=0)
    lp = _lp(p)
    assert lp.solve() == LP_OPTIMAL
    ref = linprog(p.c, A_ub=-p.A, b_ub=-p.row_lower, bounds=(0, 1), method="highs")
    assert math.isclose(lp.obj, ref.fun, rel_tol=1e-9)
    x = lp.primal()
    basis = lp.get_basis()
    frac = np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6))[:8]
    warm, cold = [], []
    for j in frac:
        ub = p.ub.copy()
        ub[j] = 0.0
        assert lp.set_bounds(p.lb, ub) == 1          # only the difference moves
        before = lp.iterations
        assert lp.solve() == LP_OPTIMAL
        warm.append(lp.iterations - before)
        c = _lp(p, ub)
        c.solve()
        cold.append(c.iterations)
        assert math.isclose(c.obj, lp.obj, rel_tol=1e-9)
        lp.set_bounds(p.lb, p.ub)
        lp.set_basis(basis)
    assert np.median(warm) * 3 < np.median(cold)


def test_cutoff_infeasible_and_strong_branch_restores_state():
    for seed in range(20):   # the first instance with a fractional LP optimum
        p = set_cover(30, 60, 0.15, seed=seed)
        lp = _lp(p)
        lp.solve()
        x = lp.primal()
        if np.any((x > 1e-6) & (x < 1 - 1e-6)):
            break
    z = lp.obj
    basis = lp.get_basis()
    j = int(np.flatnonzero((x > 1e-6) & (x < 1 - 1e-6))[0])
    lb0, ub0 = lp.lb.copy(), lp.ub.copy()
    (sd, od), (su, ou) = lp.strong_branch(j, x[j], None, basis)
    assert np.array_equal(lp.lb, lb0) and np.array_equal(lp.ub, ub0)
    assert sd in (LP_OPTIMAL, LP_INFEASIBLE) and su in (LP_OPTIMAL, LP_INFEASIBLE)
    assert lp.sb_iterations > 0
    assert lp.solve() == LP_OPTIMAL and math.isclose(lp.obj, z, rel_tol=1e-9)
    lp.set_cutoff(z - 1.0)
    lp.set_col_bounds(j, 1.0, 1.0)
    assert lp.solve() == LP_CUTOFF
    lp.set_cutoff(math.inf)
    # a row that no column can satisfy
    zero_ub = np.zeros_like(p.ub)
    lp.set_bounds(p.lb, zero_ub)
    assert lp.solve() == LP_INFEASIBLE
