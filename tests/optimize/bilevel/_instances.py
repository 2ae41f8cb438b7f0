"""Instances shared by the bilevel tests (generated, small)."""
import numpy as np

import optsolve.optimize.bilevel.maid as maid
from optsolve.optimize.bilevel import (BilevelProblem, FieldOfExperts, MultinomialLogistic,
                                       TVDenoising, minimize_bilevel)
from optsolve.optimize.bilevel.hypergrad import solve_adjoint, solve_lower, solve_lower_newton


def blocks(rng, n=3, k=4):
    """Piecewise-constant n*k x n*k image and a noisy copy (sigma 0.1)."""
    clean = np.kron(rng.integers(0, 2, (n, n)), np.ones((k, k))).astype(float)
    return clean, clean + 0.1 * rng.standard_normal(clean.shape)


def tv_problem(seed=0, n_images=2):
    rng = np.random.default_rng(seed)
    pairs = [blocks(rng) for _ in range(n_images)]
    return TVDenoising([c for c, _ in pairs], [y for _, y in pairs])


def foe_problem(seed=0):
    rng = np.random.default_rng(seed)
    c, y = blocks(rng, 3, 4)
    return FieldOfExperts([c], [y], n_filters=3, size=3, random_state=seed)


def logistic_problem(seed=0, per="weight"):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((60, 4))
    y = np.argmax(X[:, :3] + 0.5 * rng.standard_normal((60, 3)), axis=1)
    return MultinomialLogistic(X[:30], y[:30], X[30:], y[30:], per=per)


class Quadratic(BilevelProblem):
    """L = 0.5 x'Ax - (b + C theta)'x, g = 0.5 ||x - t||^2 (closed forms)."""

    def __init__(self, seed=0, n=6, m=3):
        rng = np.random.default_rng(seed)
        M = rng.standard_normal((n, n))
        self.A = M @ M.T + np.eye(n)
        self.b = rng.standard_normal(n)
        self.C = rng.standard_normal((n, m))
        self.t = rng.standard_normal(n)
        ev = np.linalg.eigvalsh(self.A)
        self.mu, self.L = float(ev[0]), float(ev[-1])

    def x0(self, theta):
        return np.zeros(len(self.b))

    def lower_fun(self, x, theta):
        return 0.5 * float(x @ self.A @ x) - float((self.b + self.C @ theta) @ x)

    def lower_grad(self, x, theta):
        return self.A @ x - self.b - self.C @ theta

    def lower_hvp(self, x, theta, v):
        return self.A @ v

    def lower_cross(self, x, theta, q):
        return -self.C.T @ q

    def upper_fun(self, x):
        return 0.5 * float((x - self.t) @ (x - self.t))

    def upper_grad(self, x):
        return x - self.t

    def strong_convexity(self, theta):
        return self.mu

    # closed forms
    def xstar(self, theta):
        return np.linalg.solve(self.A, self.b + self.C @ theta)

    def f(self, theta):
        return self.upper_fun(self.xstar(theta))

    def grad_f(self, theta):
        return self.C.T @ np.linalg.solve(self.A, self.xstar(theta) - self.t)

    def theta_star(self):
        Ainv = np.linalg.inv(self.A)
        sol = np.linalg.lstsq(Ainv @ self.C, self.t - Ainv @ self.b, rcond=None)
        return sol[0]


def tight(prob, theta, tol=1e-11):
    """(f, grad f) from tightly solved lower and adjoint problems."""
    if getattr(prob, "preferred_lower_solver", "fista") == "newton-cg":
        # learned weights can make L/mu huge (e^14 on the small logistic case)
        x, _, ok = solve_lower_newton(prob, theta, prob.x0(theta), tol, maxiter=200000)
    else:
        x, _, ok = solve_lower(prob, theta, prob.x0(theta), tol, maxiter=200000)
    assert ok
    q, _, ok = solve_adjoint(prob, x, theta, prob.upper_grad(x), 1e-12, maxiter=100000)
    assert ok
    return prob.upper_fun(x), -np.asarray(prob.lower_cross(x, theta, q)), x


def _trial_steps(monkeypatch, prob, options, tol=1e-6):
    """Run MAID recording (theta, h, first trial step) of every line search."""
    calls = []
    real = maid.line_search_inexact

    def spy(evaluate, theta, h, *args, alpha0, **kw):
        step = real(evaluate, theta, h, *args, alpha0=alpha0, **kw)
        calls.append((np.array(theta), np.array(h), alpha0, step.accepted, step.alpha))
        return step

    monkeypatch.setattr(maid, "line_search_inexact", spy)
    res = minimize_bilevel(prob, np.zeros(prob.C.shape[1]), tol=tol, options=options)
    return res, calls
