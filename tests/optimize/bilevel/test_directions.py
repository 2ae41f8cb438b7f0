"""The L-BFGS search direction."""
import numpy as np
import pytest

import optsolve.optimize.bilevel.directions as directions
import optsolve.optimize.bilevel.maid as maid
from optsolve.optimize.bilevel import minimize_bilevel
from optsolve.optimize.bilevel.directions import LBFGS, Gradient
from optsolve.optimize.bilevel.directions import curvature_pair as _curvature_pair
from optsolve.optimize.bilevel.directions import two_loop as _two_loop

from ._instances import Quadratic, _trial_steps, foe_problem, logistic_problem, tight, tv_problem


def test_two_loop_is_the_bfgs_inverse_update():
    # H_0 = (s'y / y'y) I of the newest pair, then the BFGS inverse update
    # H <- (I - r s y') H (I - r y s') + r s s' for each pair, oldest first
    rng = np.random.default_rng(0)
    n = 5
    M = rng.standard_normal((n, n))
    B = M @ M.T + np.eye(n)   # a positive definite Hessian: every s'y > 0
    memory = []
    for _ in range(3):
        s = rng.standard_normal(n)
        y = B @ s
        memory.append((s, y, 1.0 / (s @ y)))
    s, y, r = memory[-1]
    H = np.eye(n) * (s @ y) / (y @ y)
    for s, y, r in memory:
        V = np.eye(n) - r * np.outer(y, s)
        H = V.T @ H @ V + r * np.outer(s, s)
    h = rng.standard_normal(n)
    np.testing.assert_allclose(_two_loop(h, memory), H @ h, rtol=1e-10)
    # the newest secant equation H y = s holds
    s, y, _ = memory[-1]
    np.testing.assert_allclose(_two_loop(y, memory), s, rtol=1e-10)


def test_curvature_pair_rejections():
    theta_old, h_old = np.zeros(2), np.array([1.0, 0.0])
    theta, h = np.array([1.0, 0.0]), np.array([3.0, 0.0])
    s, y, r = _curvature_pair(theta, h, (theta_old, h_old, 0.1))
    np.testing.assert_allclose(s, [1.0, 0.0])
    np.testing.assert_allclose(y, [2.0, 0.0])
    assert r == pytest.approx(0.5)
    assert _curvature_pair(theta, h, None) is None                             # no step yet
    assert _curvature_pair(theta, np.array([0.0, 5.0]), (theta_old, h_old, 0.1)) is None  # s'y < 0
    assert _curvature_pair(theta_old, h, (theta_old, h_old, 0.1)) is None      # s = 0


def test_lbfgs_direction_converges_and_beats_the_gradient_on_a_quadratic(monkeypatch):
    # tol 1e-5 for both directions: at 1e-6 the gradient direction's last
    # sufficient decreases on this cond(H) = 353 instance were ~1e-15 of f,
    # and it failed under OpenBLAS's Haswell and Sandybridge kernels
    prob = Quadratic(seed=4, n=12, m=6)
    theta0 = np.zeros(6)
    thetas = []
    res, calls = _trial_steps(monkeypatch, prob, {"direction": "lbfgs", "eps0": 1e-3,
                                                   "delta0": 1e-3}, tol=1e-5)
    assert res.success and res.status == 0
    # ||grad f|| <= 2e-5 bounds ||theta - theta*|| by 2e-5 / lambda_min(H) = 1.3e-3
    np.testing.assert_allclose(res.x, prob.theta_star(), atol=2e-3)
    assert np.linalg.norm(prob.grad_f(res.x)) <= 2e-5
    # the L-BFGS steps were taken (unit first trial step, direction not h)
    lbfgs_steps = [c for c in calls if c[2] == 1.0 and c[3]]
    assert len(lbfgs_steps) >= 3
    grad = minimize_bilevel(prob, theta0, tol=1e-5, options={"eps0": 1e-3, "delta0": 1e-3,
                                                             "direction": "gradient"})
    assert grad.success
    assert res.nit < grad.nit and res.nwork < grad.nwork
    # accepted steps never increase the true objective
    res = minimize_bilevel(prob, theta0, tol=1e-6, options={"direction": "lbfgs"},
                           callback=lambda intermediate_result: thetas.append(
                               intermediate_result.x))
    values = [prob.f(theta0)] + [prob.f(t) for t in thetas]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:]))


@pytest.mark.parametrize("make, budget", [(tv_problem, 3000), (foe_problem, 1500),
                                          (logistic_problem, 3000)])
def test_lbfgs_direction_decreases_application_losses(make, budget):
    prob = make()
    theta0 = prob.theta0()
    f0 = tight(prob, theta0)[0]
    res = minimize_bilevel(prob, theta0, options={"max_work": budget, "direction": "lbfgs"})
    assert tight(prob, res.x, tol=1e-9)[0] < f0 - 1e-3


def test_lbfgs_direction_failing_its_accuracy_test_falls_back_to_the_gradient(monkeypatch):
    # a direction almost orthogonal to h cannot pass omega ||d|| <= (1 - eta) h'd
    # (omega > 0 at any finite accuracy): every search then runs along h
    def skewed(h, memory):
        perp = np.roll(h, 1) - (np.roll(h, 1) @ h) / (h @ h) * h
        return perp + 1e-9 * h

    monkeypatch.setattr(directions, "two_loop", skewed)
    slopes = []
    real = maid.line_search_inexact

    def spy(*args, slope=None, **kw):
        slopes.append(slope)
        return real(*args, slope=slope, **kw)

    monkeypatch.setattr(maid, "line_search_inexact", spy)
    prob = Quadratic(seed=1)
    res = minimize_bilevel(prob, np.zeros(3), tol=1e-6, options={"direction": "lbfgs"})
    assert res.success and len(slopes) > 3
    assert all(s is None for s in slopes)
    np.testing.assert_allclose(res.x, prob.theta_star(), atol=1e-4)


def test_lbfgs_memory_and_proposal():
    d = LBFGS({"lbfgs_memory": 2, "eta": 1e-4})
    theta, h = np.zeros(2), np.array([1.0, 2.0])
    assert d.propose(theta, h, 0.0, None) is None and d.pending is None
    assert Gradient({}).propose(theta, h, 0.0, None) is None
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
