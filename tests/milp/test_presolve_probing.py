"""Probing on binaries in presolve: a side that propagation proves
infeasible fixes the column to the other, bounds implied by both sides hold;
the optimum never changes (scipy on the original problem)."""
import numpy as np
import pytest
from scipy.optimize import LinearConstraint

from optsolve.milp.presolve import presolve

from ._instances import CLASSES, as_problem
from .test_presolve import _check_reduction, reducible


def implications(rng, n=10, m=6):
    """Binary knapsack rows with a heavy column and covering rows over the
    others: setting a heavy column to 1 empties the knapsack and breaks a
    covering row, so probing fixes it to 0."""
    A, lo, hi = [], [], []
    for _ in range(m // 2):
        a = np.zeros(n)
        j = rng.integers(n)
        rest = rng.choice(np.setdiff1d(np.arange(n), [j]), 3, replace=False)
        a[j] = 5
        a[rest] = 2
        A.append(a); lo.append(-np.inf); hi.append(6.0)
        b = np.zeros(n)
        b[rest] = 1
        A.append(b); lo.append(1.0); hi.append(np.inf)
    return dict(c=-rng.integers(1, 10, n).astype(float), integrality=1,
                bounds=(0, 1), constraints=LinearConstraint(np.array(A), lo, hi))


def test_probing_fixes_a_column_that_both_sides_of_another_bound():
    # 5 x0 + 2 x1 + 2 x2 <= 6 and x1 + x2 >= 1: x1 = 0 forces x2 = 1 and
    # x1 = 1 uses the room, so either way x0 = 0 (no other reduction sees it)
    kw = dict(c=np.array([-10.0, 1, 1]), integrality=1, bounds=(0, 1),
              constraints=LinearConstraint([[5.0, 2, 2], [0, 1, 1]],
                                           [-np.inf, 1], [6, np.inf]))
    p = as_problem(kw)
    assert presolve(p, probing=False).stats["probing_fixed"] == 0
    assert presolve(p, probing=False).stats["fixed_columns"] == 0
    pre = presolve(p)
    assert pre.stats["probing_bounds"] >= 1
    assert 0 not in pre.columns.tolist() and pre.fixed_values[0] == 0
    _check_reduction(p)


def test_probing_finds_an_infeasible_problem():
    # x0 = 0 breaks x0 + x1 >= 2 (x1 <= 1); x0 = 1 breaks the knapsack
    kw = dict(c=np.ones(3), integrality=1, bounds=(0, 1),
              constraints=LinearConstraint([[1.0, 1, 0], [3, 0, 2], [0, 0, 1]],
                                           [2, -np.inf, 1], [np.inf, 4, np.inf]))
    assert presolve(as_problem(kw)).status == "infeasible"


@pytest.mark.parametrize("seed", range(25))
def test_probing_keeps_the_optimum(seed):
    rng = np.random.default_rng(1000 + seed)
    _check_reduction(as_problem(implications(rng)))
    _check_reduction(as_problem(reducible(rng)))
    for make in CLASSES.values():
        _check_reduction(as_problem(make(rng)))


def test_probing_fires_on_generated_implications():
    fixed = 0
    for seed in range(10):
        pre = presolve(as_problem(implications(np.random.default_rng(seed))))
        fixed += pre.stats["probing_fixed"]
        assert pre.stats["probed"] >= pre.stats["probing_fixed"]
    assert fixed > 0


def test_probing_off_leaves_the_counts_at_zero():
    pre = presolve(as_problem(implications(np.random.default_rng(0))),
                   probing=False)
    assert pre.stats["probed"] == pre.stats["probing_fixed"] == 0
