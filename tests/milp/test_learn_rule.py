"""The learned rule in the search: exact answers whatever the weights,
weights files by path."""
import numpy as np
import pytest
from scipy.optimize import milp as scipy_milp

from optsolve.milp import Problem
from optsolve.milp.branching.learned import Learned
from optsolve.milp.generators import combinatorial_auction, independent_set, set_cover
from optsolve.milp.learn.infer import Policy, weight_shapes


def scipy_optimum(p: Problem):
    from scipy.optimize import Bounds, LinearConstraint
    r = scipy_milp(p.c if p.sense == "minimize" else -p.c,
                   integrality=p.integrality,
                   bounds=Bounds(p.lb, p.ub),
                   constraints=LinearConstraint(p.A, p.row_lower, p.row_upper))
    assert r.status == 0
    return r.fun if p.sense == "minimize" else -r.fun


@pytest.mark.parametrize("make", [lambda: set_cover(50, 100, seed=0),
                                  lambda: combinatorial_auction(20, 60, seed=2),
                                  lambda: independent_set(40, 4, seed=1)])
def test_exact_with_random_weights(make):
    p = make()
    rule = Learned(Policy.random(seed=3))
    res = p.solve(branching=rule, cuts=False, presolve=False, heuristics=False,
                  submip=False)
    assert res.status == 0 and p.is_feasible(res.x)
    assert res.fun == pytest.approx(scipy_optimum(p), rel=1e-6, abs=1e-6)
    # default options (presolve, cuts, sub-MIPs) too
    res = p.solve(branching=rule)
    assert res.fun == pytest.approx(scipy_optimum(p), rel=1e-6, abs=1e-6)


def test_weights_by_path(tmp_path):
    rng = np.random.default_rng(0)
    w = {k: rng.normal(size=s) * 0.1 for k, s in weight_shapes().items()}
    np.savez(tmp_path / "mine.npz", **w)
    rule = Learned(tmp_path / "mine.npz")
    assert rule.policy.emb == 64
    with pytest.raises(ValueError, match="nothere.npz: not a weights file"):
        Learned(tmp_path / "nothere.npz")
