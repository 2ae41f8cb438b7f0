import numpy as np
import pytest

from optsolve.milp import generators as g

from ._instances import check_answer


def _kw(p):
    sign = 1 if p.sense == "minimize" else -1
    return dict(c=sign * p.c, integrality=p.integrality, bounds=(p.lb, p.ub),
                constraints=(p.A, p.row_lower, p.row_upper))


@pytest.mark.parametrize("make, args", [
    (g.set_cover, (15, 30, 0.1)),
    (g.combinatorial_auction, (10, 25)),
    (g.capacitated_facility_location, (6, 4)),
    (g.independent_set, (25, 4)),
    (g.knapsack, (15, 2)),
])
@pytest.mark.parametrize("rule", ["relpscost", "pscost", "fullstrong", "mostinf"])
def test_classes_solved_like_scipy(make, args, rule):
    p = make(*args, seed=3)
    res = p.solve(branching=rule, mip_rel_gap=0)
    kw = _kw(p)
    res_min = dict(res)
    sign = 1 if p.sense == "minimize" else -1
    from scipy.optimize import OptimizeResult
    r = OptimizeResult(res_min)
    r.fun = sign * res.fun
    r.mip_dual_bound = sign * res.mip_dual_bound
    check_answer(r, kw)


def test_generators_are_seeded_and_sized():
    a, b = g.set_cover(20, 40, 0.1, seed=5), g.set_cover(20, 40, 0.1, seed=5)
    assert (a.A != b.A).nnz == 0 and np.array_equal(a.c, b.c)
    assert (np.asarray(a.A.sum(axis=0)).ravel() >= 1).all()     # each column covers
    assert (np.asarray(a.A.sum(axis=1)).ravel() >= 2).all()     # each row coverable
    f = g.capacitated_facility_location(5, 3, seed=0)
    assert f.num_cols == 5 * 3 + 3 and f.num_rows == 5 + 3 + 1 + 15
    s = g.independent_set(40, 4, seed=1)
    assert s.num_cols == 40 and set(np.unique(s.A.data)) == {1.0}
    assert set(g.GENERATORS) == {"setcover", "cauctions", "facilities", "indset"}
    with pytest.raises(ValueError, match="`density`"):
        g.set_cover(5, 5, density=0)
