"""Root Gomory cuts: every cut is satisfied by every integer-feasible point
(checked by enumeration on tiny problems and against the scipy optimum on
larger ones); answers with cuts agree with scipy."""
import itertools

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint

from optsolve.milp import milp
from optsolve.milp.cuts import RootSeparator, integral_rows, select_cuts
from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation

from ._instances import CLASSES, as_problem, check_answer, reference


def _separate(p, rounds=5, families=RootSeparator.FAMILIES, **kw):
    """Root LP of a Problem, then rounds of cuts of ``families`` (``kw`` to
    the separator); returns the separator or None when the LP is not
    optimal."""
    c = p.c if p.sense == "minimize" else -p.c
    integ = p.is_integer
    lb, ub = p.lb.copy(), p.ub.copy()
    lb[integ] = np.ceil(lb[integ] - 1e-9)
    ub[integ] = np.floor(ub[integ] + 1e-9)
    lp = LPRelaxation(c, p.A, p.row_lower, p.row_upper, lb, ub)
    if lp.solve() != LP_OPTIMAL:
        return None
    sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, integ, rounds,
                        families=families,
                        drop_slack=False,     # check every cut ever added
                        **kw)
    sep.run(lb, ub, LP_OPTIMAL)
    return sep


def _satisfies(cut, x, tol=1e-7):
    return cut.activity(x) >= cut.rhs - tol * (1 + abs(cut.rhs))


def _mixed_binary(rng, n=7, m=3):
    """Binary columns and two continuous ones: small enough to enumerate
    the binaries and solve the continuous part exactly by LP."""
    A = rng.integers(-3, 8, (m, n)).astype(float)
    b = np.floor(A.clip(0).sum(axis=1) * 0.45) + rng.random(m)
    c = -rng.integers(1, 12, n).astype(float)
    integ = np.ones(n)
    integ[-2:] = 0
    return dict(c=c, integrality=integ, bounds=Bounds(0, 1),
                constraints=LinearConstraint(A, -np.inf, b))


@pytest.mark.parametrize("seed", range(12))
def test_cuts_keep_every_integer_point(seed):
    rng = np.random.default_rng(seed)
    kw = _mixed_binary(rng)
    p = as_problem(kw)
    sep = _separate(p)
    if sep is None:
        pytest.skip("root LP not optimal")
    nb = 5
    # every binary assignment with the continuous columns on a grid: each
    # feasible point found must satisfy every cut
    checked = 0
    for bits in itertools.product((0.0, 1.0), repeat=nb):
        for cont in itertools.product((0.0, 0.5, 1.0), repeat=2):
            x = np.array(bits + cont)
            if p.is_feasible(x, tol=1e-9):
                checked += 1
                for cut in sep.cuts:
                    assert _satisfies(cut, x), (bits, cont, cut)
    ref = reference(kw)
    if ref.status == 0:
        for cut in sep.cuts:
            assert _satisfies(cut, ref.x)
    assert checked > 0


@pytest.mark.parametrize("cls", ["knapsack", "set_cover", "assignment",
                                 "general_mixed"])
def test_scipy_optimum_satisfies_every_cut(cls):
    rng = np.random.default_rng(123)
    total = 0
    for _ in range(8):
        kw = CLASSES[cls](rng)
        p = as_problem(kw)
        sep = _separate(p, rounds=8)
        ref = reference(kw)
        if sep is None or ref.status != 0:
            continue
        total += len(sep.cuts)
        for cut in sep.cuts:
            assert _satisfies(cut, ref.x), (cls, cut)
        # the cut LP bound is a valid bound: never above the optimum
        assert sep.bounds[-1] <= ref.fun + 1e-6 * max(1, abs(ref.fun)) \
            if p.sense == "minimize" else True
        assert all(np.diff(sep.bounds) >= -1e-7 * max(1, abs(sep.bounds[0])))
    if cls != "assignment":        # assignment LPs are integral
        assert total > 0


def test_cuts_raise_the_root_bound_of_a_knapsack():
    w = np.array([12., 17, 23, 29, 31, 37, 41, 43])
    kw = dict(c=-w - 3, integrality=1, bounds=(0, 1),
              constraints=LinearConstraint(w[None, :], -np.inf, 100))
    off = milp(**kw, options={"cuts": False, "mip_rel_gap": 0})
    on = milp(**kw, options={"mip_rel_gap": 0})
    check_answer(on, kw)
    check_answer(off, kw)
    assert on.cuts > 0 and on.cut_rounds >= 1 and off.cuts == 0
    assert on.root_bound > off.root_bound     # maximisation of w+3 as min


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_answers_with_cuts_agree_with_scipy(cls):
    rng = np.random.default_rng(99)
    for _ in range(4):
        kw = CLASSES[cls](rng)
        res = milp(**kw, options={"mip_rel_gap": 0, "cut_rounds": 20})
        check_answer(res, kw)


def test_integral_rows():
    A = np.array([[1.0, 2.0, 0.0], [1.0, 0.5, 0.0], [0.0, 1.0, 1.0]])
    is_int = np.array([True, True, False])
    ok = integral_rows(A, np.array([-np.inf, 0, 0]), np.array([3.0, 1, 1]), is_int)
    assert ok.tolist() == [True, False, False]
    ok = integral_rows(A, np.array([0.5, 0, 0]), np.array([3.0, 1, 1]), is_int)
    assert ok.tolist() == [False, False, False]


def test_select_cuts_filters_parallel_cuts():
    from optsolve.milp.cuts import Cut
    a = Cut(np.array([0, 1]), np.array([1.0, 1.0]), 1.0, 0.5)
    b = Cut(np.array([0, 1]), np.array([2.0, 2.0]), 2.0, 0.4)   # parallel to a
    c = Cut(np.array([1, 2]), np.array([1.0, -1.0]), 0.0, 0.3)
    out = select_cuts([c, b, a], 10)
    assert out == [a, c]
    assert select_cuts([c, b, a], 1) == [a]


@pytest.mark.parametrize("options, match", [
    ({"cuts": "yes"}, "`cuts`"), ({"cut_rounds": -1}, "`cut_rounds`"),
    ({"cut_rounds": 1.5}, "`cut_rounds`")])
def test_bad_cut_options(options, match):
    with pytest.raises(ValueError, match=match):
        milp([1.0], integrality=[1], bounds=(0, 1), options=options)


def test_cuts_leave_the_problem_and_its_mps_unchanged(tmp_path):
    from optsolve.milp import read_mps, write_mps
    w = np.array([12., 17, 23, 29, 31, 37, 41, 43])
    kw = dict(c=-w - 3, integrality=1, bounds=(0, 1),
              constraints=LinearConstraint(w[None, :], -np.inf, 100))
    p = as_problem(kw)
    before = tmp_path / "before.mps"
    after = tmp_path / "after.mps"
    write_mps(p, before)
    res = p.solve(mip_rel_gap=0)
    assert res.cuts_added > 0
    write_mps(p, after)
    assert before.read_text() == after.read_text()
    assert p.A.shape == (1, 8)
    q = read_mps(after)
    assert q.A.shape == (1, 8) and q.solve(mip_rel_gap=0).fun == res.fun


def test_random_mixed_problems_with_negative_and_free_columns():
    """General integers with negative bounds, free continuous columns and
    equality rows: the scipy optimum satisfies every cut and the answers
    agree."""
    rng = np.random.default_rng(2024)
    checked = 0
    for _ in range(25):
        n, m = 7, 4
        A = rng.integers(-5, 6, (m, n)).astype(float)
        lb = rng.integers(-3, 1, n).astype(float)
        ub = lb + rng.integers(1, 6, n)
        integ = (rng.random(n) < 0.7).astype(int)
        free = rng.random(n) < 0.15
        lb[free & (integ == 0)] = -np.inf
        ub[free & (integ == 0)] = np.inf
        x0 = np.clip(np.round(rng.normal(0, 1, n)), np.where(np.isfinite(lb), lb, -2),
                     np.where(np.isfinite(ub), ub, 2))
        act = A @ x0
        rl = act - rng.integers(0, 3, m) - 0.5 * rng.random(m)
        ru = act + rng.integers(0, 3, m)
        rl[0] = ru[0] = act[0]
        kw = dict(c=rng.integers(-9, 10, n).astype(float), integrality=integ,
                  bounds=Bounds(lb, ub), constraints=LinearConstraint(A, rl, ru))
        ref = reference(kw)
        res = milp(**kw, options={"mip_rel_gap": 0})
        check_answer(res, kw, ref)
        p = as_problem(kw)
        sep = _separate(p, rounds=6)
        if sep is None or ref.status != 0:
            continue
        for cut in sep.cuts:
            assert _satisfies(cut, ref.x), cut
            checked += 1
    assert checked > 0


def test_slack_cuts_are_dropped_without_changing_the_bound():
    rng = np.random.default_rng(3)
    for _ in range(6):
        kw = CLASSES["general_mixed"](rng)
        p = as_problem(kw)
        keep = _separate(p, rounds=6)
        if keep is None or not keep.cuts:
            continue
        c = p.c if p.sense == "minimize" else -p.c
        lb, ub = np.ceil(p.lb - 1e-9), np.floor(p.ub + 1e-9)
        lb[~p.is_integer], ub[~p.is_integer] = p.lb[~p.is_integer], p.ub[~p.is_integer]
        lp = LPRelaxation(c, p.A, p.row_lower, p.row_upper, lb, ub)
        lp.solve()
        sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer, 6)
        sep.run(lb, ub, LP_OPTIMAL)
        assert len(sep.cuts) <= sep.added
        assert lp.m == p.A.shape[0] + len(sep.cuts)
        assert abs(lp.obj - sep.bounds[-1]) <= 1e-7 * max(1, abs(lp.obj))
