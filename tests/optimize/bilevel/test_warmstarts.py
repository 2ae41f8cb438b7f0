"""Warm starts of the line search's lower solves, and the three strategy registries."""
import numpy as np

from optsolve.optimize.bilevel._options import OPTIONS
from optsolve.optimize.bilevel.directions import DIRECTIONS
from optsolve.optimize.bilevel.steprules import STEP_RULES
from optsolve.optimize.bilevel.warmstarts import WARM_STARTS


def test_registries_are_the_choices_of_the_table():
    choices = {o.name: o.choices for o in OPTIONS}
    assert choices["step_rule"] == tuple(STEP_RULES)
    assert choices["direction"] == tuple(DIRECTIONS)
    assert choices["ls_warm"] == tuple(WARM_STARTS)


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
