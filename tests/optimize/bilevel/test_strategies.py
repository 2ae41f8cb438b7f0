"""MAID's strategies: step rules, directions and warm starts, each on its own."""
import numpy as np
import pytest

from optsolve.optimize.bilevel._options import OPTIONS
from optsolve.optimize.bilevel.directions import DIRECTIONS, LBFGS, Gradient
from optsolve.optimize.bilevel.steprules import STEP_RULES
from optsolve.optimize.bilevel.warmstarts import WARM_STARTS

OPTS = {"beta_min": 1e-10, "beta_max": 1e10, "lbfgs_memory": 2, "eta": 1e-4}


def test_registries_are_the_choices_of_the_table():
    choices = {o.name: o.choices for o in OPTIONS}
    assert choices["step_rule"] == tuple(STEP_RULES)
    assert choices["direction"] == tuple(DIRECTIONS)
    assert choices["ls_warm"] == tuple(WARM_STARTS)


def test_step_rules():
    theta_old, h_old = np.array([0.0, 0.0]), np.array([2.0, 0.0])
    theta, h = np.array([1.0, 0.0]), np.array([1.0, 0.0])   # s = 1, y = -1: no curvature
    last = (theta_old, h_old, 0.01)
    hn = 1.0
    assert STEP_RULES["growth"](0.3, theta, h, hn, 0.01, last, OPTS) == 0.3
    assert STEP_RULES["length"](0.3, theta, h, hn, 0.01, last, OPTS) == pytest.approx(0.6)
    assert STEP_RULES["bb"](0.3, theta, h, hn, 0.01, last, OPTS) == 0.3
    assert STEP_RULES["bb-length"](0.3, theta, h, hn, 0.01, last, OPTS) == pytest.approx(0.6)
    h = np.array([4.0, 0.0])                                 # y = 2: BB step s's/s'y = 1/2
    for name in ("bb", "bb-length"):
        assert STEP_RULES[name](0.3, theta, h, 4.0, 0.01, last, OPTS) == pytest.approx(0.5)
    assert STEP_RULES["bb"](0.3, theta, h, 4.0, 0.01, last, dict(OPTS, beta_max=0.1)) == 0.1


def test_lbfgs_memory_and_proposal():
    d = LBFGS(OPTS)
    theta, h = np.zeros(2), np.array([1.0, 2.0])
    assert d.propose(theta, h, 0.0, None) is None and d.pending is None
    assert Gradient(OPTS).propose(theta, h, 0.0, None) is None
    # f = 0.5 theta' diag(1, 4) theta: exact pairs along both axes make H h the Newton step
    hess = np.diag([1.0, 4.0])
    steps = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])]
    theta_old = np.array([3.0, 3.0])
    for s in steps:
        theta_new = theta_old + s
        proposal = d.propose(theta_new, hess @ theta_new, 0.0, (theta_old, hess @ theta_old, 0.0))
        d.accepted()
        theta_old = theta_new
    assert len(d.pairs) == 2                                 # lbfgs_memory
    direction, slope = proposal
    assert slope == pytest.approx(float(hess @ theta_old @ direction))
    # a bound as large as h fails the accuracy test: the gradient step is used
    g = hess @ theta_old
    assert d.propose(theta_old, g, np.linalg.norm(g), (theta_old - steps[-1],
                                                        g - hess @ steps[-1], 0.0)) is None


def test_warm_starts_are_exact_for_a_linear_lower_solution():
    # x*(theta) = M theta: the secant prediction along the last step and the
    # interpolation along the ray are exact
    M = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    theta_old, theta_base = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    prev, x_base = (theta_old, M @ theta_old), M @ theta_base
    ray = theta_base - theta_old
    trials = [theta_base + 0.7 * ray, theta_base + 0.35 * ray]
    for name, exact_first in (("base", False), ("interpolate", False), ("secant", True)):
        warm = WARM_STARTS[name](theta_base, x_base, prev)
        first = warm.start(trials[0])
        np.testing.assert_allclose(first, M @ trials[0] if exact_first else x_base)
        warm.seen(trials[0], M @ trials[0])
        second = warm.start(trials[1])
        expect = x_base if name == "base" else M @ trials[1]
        np.testing.assert_allclose(second, expect)
    assert WARM_STARTS["secant"](theta_base, x_base, None).start(trials[0]) is x_base
