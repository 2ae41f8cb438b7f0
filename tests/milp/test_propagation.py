"""Node bound propagation: never removes a feasible integer point (checked
by enumeration), detects crossed bounds, and answers agree with scipy."""
import itertools

import numpy as np
import pytest

from optsolve.milp import milp
from optsolve.milp.propagation import Propagator

from ._instances import CLASSES, check_answer


def _feasible(A, rl, ru, x):
    act = A @ x
    return bool(np.all(act >= rl - 1e-9) and np.all(act <= ru + 1e-9))


def _random_rows(rng, n, m):
    """Integer rows feasible at a random point of a small box."""
    A = rng.integers(-4, 6, (m, n)).astype(float)
    A[rng.random((m, n)) < 0.3] = 0.0
    lb = rng.integers(-2, 1, n).astype(float)
    ub = lb + rng.integers(1, 4, n)
    x0 = np.array([rng.integers(l, u + 1) for l, u in zip(lb, ub)], float)
    act = A @ x0
    rl = act - rng.integers(0, 3, m)
    ru = act + rng.integers(0, 3, m)
    rl[rng.random(m) < 0.3] = -np.inf
    ru[rng.random(m) < 0.3] = np.inf
    return A, lb, ub, rl, ru


def _feasible_points(A, lb, ub, rl, ru):
    points = [np.array(p, float) for p in
              itertools.product(*[range(int(l), int(u) + 1) for l, u in zip(lb, ub)])]
    return [p for p in points if _feasible(A, rl, ru, p)]


@pytest.mark.parametrize("seed", range(20))
def test_propagation_keeps_every_feasible_integer_point(seed):
    rng = np.random.default_rng(seed)
    n, m = 4, 3
    A, lb, ub, rl, ru = _random_rows(rng, n, m)
    if rng.random() < 0.3:              # sometimes no feasible point at all
        ru = rl - 1.0 + np.where(np.isfinite(rl), 0, 1e9)
    feasible = _feasible_points(A, lb, ub, rl, ru)
    nlb, nub = lb.copy(), ub.copy()
    k = Propagator(A, rl, ru, np.ones(n, bool)).propagate(nlb, nub)
    if k < 0:
        assert not feasible
    else:
        assert np.all(nlb >= lb) and np.all(nub <= ub)
        for p in feasible:
            assert np.all(p >= nlb) and np.all(p <= nub), (p, nlb, nub)


@pytest.mark.parametrize("seed", range(40))
def test_incremental_propagation_keeps_every_feasible_integer_point(seed):
    """propagate_from (the Numba kernel the search calls at each node) from a
    random branching column: never cuts a feasible point, -1 only when none."""
    rng = np.random.default_rng(1000 + seed)
    n, m = 5, 4
    A, lb, ub, rl, ru = _random_rows(rng, n, m)
    j = int(rng.integers(n))                 # "branch": fix column j
    v = float(rng.integers(lb[j], ub[j] + 1))
    lb[j] = ub[j] = v
    feasible = _feasible_points(A, lb, ub, rl, ru)
    integ = rng.random(n) < 0.8
    nlb, nub = lb.copy(), ub.copy()
    prop = Propagator(A, rl, ru, integ)
    k = prop.propagate_from(nlb, nub, [j])
    if k < 0:
        assert not feasible
    else:
        assert np.all(nlb >= lb) and np.all(nub <= ub)
        assert np.all(nlb[~integ] == lb[~integ]) and np.all(nub[~integ] == ub[~integ])
        for p in feasible:
            assert np.all(p >= nlb) and np.all(p <= nub), (p, nlb, nub)
    # the marks are cleared: a second call from the same state changes nothing
    assert not prop._in_queue.any()


def test_incremental_propagation_follows_chains():
    # x0 + x1 <= 1, x1 + x2 >= 1, x2 + x3 <= 1: x0 = 1 forces x1 = 0, x2 = 1, x3 = 0
    A = np.array([[1.0, 1, 0, 0], [0, 1, 1, 0], [0, 0, 1, 1]])
    prop = Propagator(A, np.array([-np.inf, 1, -np.inf]), np.array([1.0, np.inf, 1]),
                      np.ones(4, bool))
    lb, ub = np.array([1.0, 0, 0, 0]), np.ones(4)
    assert prop.propagate_from(lb, ub, [0]) == 3
    assert lb.tolist() == [1, 0, 1, 0] and ub.tolist() == [1, 0, 1, 0]
    lb, ub = np.array([1.0, 0, 0, 1]), np.ones(4)    # and x3 = 1: infeasible
    assert prop.propagate_from(lb, ub, [0]) == -1


def test_continuous_columns_are_left_alone_and_inf_bounds():
    A = np.array([[1.0, 1.0, 1.0]])
    prop = Propagator(A, np.array([-np.inf]), np.array([3.0]),
                      np.array([True, False, True]))
    lb = np.array([0.0, 0.0, 0.0])
    ub = np.array([10.0, 10.0, np.inf])
    assert prop.propagate(lb, ub) == 2
    assert ub.tolist() == [3.0, 10.0, 3.0]
    lb2, ub2 = np.array([0.0, -np.inf, 0.0]), np.array([10.0, 10.0, 10.0])
    assert prop.propagate(lb2, ub2) == 0      # an unbounded column: no room


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_answers_with_propagation_agree_with_scipy(cls):
    rng = np.random.default_rng(5)
    for _ in range(4):
        kw = CLASSES[cls](rng)
        res = milp(**kw, options={"mip_rel_gap": 0, "propagation": True})
        check_answer(res, kw)
        assert res.propagated_bounds >= 0


def test_bad_propagation_option():
    with pytest.raises(ValueError, match="`propagation`"):
        milp([1.0], integrality=[1], bounds=(0, 1), options={"propagation": 1})
