"""Non-negativity with L1 (projected and two-metric projection steps) and
the group Lasso, against independent solvers run to high accuracy:
scikit-learn's Lasso(positive=True), L-BFGS-B with bounds, and a long
accelerated proximal-gradient (FISTA) run written here."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from threadpoolctl import threadpool_limits

from optsolve.optimize.bcd import (GroupLasso, Lasso, LeastSquares, Logistic,
                                   SparseLogisticRegression, bcd)

sklm = pytest.importorskip("sklearn.linear_model")


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """A threaded BLAS spends milliseconds waking its threads for each small
    product on a loaded 2-core machine."""
    with threadpool_limits(1):
        yield


def _data(n=50, p=20, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.uniform(0.3, 3.0, p)
    w = np.zeros(p)
    k = min(p, 6)
    w[:k] = [1.0, -2.0, 3.0, 0.5, -1.0, 2.0][:k]
    z = X @ w
    return X, z + 0.1 * rng.standard_normal(n), np.sign(z + 0.5 * rng.standard_normal(n))


def _loss_grad(X, y, v, logistic):
    """(loss, gradient) of the smooth part, written independently."""
    n = X.shape[0]
    z = np.asarray(X @ v).ravel()
    if logistic:
        return np.logaddexp(0, -y * z).mean(), np.asarray(X.T @ (-y * expit(-y * z))).ravel() / n
    r = z - y
    return 0.5 * r @ r / n, np.asarray(X.T @ r).ravel() / n


def _bounded_ref(X, y, alpha, logistic):
    """min loss + alpha * sum(w) over w >= 0 by L-BFGS-B."""
    def f(v):
        val, g = _loss_grad(X, y, v, logistic)
        return val + alpha * v.sum(), g + alpha
    p = X.shape[1]
    return minimize(f, np.zeros(p), jac=True, method="L-BFGS-B", bounds=[(0, None)] * p,
                    options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 20_000,
                             "maxcor": 30}).x


def _group_prox(u, groups, t):
    out = u.copy()
    for gr in groups:
        nrm = np.linalg.norm(u[gr])
        out[gr] = 0.0 if nrm <= t else u[gr] * (1 - t / nrm)
    return out


def _fista_group(X, y, alpha, groups, logistic, iters=50_000):
    """Accelerated proximal gradient with the group soft-threshold, step 1/L
    with L the global Lipschitz bound of the smooth part, run until its
    gradient mapping is below 1e-12."""
    n, p = X.shape
    Xd = X.toarray() if sp.issparse(X) else X
    L = np.linalg.norm(Xd, 2) ** 2 / n * (0.25 if logistic else 1.0)
    w = v = np.zeros(p)
    t = 1.0
    for it in range(iters):
        w_new = _group_prox(v - _loss_grad(Xd, y, v, logistic)[1] / L, groups, alpha / L)
        t_new = 0.5 * (1 + np.sqrt(1 + 4 * t * t))
        v = w_new + (t - 1) / t_new * (w_new - w)
        w, t = w_new, t_new
        if it % 100 == 99:
            g = _loss_grad(Xd, y, w, logistic)[1]
            if _pg_mapping(w, g, lambda u: _group_prox(u, groups, alpha)) <= 1e-12:
                break
    return w


def _pg_mapping(x, g, prox):
    return float(np.max(np.abs(x - prox(x - g))))


# ------------------------------------------------------------ non-negative L1


@pytest.mark.parametrize("rule,update,blocks,sparse", [
    ("gsl", "auto", "auto", False), ("gsl", "auto", "auto", True),
    ("gs-q", "auto", "auto", True),
    ("gsl", "newton", "variable", False), ("gs-q", "gradient", "variable", False),
    ("cyclic", "newton", "contiguous", False), ("gs-r", "newton", "contiguous", False),
    ("gs", "gradient", "contiguous", False)])
def test_nonnegative_lasso_matches_sklearn_and_lbfgsb(rule, update, blocks, sparse):
    # "auto": the working-set solver with the one-sided prox, dual scaling
    # and screening; the others: the block loop (two-metric projection for
    # "newton"; its sparse path is in the logistic test below)
    X, y, _ = _data()
    if sparse:
        X = sp.csc_matrix(X * (np.random.default_rng(12).random(X.shape) < 0.5))
    alpha = 0.05
    prob = Lasso(X, y, alpha, positive=True)
    res = bcd(prob, rule=rule, update=update, blocks=blocks, block_size=4, tol=1e-10)
    assert res.success and res.measure == "gap" and res.gap >= 0
    assert np.all(res.x >= 0)
    sk = sklm.Lasso(alpha=alpha, positive=True, fit_intercept=False, tol=1e-14,
                    max_iter=100_000).fit(X, y).coef_
    ref = _bounded_ref(X, y, alpha, False)
    np.testing.assert_allclose(res.x, sk, atol=1e-6)
    np.testing.assert_allclose(res.x, ref, atol=1e-5)
    # the certificate: P(x) - P(x*) <= gap, and the optimality condition
    # x = max(x - (g + alpha), 0), recomputed here
    obj = lambda w: _loss_grad(X, y, w, False)[0] + alpha * w.sum()  # noqa: E731
    assert obj(res.x) - min(obj(sk), obj(ref)) <= res.gap + 1e-13
    g = _loss_grad(X, y, res.x, False)[1]
    assert _pg_mapping(res.x, g, lambda u: np.maximum(u - alpha, 0.0)) <= 1e-5
    # the bound is active somewhere (the constraint matters on this instance)
    plain = sklm.Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100_000)
    assert np.any(plain.fit(X, y).coef_ < -1e-3)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("update,blocks", [("gradient", "contiguous"), ("newton", "contiguous"),
                                           ("auto", "auto")])
def test_nonnegative_l1_logistic_matches_lbfgsb(update, blocks, sparse):
    # "auto": working sets with prox-Newton under the bound; the others the
    # block loop
    X, _, y = _data(80, 15, seed=1)
    if sparse:
        X = sp.csc_matrix(X * (np.random.default_rng(2).random(X.shape) < 0.5))
    alpha = 0.01
    prob = SparseLogisticRegression(X, y, alpha, positive=True)
    res = bcd(prob, rule="gsl", update=update, blocks=blocks,
              block_size=5 if blocks != "auto" else None, tol=1e-10)
    assert res.success and np.all(res.x >= 0)
    ref = _bounded_ref(X, y, alpha, True)
    obj = lambda w: _loss_grad(X, y, w, True)[0] + alpha * w.sum()  # noqa: E731
    assert obj(res.x) <= obj(ref) + 1e-12
    assert res.measure == "gap" and obj(res.x) - obj(ref) <= res.gap + 1e-13
    np.testing.assert_allclose(res.x, ref, atol=1e-5)
    g = _loss_grad(X, y, res.x, True)[1]
    assert _pg_mapping(res.x, g, lambda u: np.maximum(u - alpha, 0.0)) <= 1e-5
    if update == "newton":
        assert res.n_line_search > 0


def test_two_metric_projection_needs_fewer_block_updates():
    # Newton blocks on the free set converge in far fewer block updates than
    # projected gradient steps, and the bound x >= 0 is active at the answer
    X, y, _ = _data(60, 24, seed=3)
    prob = LeastSquares(X, y, 0.02, "l1", positive=True)
    grad = bcd(prob, rule="gsl", blocks="contiguous", block_size=6, update="gradient",
               tol=1e-10)
    newt = bcd(prob, rule="gsl", blocks="contiguous", block_size=6, update="newton",
               tol=1e-10)
    assert grad.success and newt.success
    assert newt.nit < grad.nit / 2
    np.testing.assert_allclose(newt.x, grad.x, atol=1e-8)
    assert np.sum(newt.x == 0) >= 3


def test_positive_without_l1_is_nnls():
    from scipy.optimize import nnls
    X, y, _ = _data(40, 10, seed=4)
    res = bcd(LeastSquares(X, y, positive=True), rule="gs-q", blocks="variable",
              block_size=3, update="newton", tol=1e-11)
    assert res.success and res.measure == "prox_grad_norm"
    np.testing.assert_allclose(res.x, nnls(X, y)[0], atol=1e-7)


def test_positive_rules_and_alpha_max_follow_definitions():
    X, y, _ = _data(30, 6, seed=5)
    prob = Lasso(X, y, 0.1, positive=True)
    x = np.array([0.0, 0.0, 1.0, 0.0, 2.0, 0.0])
    g = np.array([0.3, -0.5, 0.2, -0.05, -0.1, 0.0])
    s = prob._min_norm_subgrad(x, g)
    # at the bound only a negative g + alpha violates; off it, g + alpha
    np.testing.assert_allclose(s, [0.0, -0.4, 0.3, 0.0, 0.0, 0.0])
    # alpha_max with the bound: the largest -g_j at 0; above it w = 0
    amax = prob.alpha_max()
    g0 = -X.T @ y / 30
    assert amax == pytest.approx(max(np.max(-g0), 0.0))
    res = bcd(Lasso(X, y, 1.01 * amax, positive=True), tol=1e-12)
    assert res.success and not np.any(res.x)


# ------------------------------------------------------------ group Lasso


@pytest.mark.parametrize("rule,sparse", [("cyclic", False), ("cyclic", True), ("gs", False),
                                         ("gsl", False), ("random", False)])
def test_group_lasso_matches_fista(rule, sparse):
    # cyclic: the Numba loop over groups; the others: the block loop
    X, y, _ = _data(60, 18, seed=6)
    if sparse:
        X = sp.csc_matrix(X * (np.random.default_rng(11).random(X.shape) < 0.6))
    groups = [np.arange(i, i + 3) for i in range(0, 18, 3)]
    alpha = 0.3 * GroupLasso(X, y, 1.0, groups).alpha_max()
    prob = GroupLasso(X, y, alpha, groups)
    res = bcd(prob, rule=rule, tol=1e-10, random_state=0)
    assert res.success and res.measure == "prox_grad_norm"
    ref = _fista_group(X, y, alpha, groups, False)
    np.testing.assert_allclose(res.x, ref, atol=1e-6)
    active = [bool(np.any(res.x[gr])) for gr in groups]
    assert active == [bool(np.any(ref[gr])) for gr in groups]
    assert 0 < sum(active) < len(groups)   # some groups are zero, some not
    g = _loss_grad(X, y, res.x, False)[1]
    pg = _pg_mapping(res.x, g, lambda u: _group_prox(u, groups, alpha))
    assert pg <= res.tol_abs


@pytest.mark.parametrize("sparse", [False, True])
def test_group_logistic_matches_fista(sparse):
    X, _, y = _data(80, 12, seed=7)
    if sparse:
        X = sp.csc_matrix(X * (np.random.default_rng(8).random(X.shape) < 0.6))
    groups = [np.array([0, 5, 7]), np.array([1, 2]), np.array([3, 4, 6, 8]),
              np.array([9, 10, 11])]
    prob = Logistic(X, y, 0.5, penalty="group", groups=groups)
    alpha = 0.2 * prob.alpha_max()
    prob = Logistic(X, y, alpha, penalty="group", groups=groups)
    res = bcd(prob, rule="gsl", tol=1e-9)
    assert res.success
    ref = _fista_group(X, y, alpha, groups, True)
    np.testing.assert_allclose(res.x, ref, atol=1e-5)
    g = _loss_grad(X, y, res.x, True)[1]
    assert _pg_mapping(res.x, g, lambda u: _group_prox(u, groups, alpha)) <= res.tol_abs
    # above alpha_max every group is zero
    res0 = bcd(Logistic(X, y, 1.01 * prob.alpha_max(), penalty="group", groups=groups),
               tol=1e-10)
    assert not np.any(res0.x)


def test_group_min_norm_subgradient_by_hand():
    X, y, _ = _data(20, 4, seed=9)
    prob = GroupLasso(X, y, 1.0, groups=2)
    x = np.array([0.0, 0.0, 3.0, 4.0])
    g = np.array([3.0, 4.0, 1.0, 1.0])
    s = prob._min_norm_subgrad(x, g)
    # zero group: g shrunk by alpha towards 0 (|g| = 5 -> 4); nonzero: g + alpha x/|x|
    np.testing.assert_allclose(s, [2.4, 3.2, 1.6, 1.8])


# ------------------------------------------------------------ bad input


def test_bad_groups_and_bounds_raise():
    X, y, _ = _data(20, 6, seed=10)
    with pytest.raises(ValueError, match="`groups` must partition"):
        GroupLasso(X, y, 0.1, [[0, 1], [1, 2, 3, 4, 5]])
    with pytest.raises(ValueError, match="`groups` as an integer"):
        GroupLasso(X, y, 0.1, 4)
    with pytest.raises(ValueError, match="`groups` is required"):
        LeastSquares(X, y, 0.1, "group")
    with pytest.raises(ValueError, match="`groups` is only used"):
        LeastSquares(X, y, 0.1, "l1", groups=2)
    with pytest.raises(ValueError, match="`positive`=True is not available"):
        Logistic(X, np.sign(y), 0.1, "group", groups=2, positive=True)
    with pytest.raises(ValueError, match="`positive` must be True or False"):
        Lasso(X, y, 0.1, positive="yes")
    with pytest.raises(ValueError, match="`x0` must be non-negative"):
        bcd(Lasso(X, y, 0.1, positive=True), x0=-np.ones(6))
    prob = GroupLasso(X, y, 0.1, 2)
    with pytest.raises(ValueError, match="`rule`='gs-q' is not available"):
        bcd(prob, rule="gs-q")
    with pytest.raises(ValueError, match="`update` must be 'gradient'"):
        bcd(prob, update="newton")
    with pytest.raises(ValueError, match="`blocks` must be 'auto'"):
        bcd(prob, blocks="contiguous")
    with pytest.raises(ValueError, match="`update`='exact'"):
        bcd(Lasso(X, y, 0.1, positive=True), update="exact")
