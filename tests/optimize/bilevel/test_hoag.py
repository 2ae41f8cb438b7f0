"""The baselines: HOAG's schedules and the fixed-accuracy method."""
import numpy as np
import pytest

from optsolve.optimize.bilevel import minimize_bilevel

from ._instances import Quadratic, tv_problem


@pytest.mark.parametrize("method", ["fixed", "hoag"])
def test_baselines_reduce_quadratic(method):
    prob = Quadratic()
    theta0 = np.zeros(3)
    res = minimize_bilevel(prob, theta0, method=method, tol=1e-6,
                           options={"max_work": 20000})
    assert prob.f(res.x) < 0.5 * prob.f(theta0)


@pytest.mark.parametrize("schedule, L0", [("geometric", "dim"), ("quadratic", "sqrt"),
                                          ("cubic", 50.0)])
def test_hoag_schedules(schedule, L0):
    prob = tv_problem()
    res = minimize_bilevel(prob, np.array([-3.0, -4.0]), method="hoag",
                           options={"schedule": schedule, "max_work": 1500, "L0": L0})
    assert res.method == "hoag" and res.nwork > 0 and np.all(np.isfinite(res.x))
    assert np.isfinite(res.eps) and res.history["work"].size >= 2
