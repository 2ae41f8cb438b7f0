"""Problems as data fit x penalty compositions (optimize/bcd/datafits.py,
penalties.py, problems.GLM): the named problems and their compositions give
the same iterates; user data fits and penalties are checked at the door."""
import numpy as np
import pytest
import scipy.optimize as so

from optsolve.optimize.bcd import (GLM, GroupLasso, Lasso, LeastSquares, Logistic,
                                   SparseLogisticRegression, bcd, datafits, penalties)


def _data(seed=0, n=50, p=30):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X[:, :3] @ [1.0, -2.0, 0.5] + 0.1 * rng.standard_normal(n)
    return X, y


@pytest.mark.parametrize("kw", [dict(tol=1e-10), dict(blocks="variable", tol=1e-8),
                                dict(rule="cyclic", tol=1e-8)])
def test_lasso_is_least_squares_plus_l1(kw):
    X, y = _data()
    a = bcd(Lasso(X, y, 0.1), **kw)
    b = bcd(GLM(X, datafits.LeastSquares(y), penalties.L1(0.1)), **kw)
    assert a.nit == b.nit and a.measure == b.measure == "gap"
    np.testing.assert_array_equal(a.x, b.x)


def test_named_compositions_match():
    X, y = _data(1)
    yb = np.sign(y)
    pairs = [
        (SparseLogisticRegression(X, yb, 0.02, positive=True),
         GLM(X, datafits.Logistic(yb), penalties.L1(0.02, positive=True))),
        (Logistic(X, yb, 0.1, "l2"), GLM(X, datafits.Logistic(yb), penalties.L2(0.1))),
        (LeastSquares(X, y, positive=True),
         GLM(X, datafits.LeastSquares(y), penalties.NoPenalty(positive=True))),
        (GroupLasso(X, y, 0.1, groups=5),
         GLM(X, datafits.LeastSquares(y),
             penalties.GroupL1(0.1, [np.arange(i, i + 5) for i in range(0, 30, 5)]))),
    ]
    for named, composed in pairs:
        a, b = bcd(named, tol=1e-9), bcd(composed, tol=1e-9)
        assert a.success and a.nit == b.nit and a.fun == b.fun
        np.testing.assert_array_equal(a.x, b.x)


def test_protocol_errors_name_what_is_missing():
    X, y = _data()

    class NoGrad:
        curvature, quadratic = 1.0, False

        def prepare(self, n):
            return self

        def value(self, z):
            return 0.0

    with pytest.raises(ValueError, match="`datafit`.*NoGrad lacks gradient, hessian_diag"):
        GLM(X, NoGrad())
    with pytest.raises(ValueError, match="`penalty`.*lacks"):
        GLM(X, datafits.LeastSquares(y), object())
    with pytest.raises(ValueError, match="`y` has 3 entries"):
        GLM(X, datafits.LeastSquares(y[:3]))
    with pytest.raises(ValueError, match="groups.*partition the 30 features"):
        GLM(X, datafits.LeastSquares(y), penalties.GroupL1(1.0, [[0, 1], [2]]))
    with pytest.raises(ValueError, match="`groups` must partition"):
        penalties.GroupL1(1.0, [[0, 1], [1]])
    with pytest.raises(ValueError, match="`alpha`"):
        penalties.L1(-1.0)
    with pytest.raises(ValueError, match="`positive`"):
        penalties.L2(1.0, positive="yes")
    with pytest.raises(ValueError, match="`delta`"):
        datafits.Huber(y, delta=0.0)


def _huber_objective(X, y, delta, alpha):
    n = X.shape[0]

    def f(wpm):   # w = w+ - w-, both >= 0: the L1 term is linear
        p = X.shape[1]
        w = wpm[:p] - wpm[p:]
        r = X @ w - y
        a = np.abs(r)
        val = np.where(a <= delta, 0.5 * r * r, delta * a - 0.5 * delta ** 2).sum() / n
        g = X.T @ (np.clip(r, -delta, delta) / n)
        return val + alpha * wpm.sum(), np.concatenate([g + alpha, -g + alpha])
    return f


@pytest.mark.parametrize("kw", [{}, dict(blocks="contiguous", block_size=4, update="newton")])
def test_huber_user_datafit_against_scipy(kw):
    X, y = _data(2)
    y[:4] += 15.0                                      # outliers
    delta, alpha = 1.0, 0.05
    prob = GLM(X, datafits.Huber(y, delta), penalties.L1(alpha))
    res = bcd(prob, tol=1e-9, **kw)
    assert res.success and res.measure == "prox_grad_norm"
    f = _huber_objective(X, y, delta, alpha)
    p = X.shape[1]
    ref = so.minimize(f, np.zeros(2 * p), jac=True, method="L-BFGS-B",
                      bounds=[(0, None)] * (2 * p), options=dict(ftol=1e-15, gtol=1e-12))
    assert res.fun <= ref.fun + 1e-7
    assert abs(res.fun - f(np.concatenate([np.maximum(res.x, 0), np.maximum(-res.x, 0)]))[0]) \
        < 1e-12


def test_huber_runs_on_the_datafit_working_sets():
    X, y = _data(3, n=60, p=150)
    y[:3] -= 10.0
    prob = GLM(X, datafits.Huber(y, 0.5), penalties.L1(0.02, positive=True))
    res = bcd(prob, tol=1e-9)
    assert res.success and "ws_size" in res and np.all(res.x >= 0)
    ref = bcd(prob, blocks="variable", tol=1e-9)       # the general block loop
    assert ref.success and abs(res.fun - ref.fun) <= 1e-7 * max(1.0, abs(ref.fun))


class _ScaledSquares:
    """A data fit written in a test, the protocol only: c/(2n) ||z - y||^2."""

    def __init__(self, y, c):
        self.y, self.c = np.asarray(y, float), c
        self.curvature, self.quadratic, self.kernel_args = c, True, c

    def prepare(self, n):
        self.n = n
        return self

    def value(self, z):
        return 0.5 * self.c * float((z - self.y) @ (z - self.y)) / self.n

    def gradient(self, z):
        return self.c * (z - self.y) / self.n

    def hessian_diag(self, z):
        return np.full(self.n, self.c / self.n)

    def loss_kernels(self):
        return _sq_loss, _sq_d1


from numba import njit  # noqa: E402


@njit
def _sq_loss(z, y, c):
    return 0.5 * c * (z - y) ** 2


@njit
def _sq_d1(z, y, c):
    return c * (z - y)


@pytest.mark.parametrize("sparse", [False, True])
def test_user_datafit_matches_the_builtin_lasso(sparse):
    import scipy.sparse as sp
    X, y = _data(4, n=70, p=120)
    if sparse:
        X = sp.random(70, 120, density=0.2, random_state=4, format="csc")
        y = X @ np.r_[np.ones(4), np.zeros(116)]
    c, alpha = 3.0, 0.06
    res = bcd(GLM(X, _ScaledSquares(y, c), penalties.L1(alpha)), tol=1e-10)
    ref = bcd(Lasso(X, y, alpha / c), tol=1e-12)
    assert res.success and "ws_size" in res
    assert abs(res.fun / c - ref.fun) <= 1e-8 * ref.fun0
    np.testing.assert_allclose(res.x, ref.x, atol=1e-5)


def test_user_datafit_works_as_little_as_the_builtin_lasso():
    # the same sweeps as the built-in solver (glmnet's sweeps, Anderson
    # extrapolation): a correlated design, where plain CD needs 5x the epochs
    rng = np.random.default_rng(5)
    n, p = 100, 400
    X = np.empty((n, p), order="F")
    X[:, 0] = rng.standard_normal(n)
    for j in range(1, p):
        X[:, j] = 0.6 * X[:, j - 1] + 0.8 * rng.standard_normal(n)
    y = X[:, :10] @ rng.standard_normal(10) + 0.1 * rng.standard_normal(n)
    alpha = Lasso(X, y, 1.0).alpha_max() / 1000
    res = bcd(GLM(X, _ScaledSquares(y, 1.0), penalties.L1(alpha)), tol=1e-8)
    ref = bcd(Lasso(X, y, alpha), tol=1e-8)
    assert res.success and ref.success
    assert res.n_epochs <= 1.25 * ref.n_epochs, (res.n_epochs, ref.n_epochs)


class _SwappedKernels(_ScaledSquares):
    def loss_kernels(self):          # derivative first: the order of an older protocol
        return _sq_d1, _sq_loss


class _ThreeKernels(_ScaledSquares):
    def loss_kernels(self):
        return _sq_loss, _sq_d1, _sq_d1


@pytest.mark.parametrize("fit_cls, match", [
    (_SwappedKernels, r"d1 the loss's derivative: at z="),
    (_ThreeKernels, r"`loss_kernels\(\)` must return a pair"),
])
def test_user_datafit_kernels_are_checked(fit_cls, match):
    X, y = _data(6, n=30, p=40)
    with pytest.raises(ValueError, match=match):
        bcd(GLM(X, fit_cls(y, 2.0), penalties.L1(0.01)))


def test_softmax_and_quadratic_are_compositions():
    from scipy.special import logsumexp
    from optsolve.optimize.bcd import LabelPropagation, Quadratic, Softmax, lattice_graph
    X, y = _data(7, n=40, p=5)
    yc = np.digitize(y, [-1.0, 1.0])                    # three classes
    sm = Softmax(X, yc, 0.1, "l2")
    assert isinstance(sm.datafit, datafits.Multinomial) and sm.pen.name == "l2"
    assert sm.pen.alpha == 0.1 and sm.default_block_size == 3
    Z = X @ np.random.default_rng(0).standard_normal((5, 3))
    ref = np.mean(logsumexp(Z, axis=1) - Z[np.arange(40), yc])
    assert abs(sm.datafit.value(Z) - ref) <= 1e-12 * abs(ref)
    A = np.diag([2.0, 3.0]) + 0.5
    q = Quadratic(A, np.ones(2), 0.2, "l1")
    assert isinstance(q.datafit, datafits.QuadraticForm) and q.pen.name == "l1"
    assert q.graph is None and q.state_is_gradient
    lp = LabelPropagation(lattice_graph(3), np.r_[1.0, [np.nan] * 7, -1.0])
    assert isinstance(lp.datafit, datafits.QuadraticForm) and lp.graph is not None
    res = bcd(q, tol=1e-12)
    x = res.x                                            # the L1 optimality conditions
    g = A @ x - 1.0
    assert np.all(np.abs(g[x != 0] + 0.2 * np.sign(x[x != 0])) <= 1e-9)
    assert np.all(np.abs(g[x == 0]) <= 0.2 + 1e-9)
