"""Line searches: exact-value Armijo and MAID's inexact-value backtracking."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from optsolve.optimize import line_search_backtracking
from optsolve.optimize.linesearch import (LineSearchWarning, inexact_sufficient_decrease,
                                          line_search_inexact)


def quad(x):
    return float(x @ x)


def quad_grad(x):
    return 2 * x


@njit(cache=True)
def rosen_nb(x, a):
    s = 0.0
    for i in range(x.size - 1):
        s += a * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rosen_py(x, a):
    return float(np.sum(a * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def rosen_grad(x, a):
    g = np.zeros_like(x)
    d = x[1:] - x[:-1] ** 2
    g[:-1] += -4 * a * d * x[:-1] - 2 * (1 - x[:-1])
    g[1:] += 2 * a * d
    return g


def test_armijo_must_backtrack_on_hand_made_case():
    # f = x^2 at x = 1, direction -2: alpha = 1 lands at f(-1) = 1, no decrease;
    # alpha = 0.5 lands at the minimiser.
    xk = np.array([1.0])
    alpha, fc, gc, fnew, fold, slope = line_search_backtracking(
        quad, quad_grad, xk, np.array([-2.0]))
    assert alpha == 0.5 and fc == 3 and gc == 1  # f(xk), alpha=1, alpha=0.5
    assert fnew == 0.0 and fold == 1.0 and slope is None


def test_armijo_condition_holds_and_is_tight():
    rng = np.random.default_rng(0)
    a = 100.0
    for _ in range(20):
        x = rng.standard_normal(5)
        g = rosen_grad(x, a)
        alpha, fc, gc, fnew, fold, _ = line_search_backtracking(
            rosen_py, rosen_grad, x, -g, args=(a,), c1=1e-4, rho=0.5)
        assert alpha is not None
        assert fnew == pytest.approx(rosen_py(x - alpha * g, a))
        assert fnew <= fold + 1e-4 * alpha * float(g @ -g)
        if alpha < 1.0:  # the previous (twice larger) trial failed the test
            prev = 2 * alpha
            assert rosen_py(x - prev * g, a) > fold + 1e-4 * prev * float(g @ -g)


def test_numba_objective_gives_same_answer_as_python():
    x = np.array([-1.2, 1.0, 0.5])
    g = rosen_grad(x, 100.0)
    out_nb = line_search_backtracking(rosen_nb, None, x, -g, gfk=g, args=(100.0,))
    out_py = line_search_backtracking(rosen_py, None, x, -g, gfk=g, args=(100.0,))
    assert out_nb[0] == out_py[0] and out_nb[1] == out_py[1]
    assert out_nb[3] == pytest.approx(out_py[3])


def test_gradient_descent_with_backtracking_converges():
    x = np.array([3.0, -2.0])
    A = np.diag([1.0, 10.0])
    f = lambda z: 0.5 * float(z @ A @ z)  # noqa: E731
    for _ in range(200):
        g = A @ x
        alpha = line_search_backtracking(f, None, x, -g, gfk=g)[0]
        x = x - alpha * g
    assert np.linalg.norm(x) < 1e-8


def test_not_a_descent_direction_warns_and_returns_none():
    with pytest.warns(LineSearchWarning, match="descent"):
        out = line_search_backtracking(quad, quad_grad, np.array([1.0]), np.array([1.0]))
    assert out[0] is None and out[3] is None


def test_failure_warns():
    # a wrong gradient: f increases along pk, so no step can pass the test
    f = lambda x: float(x[0])  # noqa: E731
    with pytest.warns(LineSearchWarning, match="acceptable"):
        out = line_search_backtracking(f, None, np.array([0.5]), np.array([1.0]),
                                       gfk=np.array([-1.0]), maxiter=5)
    assert out[0] is None


@pytest.mark.parametrize("kw, match", [
    ({"c1": 0.0}, "`c1`"), ({"c1": 1.5}, "`c1`"), ({"rho": 1.0}, "`rho`"),
    ({"alpha0": -1.0}, "`alpha0`"), ({"maxiter": 0}, "`maxiter`"),
])
def test_bad_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        line_search_backtracking(quad, quad_grad, np.array([1.0]), np.array([-1.0]), **kw)


def test_bad_arrays():
    with pytest.raises(ValueError, match="`xk` and `pk`"):
        line_search_backtracking(quad, quad_grad, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        line_search_backtracking(quad, quad_grad, np.array([np.nan]), np.ones(1))
    with pytest.raises(ValueError, match="`myfprime`"):
        line_search_backtracking(quad, None, np.ones(1), -np.ones(1))


# --- inexact values -------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), eps=st.floats(1e-6, 0.3),
       alpha=st.floats(1e-3, 1.0))
def test_inexact_test_implies_true_decrease(seed, eps, alpha):
    """Whenever the inexact test accepts, the exact values decrease enough.

    g(x) = 0.5 ||x - c||^2 (convex, L_g = 1); the inexact points lie within
    eps of the exact ones, as the lower-level certificate guarantees."""
    rng = np.random.default_rng(seed)
    c = rng.standard_normal(4)
    x_old, x_new = rng.standard_normal(4), c + 0.3 * rng.standard_normal(4)
    u, v = rng.standard_normal(4), rng.standard_normal(4)
    xt_old = x_old + eps * rng.uniform() * u / np.linalg.norm(u)
    xt_new = x_new + eps * rng.uniform() * v / np.linalg.norm(v)
    g = lambda x: 0.5 * float((x - c) @ (x - c))  # noqa: E731
    d2 = float(rng.uniform(0.01, 5.0))
    ok = inexact_sufficient_decrease(g(xt_new), np.linalg.norm(xt_new - c),
                                     g(xt_old), np.linalg.norm(xt_old - c), eps, eps,
                                     alpha, d2, c=1e-4, upper_lipschitz=1.0)
    if ok:
        assert g(x_new) - g(x_old) <= -1e-4 * alpha * d2 + 1e-12


def test_inexact_search_backtracks_on_hand_made_case():
    # f(t) = t^2, inexact values exact (eps ~ 0); direction 2t at t = 1:
    # step 1 -> t = -1 (no decrease), step 0.5 -> t = 0 (accepted)
    evals = []

    def evaluate(t):
        evals.append(float(t[0]))
        return float(t @ t), float(2 * np.linalg.norm(t)), "payload"

    step = line_search_inexact(evaluate, np.array([1.0]), np.array([2.0]), 1.0, 2.0,
                               1e-12, alpha0=1.0, rho=0.5)
    assert step.accepted and step.alpha == 0.5 and step.ntrials == 2
    assert evals == [-1.0, 0.0] and step.payload == "payload" and step.fun == 0.0


def test_inexact_search_errors_make_acceptance_harder():
    evaluate = lambda t: (float(t @ t), float(2 * np.linalg.norm(t)), None)  # noqa: E731
    theta, d = np.array([1.0]), np.array([2.0])
    exact = line_search_inexact(evaluate, theta, d, 1.0, 2.0, 1e-12, alpha0=0.5)
    assert exact.accepted
    # with eps = 0.5 the bounds overlap too much: no step can be certified
    loose = line_search_inexact(evaluate, theta, d, 1.0, 2.0, 0.5, alpha0=0.5,
                                upper_lipschitz=2.0, maxiter=6)
    assert not loose.accepted and loose.theta is None and loose.ntrials == 6


def test_inexact_search_hopeless_exit_skips_evaluations():
    calls = []

    def evaluate(t):
        calls.append(t)
        return float(t @ t) + 0.3, 1.0, None  # never decreases enough

    theta, d = np.array([1.0]), np.array([2.0])
    # errors 2 * 1.0 * 0.1 = 0.2; 4 * alpha * 4 < 0.2 first at alpha = 0.1 / 16
    step = line_search_inexact(evaluate, theta, d, 1.0, 1.0, 0.1, alpha0=0.1, rho=0.5,
                               maxiter=10, hopeless_factor=4.0)
    assert not step.accepted and step.ntrials == len(calls) == 4
    full = line_search_inexact(evaluate, theta, d, 1.0, 1.0, 0.1, alpha0=0.1, rho=0.5,
                               maxiter=10)
    assert not full.accepted and full.ntrials == 10


def test_inexact_search_with_a_preconditioned_direction_asks_slope_decrease():
    # f = t't at t = (1, 0): h = (2, 0); d = P h with P = diag(0.25, 1) gives
    # slope h'd = 1 against ||d||^2 = 0.25
    evaluate = lambda t: (float(t @ t), float(2 * np.linalg.norm(t)), None)  # noqa: E731
    theta, h = np.array([1.0, 0.0]), np.array([2.0, 0.0])
    d = np.array([0.5, 0.0])
    # alpha = 1: f drops from 1 to 0.25; c = 0.7: 0.75 >= 0.7 * 0.25 (||d||^2)
    # but 0.75 < 0.7 * 1 (slope) is false, so both accept; c = 0.8 with the
    # slope asks for 0.8 and rejects, with ||d||^2 asks for 0.2 and accepts
    assert line_search_inexact(evaluate, theta, d, 1.0, 2.0, 1e-12, alpha0=1.0,
                               c=0.8, maxiter=1).accepted
    assert not line_search_inexact(evaluate, theta, d, 1.0, 2.0, 1e-12, alpha0=1.0,
                                   c=0.8, maxiter=1, slope=float(h @ d)).accepted
    assert line_search_inexact(evaluate, theta, d, 1.0, 2.0, 1e-12, alpha0=1.0,
                               c=0.7, maxiter=1, slope=float(h @ d)).accepted
    with pytest.raises(ValueError, match="`slope` must be positive"):
        line_search_inexact(evaluate, theta, d, 1.0, 2.0, 1e-12, alpha0=1.0, slope=-1.0)


def test_armijo_path_skips_non_descent_trials_and_counts_evaluations():
    from optsolve.optimize.linesearch import armijo_path
    calls = []

    def phi(a):
        calls.append(a)
        return (1.0 - a) ** 2

    # the model decrease is positive at a = 1 (skipped, not evaluated), then negative
    alpha, n, value = armijo_path(phi, 1.0, lambda a: 1.0 if a == 1.0 else -a)
    assert (alpha, n, calls) == (0.5, 1, [0.5]) and value == 0.25
    # nothing passes: None after maxiter trials
    assert armijo_path(lambda a: 2.0, 1.0, lambda a: -a, maxiter=5) == (None, 5, None)
    # the slack accepts a value at phi0 up to it
    assert armijo_path(lambda a: 1.0 + 1e-12, 1.0, lambda a: -1e-20, slack=1e-11)[0] == 1.0
