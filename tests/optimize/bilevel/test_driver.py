"""minimize_bilevel at the door: limits, callback, output, bad input, Ctrl-C."""
import numpy as np
import pytest

import optsolve
from optsolve.optimize.bilevel import minimize_bilevel

from ._instances import Quadratic, tv_problem


def test_limits_end_runs_with_status():
    prob = tv_problem()
    r = minimize_bilevel(prob, prob.theta0(), options={"maxiter": 2})
    assert r.status == 1 and r.limit == "maxiter" and r.nit == 2 and not r.success
    r = minimize_bilevel(prob, prob.theta0(), options={"time_limit": 0})
    assert r.status == 1 and r.limit == "time"
    r = minimize_bilevel(prob, prob.theta0(), options={"max_work": 0})
    assert r.limit == "max_work" and np.array_equal(r.x, prob.theta0())


def test_callback_stopiteration():
    prob = tv_problem()
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.nwork)
        if len(seen) == 3:
            raise StopIteration

    r = minimize_bilevel(prob, prob.theta0(), callback=cb)
    assert r.limit == "callback" and r.status == 1 and r.nit == 3 and len(seen) == 3


def test_silent_unless_verbose(capsys):
    prob = tv_problem()
    minimize_bilevel(prob, prob.theta0(), options={"maxiter": 2})
    assert capsys.readouterr().out == ""
    minimize_bilevel(prob, prob.theta0(), options={"maxiter": 2}, verbose=2)
    out = capsys.readouterr().out
    assert "work" in out and "upper" in out


def test_public_names():
    assert optsolve.minimize_bilevel is minimize_bilevel
    assert optsolve.optimize.minimize_bilevel is minimize_bilevel


class Incomplete:
    def x0(self, theta):
        return np.zeros(2)


@pytest.mark.parametrize("theta0, match", [
    (np.array([np.nan, 0.0]), "`theta0` must contain only finite"),
    (np.array([np.inf, 0.0]), "`theta0` must contain only finite"),
    (np.zeros((2, 2)), "`theta0` must be a non-empty 1-D"),
    ([], "`theta0` must be a non-empty 1-D"),
])
def test_bad_theta0(theta0, match):
    with pytest.raises(ValueError, match=match):
        minimize_bilevel(Quadratic(), theta0)


def test_missing_method():
    with pytest.raises(ValueError, match="`problem` is missing.*lower_grad"):
        minimize_bilevel(Incomplete(), np.zeros(2))


@pytest.mark.parametrize("kw, match", [
    ({"method": "sgd"}, "`method`"),
    ({"tol": -1.0}, "`tol`"),
    ({"options": {"eps0": -0.1}}, "`eps0` must be a positive"),
    ({"options": {"delta0": 0.0}}, "`delta0` must be a positive"),
    ({"options": {"eta": 1.5}}, "`eta` must lie in"),
    ({"options": {"nu": 0.5}}, "`nu` must be at least 1"),
    ({"options": {"max_work": -5}}, "`max_work`"),
    ({"options": {"time_limit": -1}}, "`time_limit`"),
    ({"options": {"decrease": "eta3"}}, "`decrease`"),
    ({"options": {"beta0": "big"}}, "`beta0` must be a positive"),
    ({"options": {"hopeless_factor": 0}}, "`hopeless_factor` must be a positive"),
    ({"options": {"bogus": 1}}, "unknown `options`"),
    ({"method": "hoag", "options": {"schedule": "linear"}}, "`schedule`"),
    ({"method": "hoag", "options": {"delta0": 0.1}}, "unknown `options`"),
    ({"method": "hoag", "options": {"L0": "big"}}, "`L0` must be a positive"),
    ({"options": []}, "`options` must be a dict"),
    ({"callback": 3}, "`callback`"),
])
def test_bad_arguments(kw, match):
    with pytest.raises(ValueError, match=match):
        minimize_bilevel(Quadratic(), np.zeros(3), **kw)


def test_ctrl_c_returns_last_accepted_theta():
    import os
    import signal

    prob = tv_problem()
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.x)
        if len(seen) == 2:
            os.kill(os.getpid(), signal.SIGINT)  # caught by the run's guard

    r = minimize_bilevel(prob, prob.theta0(), callback=cb)
    assert r.status == 1 and r.limit == "interrupt"
    np.testing.assert_array_equal(r.x, seen[-1])
