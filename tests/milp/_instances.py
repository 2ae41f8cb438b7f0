"""Small generated MILPs and the independent checks the tests share."""
import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog
from scipy.optimize import milp as scipy_milp

from optsolve.milp import Problem


def knapsack(rng, n=12):
    w = rng.integers(5, 40, n).astype(float)
    p = w + rng.integers(0, 15, n)
    return dict(c=-p, integrality=np.ones(n), bounds=Bounds(0, 1),
                constraints=LinearConstraint(w[None, :], -np.inf, np.floor(w.sum() / 2)))


def set_cover(rng, m=10, n=16):
    A = (rng.random((m, n)) < 0.25).astype(float)
    A[np.arange(m), rng.integers(0, n, m)] = 1.0
    c = rng.integers(1, 20, n).astype(float)
    return dict(c=c, integrality=1, bounds=(0, 1),
                constraints=LinearConstraint(A, 1, np.inf))


def assignment(rng, k=4):
    n = k * k
    cost = rng.integers(1, 30, n).astype(float)
    A = np.zeros((2 * k, n))
    for i in range(k):
        A[i, i * k:(i + 1) * k] = 1
        A[k + i, i::k] = 1
    return dict(c=cost, integrality=1, bounds=(0, 1),
                constraints=(A, np.ones(2 * k), np.ones(2 * k)))


def general_mixed(rng, n=8, m=5):
    """General integers and continuous columns with an equality row."""
    A = rng.integers(-4, 6, (m, n)).astype(float)
    x0 = rng.integers(0, 4, n).astype(float)
    b = A @ x0
    lo = np.full(m, -np.inf)
    hi = b + rng.integers(0, 4, m)
    lo[0] = hi[0] = b[0]           # an equality row, feasible at x0
    integ = (rng.random(n) < 0.6).astype(int)
    c = rng.integers(-9, 10, n).astype(float)
    ub = rng.integers(3, 8, n).astype(float)
    return dict(c=c, integrality=integ, bounds=Bounds(0, ub),
                constraints=[LinearConstraint(A[:1], lo[:1], hi[:1]),
                             LinearConstraint(A[1:], lo[1:], hi[1:])])


def infeasible(rng, n=6):
    # sum x = 2.5 with x integer: LP feasible, MILP infeasible
    c = rng.integers(1, 9, n).astype(float)
    return dict(c=c, integrality=1, bounds=(0, 3),
                constraints=LinearConstraint(np.ones((1, n)), 2.5, 2.5))


def unbounded(rng, n=5):
    c = -rng.integers(1, 9, n).astype(float)
    A = np.ones((1, n))
    A[0, 0] = -1
    return dict(c=c, integrality=[1] + [0] * (n - 1), bounds=(0, np.inf),
                constraints=LinearConstraint(A, -np.inf, 3))


CLASSES = {"knapsack": knapsack, "set_cover": set_cover, "assignment": assignment,
           "general_mixed": general_mixed, "infeasible": infeasible}


def as_problem(kw):
    from optsolve.milp.problem import milp_iv
    return milp_iv(kw["c"], kw.get("integrality"), kw.get("bounds"),
                   kw.get("constraints"))


def reference(kw):
    """scipy.optimize.milp (HiGHS) with a zero gap."""
    return scipy_milp(options={"mip_rel_gap": 0}, **kw)


def check_answer(res, kw, ref=None):
    """Status and objective against scipy; x feasible for the problem."""
    ref = reference(kw) if ref is None else ref
    p = as_problem(kw)
    assert res.status == ref.status, (res.status, ref.status, res.message)
    if res.status == 0:
        assert res.success
        assert p.is_feasible(res.x, tol=1e-6), p.violation(res.x)
        assert abs(p.objective(res.x) - res.fun) <= 1e-9 * max(1, abs(res.fun))
        assert abs(res.fun - ref.fun) <= 1e-6 * max(1.0, abs(ref.fun))
        assert res.mip_dual_bound <= res.fun + 1e-9 * max(1, abs(res.fun))
    else:
        assert res.x is None and not res.success
    return p


def check_unbounded(kw):
    """Independent proof of unboundedness: LP relaxation unbounded and an
    integer-feasible point exists."""
    lp = linprog(kw["c"], A_ub=kw["constraints"].A, b_ub=kw["constraints"].ub,
                 bounds=(0, None), method="highs")
    assert lp.status == 3
    feas = scipy_milp(np.zeros_like(kw["c"]), integrality=kw["integrality"],
                      bounds=kw["bounds"], constraints=kw["constraints"])
    assert feas.status == 0


__all__ = ["CLASSES", "Problem", "as_problem", "reference", "check_answer",
           "check_unbounded", "unbounded"]
