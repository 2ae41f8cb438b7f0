"""First-trial-step rules (Barzilai-Borwein, displacement growth, beta0='dim')."""
import numpy as np
import pytest

import optsolve.optimize.bilevel.steprules as steprules
from optsolve.optimize.bilevel import minimize_bilevel
from optsolve.optimize.bilevel.steprules import STEP_RULES, _bb_step

from ._instances import Quadratic, _trial_steps

OPTS = {"beta_min": 1e-10, "beta_max": 1e10}


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


def test_bb_step_formula_and_safeguards():
    theta_old, h_old = np.array([0.0, 0.0]), np.array([2.0, 0.0])
    theta, h = np.array([-1.0, 0.0]), np.array([0.5, 0.0])   # s = (-1, 0), y = (-1.5, 0)
    last = (theta_old, h_old, 0.01)
    # s's / s'y = 1 / 1.5
    assert _bb_step(theta, h, 0.01, last, 7.0, 1e-10, 1e10) == pytest.approx(1 / 1.5)
    # clipped to [beta_min, beta_max]
    assert _bb_step(theta, h, 0.01, last, 7.0, 1.0, 2.0) == 1.0
    assert _bb_step(theta, h, 0.01, last, 7.0, 1e-3, 0.1) == 0.1
    # non-positive curvature: the fallback
    assert _bb_step(theta, np.array([3.0, 0.0]), 0.01, last, 7.0, 1e-10, 1e10) == 7.0
    assert _bb_step(theta_old, h, 0.01, last, 7.0, 1e-10, 1e10) == 7.0   # s = 0
    # ||y|| = 1.5 within the error bounds of the two hypergradients: the fallback
    assert _bb_step(theta, h, 1.0, (theta_old, h_old, 0.6), 7.0, 1e-10, 1e10) == 7.0
    assert _bb_step(theta, h, 1.0, (theta_old, h_old, 0.4), 7.0,
                    1e-10, 1e10) == pytest.approx(1 / 1.5)


def test_bb_step_is_used_on_a_quadratic_bilevel_problem(monkeypatch):
    # f(theta) = g(x*(theta)) is an exact quadratic with Hessian
    # H = C' A^-1 A^-1 C. With exact hypergradients every BB1 step s's/s'y
    # lies in [1/lambda_max(H), 1/lambda_min(H)]; ours carry certified errors
    # e, ||e|| <= omega + omega_old, so s'y = s'Hs + s'e and the bracket
    # widens by E = (omega + omega_old) / ||s||. Checked on the steps MAID
    # itself took (a spy on _bb_step), not on a re-derivation of its rule:
    # which pairs pass its tests depends on the last bits of the lower solves.
    # A well-conditioned instance (cond(H) = 5) and tol 1e-5: on seed 3
    # (cond(H) = 282) at tol 1e-6 the last sufficient decreases were ~1e-15
    # of f, and the run failed under OpenBLAS's Haswell and Sandybridge kernels
    prob = Quadratic(seed=5, m=3)
    Ainv_C = np.linalg.solve(prob.A, prob.C)
    ev = np.linalg.eigvalsh(Ainv_C.T @ Ainv_C)
    real_bb = steprules._bb_step
    bb_calls = []

    def bb_spy(theta, h, omega, last_step, fallback, beta_min, beta_max):
        out = real_bb(theta, h, omega, last_step, fallback, beta_min, beta_max)
        bb_calls.append((np.array(theta), np.array(h), omega, last_step, fallback,
                         (beta_min, beta_max), out))
        return out

    monkeypatch.setattr(steprules, "_bb_step", bb_spy)
    res, calls = _trial_steps(monkeypatch, prob, {"step_rule": "bb", "eps0": 1e-4,
                                                   "delta0": 1e-4, "direction": "gradient"},
                              tol=1e-5)
    assert res.success
    # ||grad f|| <= tol + omega, so ||theta - theta*|| <= 2e-5 / lambda_min(H) = 8e-5
    np.testing.assert_allclose(res.x, prob.theta_star(), atol=2e-4)
    first_trials = [c[2] for c in calls]
    used = 0
    for theta, h, omega, (theta_old, h_old, omega_old), fallback, clip, out in bb_calls:
        if out == fallback:
            continue
        s, y = theta - theta_old, h - h_old
        assert out == pytest.approx(min(max((s @ s) / (s @ y), clip[0]), clip[1]), rel=1e-9)
        err = (omega + omega_old) / np.linalg.norm(s)
        assert out >= (1 - 1e-9) / (ev[-1] + err)
        if ev[0] > err:
            assert out <= (1 + 1e-9) / (ev[0] - err)
        assert out in first_trials  # the line search started from it
        used += 1
    assert used >= 2


def test_bb_step_speeds_up_one_hyperparameter_quadratic():
    # with one hyperparameter BB1 is the inverse curvature: after one step the
    # trial lands (up to the hypergradients' inexactness) on the minimiser; from a
    # step 0.01 the paper's growth by 10/9 needs many steps (62 against 24 here)
    prob = Quadratic(seed=2, m=1)
    runs = {r: minimize_bilevel(prob, np.zeros(1), tol=1e-6,
                                options={"step_rule": r, "beta0": 0.01,
                                         "direction": "gradient"})
            for r in ("growth", "length", "bb", "bb-length")}
    for res in runs.values():
        assert res.success
        np.testing.assert_allclose(res.x, prob.theta_star(), atol=1e-4)
    for r in ("bb", "bb-length"):
        assert runs[r].nit < runs["growth"].nit / 2
        assert runs[r].nwork < runs["growth"].nwork / 2


@pytest.mark.parametrize("rule", ["bb", "length", "bb-length"])
@pytest.mark.parametrize("beta0", ["auto", "dim"])
def test_step_rules_converge_to_closed_form(rule, beta0):
    prob = Quadratic()
    thetas = []
    res = minimize_bilevel(prob, np.zeros(3), tol=1e-5,
                           options={"step_rule": rule, "beta0": beta0, "max_work": 200000},
                           callback=lambda intermediate_result: thetas.append(
                               intermediate_result.x))
    assert res.success and res.status == 0
    np.testing.assert_allclose(res.x, prob.theta_star(), atol=1e-4)
    assert np.linalg.norm(prob.grad_f(res.x)) <= 1e-5
    # the acceptance test is the paper's: accepted steps never increase f
    values = [prob.f(np.zeros(3))] + [prob.f(t) for t in thetas]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:]))


def test_beta0_dim_is_hoags_first_step(monkeypatch):
    prob = Quadratic(seed=1)
    _, calls = _trial_steps(monkeypatch, prob, {"beta0": "dim"})
    theta, h, alpha0 = calls[0][:3]
    assert alpha0 == pytest.approx(1 / (np.linalg.norm(h) * theta.size))


def test_length_rule_keeps_the_displacement_growing_by_growth(monkeypatch):
    prob = Quadratic(seed=1)
    _, calls = _trial_steps(monkeypatch, prob, {"step_rule": "length", "growth": 1.5,
                                                "direction": "gradient"})
    checked = 0
    for (_, h0, _, acc, a0), (_, h1, a1, _, _) in zip(calls, calls[1:]):
        if acc:
            assert a1 * np.linalg.norm(h1) == pytest.approx(1.5 * a0 * np.linalg.norm(h0))
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("options, match", [
    ({"step_rule": "newton"}, "`step_rule` must be one of"),
    ({"beta_min": -1.0}, "`beta_min` must be a positive"),
    ({"beta_max": 0.0}, "`beta_max` must be a positive"),
    ({"beta_min": 2.0, "beta_max": 1.0}, "`beta_min` must not exceed `beta_max`"),
    ({"beta0": "sqrt"}, "`beta0` must be a positive"),
    ({"direction": "newton"}, "`direction` must be one of"),
    ({"direction": "lbfgs", "lbfgs_memory": 0}, r"`lbfgs_memory` must be an integer in \[1"),
    ({"lbfgs_memory": 2.5}, "`lbfgs_memory`"),
])
def test_bad_step_options(options, match):
    with pytest.raises(ValueError, match=match):
        minimize_bilevel(Quadratic(), np.zeros(3), options=options)


def test_step_options_not_for_hoag():
    with pytest.raises(ValueError, match="unknown `options`"):
        minimize_bilevel(Quadratic(), np.zeros(3), method="hoag",
                         options={"step_rule": "bb"})
