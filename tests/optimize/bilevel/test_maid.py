"""MAID on the built-in problems and a closed-form quadratic; warm starts; uncertified trials."""
import numpy as np
import pytest

from optsolve.optimize.bilevel import minimize_bilevel

from ._instances import Quadratic, foe_problem, logistic_problem, tight, tv_problem


def test_maid_converges_on_quadratic_to_closed_form():
    prob = Quadratic()
    res = minimize_bilevel(prob, np.zeros(3), tol=1e-5, options={"max_work": 200000})
    assert res.success and res.status == 0 and res.limit is None
    np.testing.assert_allclose(res.x, prob.theta_star(), atol=1e-4)
    assert np.linalg.norm(prob.grad_f(res.x)) <= 1e-5  # the certificate holds
    assert res.nwork == res.nlower + res.ncg and res.nlower > 0 and res.ncg > 0


def test_maid_accepted_steps_decrease_true_objective():
    prob = Quadratic(seed=1)
    thetas = []
    res = minimize_bilevel(prob, np.zeros(3), tol=1e-6,
                           callback=lambda intermediate_result: thetas.append(
                               intermediate_result.x))
    values = [prob.f(np.zeros(3))] + [prob.f(t) for t in thetas]
    assert len(values) > 3 and res.success
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:]))


def test_maid_decreases_tv_loss_and_improves_psnr():
    prob = tv_problem()
    theta0 = prob.theta0()
    f0, _, x0 = tight(prob, theta0)
    res = minimize_bilevel(prob, theta0, options={"max_work": 4000})
    assert res.status == 1 and res.limit == "max_work"
    assert res.nwork <= 4000 + 6 and res.nlower > 0 and res.ncg > 0 and res.nfev > 0
    f1, _, x1 = tight(prob, res.x)
    assert f1 < 0.5 * f0
    assert prob.psnr(x1) > prob.psnr(x0) + 3
    assert res.history["work"][-1] <= res.nwork and res.history["fun"].size >= 2


def test_maid_decreases_logistic_validation_loss():
    prob = logistic_problem()
    theta0 = prob.theta0()
    f0 = tight(prob, theta0)[0]
    res = minimize_bilevel(prob, theta0, options={"max_work": 3000})
    # learned weights reach e^-14: mu ~ 1e-6, where a 1e-11 certificate is
    # below double precision; 1e-9 is ample for a 1e-3 decrease
    assert tight(prob, res.x, tol=1e-9)[0] < f0 - 1e-3


def test_maid_decreases_foe_loss():
    prob = foe_problem()
    theta0 = prob.theta0()
    f0 = tight(prob, theta0)[0]
    res = minimize_bilevel(prob, theta0, options={"max_work": 1500})
    assert tight(prob, res.x)[0] < f0


def test_code_variant_of_decrease_test_runs():
    prob = Quadratic()
    res = minimize_bilevel(prob, np.zeros(3), options={"decrease": "eta2"}, tol=1e-5)
    assert res.success


def test_line_search_warm_starts_converge_and_predictions_save_work():
    # x*(theta) is affine here: the interpolated start of a backtracked trial and
    # the secant prediction of a first trial are exact along their directions
    # (with one hyperparameter every direction is the last step's); the paper's
    # step rule, whose long trials backtrack
    for m in (1, 3):
        prob = Quadratic(seed=2, m=m)
        runs = {w: minimize_bilevel(prob, np.zeros(m), tol=1e-6,
                                    options={"ls_warm": w, "beta0": 10.0,
                                             "step_rule": "growth",
                                             "direction": "gradient"})
                for w in ("base", "interpolate", "secant")}
        for res in runs.values():
            assert res.success
            np.testing.assert_allclose(res.x, prob.theta_star(), atol=1e-4)
        assert max(runs["secant"].nlower, runs["interpolate"].nlower) < runs["base"].nlower
        if m == 1:
            assert runs["secant"].nlower < 0.6 * runs["interpolate"].nlower


def test_bad_ls_warm():
    with pytest.raises(ValueError, match="`ls_warm` must be"):
        minimize_bilevel(Quadratic(), np.zeros(3), options={"ls_warm": "random"})


def test_uncertified_trials_are_rejected():
    # lower solves capped at 3 iterations mostly end uncertified: their values carry
    # no error bound, so no step may be accepted on them (true f never increases)
    prob = Quadratic(seed=1)
    thetas = []
    minimize_bilevel(prob, np.zeros(3), options={"lower_maxiter": 3, "max_work": 3000},
                     callback=lambda intermediate_result: thetas.append(
                         intermediate_result.x))
    values = [prob.f(np.zeros(3))] + [prob.f(t) for t in thetas]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:]))
