"""Presolve: every reduction checked against scipy on the original problem."""
import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize import linprog
from scipy.optimize import milp as scipy_milp

from optsolve.milp import Problem, milp
from optsolve.milp.presolve import presolve

from ._instances import CLASSES, as_problem, check_answer


def reducible(rng, n=14, m=9):
    """A mixed problem built to hit every reduction: fixed columns,
    singleton rows, redundant rows, big-M rows with binaries (coefficient
    tightening), columns free of locks (dual fixing), general integers and
    continuous columns."""
    nb = n // 2                              # binaries 0..nb-1
    integ = np.r_[np.ones(nb), (rng.random(n - nb) < 0.5)].astype(int)
    lb = np.zeros(n)
    ub = np.r_[np.ones(nb), rng.integers(2, 9, n - nb)].astype(float)
    fixed = rng.choice(n, 2, replace=False)
    ub[fixed] = lb[fixed] = np.minimum(1.0, ub[fixed])
    rows, lo, hi = [], [], []
    x0 = np.where(integ == 1, rng.integers(0, 2, n), rng.random(n)) * ub
    x0[fixed] = lb[fixed]
    for _ in range(m):                       # general rows feasible at x0
        a = rng.integers(-5, 6, n) * (rng.random(n) < 0.4)
        act = a @ x0
        rows.append(a)
        kind = rng.integers(3)
        lo.append(act - rng.integers(0, 3) if kind != 1 else -np.inf)
        hi.append(act + rng.integers(0, 3) if kind != 0 else np.inf)
    for k in range(3):                       # big-M: y_k >= x_j / M
        j = nb + k
        a = np.zeros(n)
        a[j] = 1.0
        a[k] = -100.0
        rows.append(a)
        lo.append(-np.inf)
        hi.append(0.0)
        x0[k] = max(x0[k], float(x0[j] > 0))
    # the big-M rows may have moved x0's binaries: re-centre the general rows
    for i in range(m):
        act = rows[i] @ x0
        lo[i] = min(lo[i], act)
        hi[i] = max(hi[i], act)
    s = rng.integers(nb, n)                  # a singleton row
    a = np.zeros(n)
    a[s] = 2.0
    rows.append(a)
    lo.append(-np.inf)
    hi.append(max(2.0 * x0[s], 3.0))
    rows.append(np.r_[np.ones(3), np.zeros(n - 3)])   # redundant: <= 3
    lo.append(-np.inf)
    hi.append(3.0)
    c = rng.integers(-9, 10, n).astype(float)
    return dict(c=c, integrality=integ, bounds=Bounds(lb, ub),
                constraints=LinearConstraint(np.array(rows), lo, hi))


def _scipy_on(p):
    cons = LinearConstraint(p.A, p.row_lower, p.row_upper) if p.num_rows else None
    return scipy_milp(p.c if p.sense == "minimize" else -p.c,
                      integrality=p.integrality, bounds=Bounds(p.lb, p.ub),
                      constraints=cons, options={"mip_rel_gap": 0})


def _check_reduction(p):
    """The reduced problem's optimum, mapped back, is feasible and optimal
    for the original (scipy solves both)."""
    before = (p.c.copy(), p.A.toarray(), p.lb.copy(), p.ub.copy(),
              p.row_lower.copy(), p.row_upper.copy())
    pre = presolve(p)
    after = (p.c, p.A.toarray(), p.lb, p.ub, p.row_lower, p.row_upper)
    for u, v in zip(before, after):           # the user's problem unchanged
        np.testing.assert_array_equal(u, v)
    ref = _scipy_on(p)
    if pre.status == "infeasible":
        assert ref.status == 2
        return pre
    red = _scipy_on(pre.problem)
    assert red.status == ref.status
    if ref.status == 0:
        x = pre.postsolve(red.x)
        assert p.is_feasible(x), p.violation(x)
        sign = 1.0 if p.sense == "minimize" else -1.0
        assert abs(p.objective(x) - (sign * ref.fun + p.offset)) <= 1e-6 * (1 + abs(ref.fun))
        # the reduced problem's offset carries the fixed columns
        assert abs(pre.problem.objective(red.x) - p.objective(x)) <= 1e-6 * (1 + abs(ref.fun))
    return pre


@pytest.mark.parametrize("seed", range(40))
def test_reductions_keep_the_optimum(seed):
    rng = np.random.default_rng(seed)
    _check_reduction(as_problem(reducible(rng)))
    for make in CLASSES.values():
        _check_reduction(as_problem(make(rng)))


def test_every_reduction_fires():
    tot = {}
    for seed in range(40):
        pre = presolve(as_problem(reducible(np.random.default_rng(seed))))
        for k, v in pre.stats.items():
            tot[k] = tot.get(k, 0) + v
    for key in ("fixed_columns", "removed_rows", "dual_fixed", "singleton_rows",
                "coefficients"):
        assert tot[key] > 0, (key, tot)


def test_big_m_coefficient_is_tightened_and_lp_bound_rises():
    # max x + 10 y ... as min: -x + 5 y, x <= 100 y, x in [0, 4], y binary
    p = Problem(c=[-1.0, 3.0], A=[[1.0, -100.0]], row_upper=[0.0],
                lb=[0, 0], ub=[4, 1], integrality=[0, 1])
    pre = presolve(p)
    q = pre.problem
    assert q.num_rows == 1 and q.num_cols == 2
    np.testing.assert_allclose(q.A.toarray(), [[1.0, -4.0]])
    lp = linprog(p.c, A_ub=p.A.toarray(), b_ub=p.row_upper, bounds=list(zip(p.lb, p.ub)))
    lq = linprog(q.c, A_ub=q.A.toarray(), b_ub=q.row_upper, bounds=list(zip(q.lb, q.ub)))
    assert lq.fun > lp.fun + 0.5              # -1 against -3.88
    assert milp(p.c, integrality=p.integrality, bounds=Bounds(p.lb, p.ub),
                constraints=LinearConstraint(p.A, -np.inf, 0)).fun == -1.0


def test_infeasibility_found_by_presolve():
    # x0 + x1 >= 3 over binaries
    kw = dict(c=[1.0, 1.0], integrality=1, bounds=(0, 1),
              constraints=LinearConstraint([[1.0, 1.0]], 3, np.inf))
    pre = presolve(as_problem(kw))
    assert pre.status == "infeasible" and pre.problem is None
    res = milp(**kw)
    check_answer(res, kw)
    assert res.status == 2 and res.nodes == 0 and res.mip_node_count is None


def test_everything_fixed_by_presolve():
    # singleton rows fix both columns; the reduced problem keeps one column
    kw = dict(c=[2.0, -1.0], integrality=[1, 0], bounds=(0, 5),
              constraints=LinearConstraint(np.eye(2), [2, 1.5], [2, 1.5]))
    pre = _check_reduction(as_problem(kw))
    assert pre.stats["fixed_columns"] == 2
    res = milp(**kw)
    check_answer(res, kw)
    np.testing.assert_allclose(res.x, [2.0, 1.5])


@pytest.mark.parametrize("seed", range(12))
def test_milp_with_and_without_presolve(seed):
    rng = np.random.default_rng(100 + seed)
    kw = reducible(rng)
    on = milp(**kw)
    off = milp(**kw, options={"presolve": False})
    check_answer(on, kw)
    check_answer(off, kw)
    assert on.presolve is not None and off.presolve is None


def test_maximisation_with_offset_through_presolve():
    p = Problem(c=[3.0, 2.0, 1.0], A=[[1, 1, 0], [0, 0, 1]], row_upper=[1.5, 2.5],
                lb=0, ub=[1, 1, 5], integrality=[1, 1, 1], sense="maximize",
                offset=7.0)
    res = p.solve()
    assert res.status == 0 and res.fun == 12.0 and p.is_feasible(res.x)
    _check_reduction(p)


def test_callback_sees_the_users_columns():
    kw = reducible(np.random.default_rng(5))
    n = len(kw["c"])
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.x)

    milp(**kw, options={"callback": cb})
    xs = [x for x in seen if x is not None]
    assert xs and all(x.shape == (n,) for x in xs)
    p = as_problem(kw)
    assert all(p.is_feasible(x) for x in xs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`problem` must be"):
        presolve("not a problem")
    with pytest.raises(ValueError, match="`presolve` must be a bool"):
        milp([1.0], integrality=1, bounds=(0, 1), options={"presolve": "yes"})


def test_integral_sides_round_to_the_gcd():
    """An equality no integer point meets, over unbounded integer columns:
    without the gcd rounding the tree is infinite (found by the fuzz)."""
    kw = dict(c=[1.0, -1.0, 0.0], integrality=[1, 1, 1], bounds=(None, None),
              constraints=LinearConstraint([[2.0, -2.0, 4.0]], 1, 1))
    pre = presolve(as_problem(kw))
    assert pre.status == "infeasible"
    res = milp(**kw, options={"node_limit": 1000})
    assert res.status == 2 and res.nodes == 0
    # 2 x0 + 4 x1 <= 5 is 2 x0 + 4 x1 <= 4; 3 x0 - 6 x1 >= -7.5 is >= -6
    kw = dict(c=[-1.0, -1.0], integrality=1, bounds=(0, 10),
              constraints=LinearConstraint([[2.0, 4.0], [3.0, -6.0]],
                                           [-np.inf, -7.5], [5.0, np.inf]))
    pre = presolve(as_problem(kw))
    assert pre.stats["integral_sides"] == 2
    check_answer(milp(**kw), kw)
    # a continuous column or a fractional coefficient leaves the row alone
    for integ, a in (([1, 0], [2.0, 4.0]), ([1, 1], [2.0, 0.5])):
        kw = dict(c=[-1.0, -1.0], integrality=integ, bounds=(0, 10),
                  constraints=LinearConstraint([a], -np.inf, 5.0))
        assert presolve(as_problem(kw)).stats["integral_sides"] == 0
        check_answer(milp(**kw), kw)
