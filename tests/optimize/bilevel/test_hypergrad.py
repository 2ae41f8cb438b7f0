"""Hypergradients, lower and adjoint solves, error bounds, work counts."""
import numpy as np
import pytest

from optsolve.optimize.bilevel import minimize_bilevel
from optsolve.optimize.bilevel.hypergrad import (HypergradientOracle, solve_adjoint, solve_lower,
                                                 solve_lower_newton)

from ._instances import Quadratic, foe_problem, logistic_problem, tight, tv_problem


@pytest.mark.parametrize("make, theta_fn", [
    (tv_problem, lambda p: np.array([-2.5, -3.0])),
    (foe_problem, lambda p: np.concatenate([np.full(3, -1.0), np.full(3, -2.0),
                                            p.theta0()[6:]])),
    (logistic_problem, lambda p: np.random.default_rng(3).standard_normal(p.n_theta) - 1),
    (lambda: logistic_problem(per="feature"),
     lambda p: np.random.default_rng(4).standard_normal(p.n_theta) - 1),
])
def test_hypergradient_matches_finite_differences(make, theta_fn):
    prob = make()
    theta = theta_fn(prob)
    _, h, _ = tight(prob, theta)
    rng = np.random.default_rng(0)
    for i in rng.choice(theta.size, min(3, theta.size), replace=False):
        e = np.zeros_like(theta)
        e[i] = 1e-5
        fd = (tight(prob, theta + e)[0] - tight(prob, theta - e)[0]) / 2e-5
        assert h[i] == pytest.approx(fd, rel=1e-5, abs=1e-9)


def test_hypergradient_on_quadratic_matches_closed_form():
    prob = Quadratic()
    theta = np.array([0.3, -1.0, 2.0])
    _, h, x = tight(prob, theta)
    np.testing.assert_allclose(x, prob.xstar(theta), atol=1e-9)
    np.testing.assert_allclose(h, prob.grad_f(theta), atol=1e-8)


@pytest.mark.parametrize("make", [tv_problem, logistic_problem, Quadratic])
def test_lower_certificate_and_cg_residual(make):
    prob = make()
    theta = prob.theta0() if hasattr(prob, "theta0") and not isinstance(prob, Quadratic) \
        else np.zeros(3)
    _, _, xs = tight(prob, theta)
    for eps in (1e-1, 1e-3):
        x, n, ok = solve_lower(prob, theta, prob.x0(theta), eps)
        assert ok and n >= 1
        assert np.linalg.norm(x - xs) <= eps
    rhs = prob.upper_grad(xs)
    for delta in (1e-2, 1e-6):
        q, n, ok = solve_adjoint(prob, xs, theta, rhs, delta)
        assert ok and np.linalg.norm(prob.lower_hvp(xs, theta, q) - rhs) <= delta


@pytest.mark.parametrize("make", [tv_problem, logistic_problem, foe_problem, Quadratic])
def test_newton_cg_lower_solver_certificate(make):
    prob = make()
    theta = np.zeros(3) if isinstance(prob, Quadratic) else prob.theta0()
    xs, _, ok = solve_lower(prob, theta, prob.x0(theta), 1e-10, maxiter=200000)
    assert ok
    for eps in (1e-1, 1e-3, 1e-6):
        x, n, ok = solve_lower_newton(prob, theta, prob.x0(theta), eps)
        assert ok and n >= 1
        assert np.linalg.norm(prob.lower_grad(x, theta)) <= eps * prob.strong_convexity(theta)
        assert np.linalg.norm(x - xs) <= eps
    # a cap on gradients + Hessian-vector products ends the solve uncertified
    x, n, ok = solve_lower_newton(prob, theta, prob.x0(theta), 1e-12, maxiter=3)
    assert not ok and n <= 3 + 1


def test_lower_solver_option_counts_work_and_auto_follows_problem():
    prob = logistic_problem()
    theta0 = prob.theta0()
    runs = {s: minimize_bilevel(prob, theta0, options={"max_work": 400, "lower_solver": s})
            for s in ("auto", "newton-cg", "fista")}
    # "auto" is the problem's preference: the same run as "newton-cg"
    np.testing.assert_array_equal(runs["auto"].x, runs["newton-cg"].x)
    assert runs["auto"].nwork == runs["newton-cg"].nwork
    assert [runs[s].lower_solver for s in ("auto", "fista")] == ["newton-cg", "fista"]
    assert minimize_bilevel(tv_problem(), np.array([-3.0, -3.0]),
                            options={"max_work": 50}).lower_solver == "fista"
    assert not np.array_equal(runs["fista"].x, runs["newton-cg"].x)
    for res in runs.values():
        assert res.nwork == res.nlower + res.ncg and res.limit == "max_work"
    with pytest.raises(ValueError, match="`lower_solver` must be"):
        minimize_bilevel(prob, theta0, options={"lower_solver": "lbfgs"})
    prob.preferred_lower_solver = "sgd"
    with pytest.raises(ValueError, match="`problem.preferred_lower_solver` must be"):
        minimize_bilevel(prob, theta0)


@pytest.mark.parametrize("make, theta", [
    (tv_problem, np.array([-2.5, -3.5])),
    (logistic_problem, None),
    (Quadratic, np.array([0.5, 0.5, -0.5])),
])
def test_error_bound_bounds_the_error(make, theta):
    prob = make()
    if theta is None:
        theta = prob.theta0()
    _, h_true, _ = tight(prob, theta)
    mu = prob.strong_convexity(theta)
    for eps, delta in ((1e-1, 1e-1), (1e-2, 1e-3), (1e-4, 1e-4)):
        oracle = HypergradientOracle(prob, prob.x0(theta))
        x = oracle.lower(theta, eps)
        g, gg = oracle.upper(x)
        h, q = oracle.hypergradient(x, theta, gg, delta)
        omega = oracle.error_bound(x, theta, h, q, gg, eps, delta, mu)
        assert np.linalg.norm(h - h_true) <= omega


def test_smoothness_estimate_is_counted_as_work():
    class WithSmoothness(Quadratic):
        def lower_smoothness(self, theta):
            return self.L

    r = minimize_bilevel(Quadratic(), np.zeros(3), options={"maxiter": 0})
    assert r.limit == "maxiter" and r.ncg == 20 and r.nlower > 0  # power iteration
    r = minimize_bilevel(WithSmoothness(), np.zeros(3), options={"maxiter": 0})
    assert r.ncg == 0 and r.nlower > 0


@pytest.mark.parametrize("seed", range(12))
def test_error_bound_holds_on_random_quadratics(seed):
    prob = Quadratic(seed=seed, n=30, m=4)
    theta = np.random.default_rng(seed).standard_normal(4)
    h_true = prob.grad_f(theta)
    for eps, delta in ((1e-1, 1e-1), (1e-2, 1e-3), (1e-3, 1e-2)):
        oracle = HypergradientOracle(prob, prob.x0(theta), seed=seed)
        x = oracle.lower(theta, eps)
        _, gg = oracle.upper(x)
        h, q = oracle.hypergradient(x, theta, gg, delta)
        omega = oracle.error_bound(x, theta, h, q, gg, eps, delta, prob.mu)
        assert np.linalg.norm(h - h_true) <= omega
    assert oracle.B <= np.linalg.norm(prob.C, 2) * (1 + 1e-4)  # an estimate from below
