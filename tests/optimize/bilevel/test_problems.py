"""The built-in problems: their data checks and caches."""
import numpy as np
import pytest

from optsolve.optimize.bilevel import FieldOfExperts, MultinomialLogistic, TVDenoising

from ._instances import foe_problem


def test_bad_problem_data():
    img = np.zeros((8, 8))
    with pytest.raises(ValueError, match="`clean` and `noisy`"):
        TVDenoising([img], [img, img])
    with pytest.raises(ValueError, match="same shape"):
        TVDenoising([img, np.zeros((6, 6))], [img, np.zeros((6, 6))])
    with pytest.raises(ValueError, match="finite"):
        TVDenoising([img], [np.full((8, 8), np.nan)])
    with pytest.raises(ValueError, match="`n_filters`"):
        FieldOfExperts([img], [img], n_filters=0)
    with pytest.raises(ValueError, match="at least 9x9"):
        FieldOfExperts([img], [img], size=9)
    X = np.ones((4, 2))
    with pytest.raises(ValueError, match="`y_train`"):
        MultinomialLogistic(X, np.array([0, 1, 2]), X, np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="`X_val`"):
        MultinomialLogistic(X, np.array([0, 1, 0, 1]), np.ones((4, 3)), np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="`per`"):
        MultinomialLogistic(X, np.array([0, 1, 0, 1]), X, np.array([0, 1, 0, 1]), per="x")


def test_logistic_sparse_data_matches_dense():
    import scipy.sparse as sp

    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 6)) * (rng.random((40, 6)) < 0.4)
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    for per in ("weight", "feature"):
        dense = MultinomialLogistic(X[:20], y[:20], X[20:], y[20:], per=per)
        sparse = MultinomialLogistic(sp.csr_array(X[:20]), y[:20], sp.csr_matrix(X[20:]),
                                     y[20:], per=per)
        theta = dense.theta0() + rng.standard_normal(dense.n_theta)
        W, V = rng.standard_normal((2, 6, 2))
        for name in ("lower_grad", "lower_hvp", "lower_cross"):
            args = (W, theta) if name == "lower_grad" else (W, theta, V)
            np.testing.assert_allclose(getattr(sparse, name)(*args),
                                       getattr(dense, name)(*args), atol=1e-12)
        np.testing.assert_allclose(sparse.upper_grad(W), dense.upper_grad(W), atol=1e-12)
        assert sparse.lower_smoothness(theta) == pytest.approx(dense.lower_smoothness(theta))
        assert sparse.upper_smoothness() == pytest.approx(dense.upper_smoothness())
        assert sparse.accuracy(W, sp.csr_array(X), y) == dense.accuracy(W, X, y)
    bad = sp.csr_array(X[:20])
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="`X_train` must contain only finite"):
        MultinomialLogistic(bad, y[:20], X[20:], y[20:])


def test_foe_response_cache_follows_values_not_identity():
    prob, fresh = foe_problem(), foe_problem()
    theta = prob.theta0()
    x = prob.noisy.copy()
    v = np.random.default_rng(0).standard_normal(x.shape)
    prob.lower_hvp(x, theta, v)
    x += 0.05 * v            # mutated in place: the cached responses must not be reused
    theta = theta.copy()
    np.testing.assert_allclose(prob.lower_hvp(x, theta, v), fresh.lower_hvp(x, theta, v))
    theta[0] += 0.3
    np.testing.assert_allclose(prob.lower_cross(x, theta, v), fresh.lower_cross(x, theta, v))
