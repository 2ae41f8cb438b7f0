"""scikit-learn's contract for the estimators: its own estimator checks, and
the points its users rely on, each tested explicitly."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.linear_model import Lasso as SkLasso
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from optsolve.optimize.bcd import BCDLasso, BCDLogisticRegression


@parametrize_with_checks([BCDLasso(), BCDLasso(alpha=0.01), BCDLasso(positive=True),
                          BCDLogisticRegression(), BCDLogisticRegression(penalty="l2")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 6))
    y = X @ [1.0, -2.0, 0.0, 0.5, 0.0, 0.0] + 0.3 * rng.standard_normal(80)
    return X, y


def _sk_logistic(C, l1, **kw):
    solver = "liblinear" if l1 else "lbfgs"
    return LogisticRegression(C=C, l1_ratio=1.0 if l1 else 0.0, solver=solver,
                              fit_intercept=False, tol=1e-12, max_iter=100_000, **kw)


def test_default_alpha_is_sklearn_C_1(data):
    # alpha = None means 1 / n_samples: sklearn's C = 1 (its loss is summed,
    # ours averaged); an explicit alpha is C = 1 / (n alpha)
    X, y = data
    yb = np.where(y > 0, "pos", "neg")
    ours = BCDLogisticRegression(tol=1e-12).fit(X, yb)
    ref = _sk_logistic(1.0, True).fit(X, yb)
    assert ours.coef_.shape == ref.coef_.shape == (1, 6)
    assert np.count_nonzero(ours.coef_) > 1  # not a constant
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert np.array_equal(ours.predict(X), ref.predict(X))
    alpha = 0.05
    ours = BCDLogisticRegression(alpha=alpha, penalty="l2", tol=1e-12).fit(X, yb)
    ref = _sk_logistic(1.0 / (80 * alpha), False).fit(X, yb)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-6)


def test_lasso_default_alpha_is_sklearn_lasso(data):
    X, y = data
    y = 3.0 * y  # so that alpha = 1 keeps some coefficients
    ours = BCDLasso(tol=1e-12).fit(X, y)
    ref = SkLasso(fit_intercept=False, tol=1e-14, max_iter=100_000).fit(X, y)
    assert np.count_nonzero(ref.coef_) > 0
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-7)


def test_multinomial_matches_sklearn(data):
    X, _ = data
    y = np.array(["a", "b", "c"])[np.argmax(X[:, :3] + 0.5 * X[:, 3:], axis=1)]
    ours = BCDLogisticRegression(alpha=0.02, penalty="l2", tol=1e-10).fit(X, y)
    ref = _sk_logistic(1.0 / (80 * 0.02), False).fit(X, y)
    assert ours.classes_.tolist() == ["a", "b", "c"] and ours.coef_.shape == (3, 6)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert ours.decision_function(X).shape == (80, 3)
    assert np.array_equal(ours.predict(X), ref.predict(X))
    # L1: the multinomial objective of saga's answer is no better than ours
    l1 = BCDLogisticRegression(alpha=0.02, tol=1e-10).fit(X, y)
    sk = LogisticRegression(C=1.0 / (80 * 0.02), l1_ratio=1.0, solver="saga",
                            fit_intercept=False, tol=1e-10, max_iter=100_000).fit(X, y)

    def objective(W):
        Z = X @ W.T
        lse = np.log(np.exp(Z - Z.max(1, keepdims=True)).sum(1)) + Z.max(1)
        return np.mean(lse - Z[np.arange(80), np.searchsorted(["a", "b", "c"], y)]) \
            + 0.02 * np.abs(W).sum()

    assert l1.result_.success
    assert objective(l1.coef_) <= objective(sk.coef_) + 1e-8
    assert abs(objective(l1.coef_) - objective(sk.coef_)) < 1e-6
    with pytest.raises(ValueError, match="`positive`=True needs two classes"):
        BCDLogisticRegression(positive=True).fit(X, y)


def test_column_y_is_raveled_with_a_warning(data):
    X, y = data
    flat = BCDLasso(alpha=0.05).fit(X, y).coef_
    with pytest.warns(DataConversionWarning, match="column-vector y"):
        est = BCDLasso(alpha=0.05).fit(X, y[:, None])
    np.testing.assert_array_equal(est.coef_, flat)
    with pytest.warns(DataConversionWarning):
        BCDLogisticRegression().fit(X, (y > 0)[:, None])


@pytest.mark.parametrize("est", [BCDLasso(), BCDLogisticRegression()])
def test_sklearn_validation_and_messages(data, est):
    X, y = data
    y = y > 0
    with pytest.raises(NotFittedError):
        est.predict(X)
    with pytest.raises(ValueError, match="Complex data not supported"):
        est.fit(X + 1j, y)
    est.fit(X, y)
    assert est.n_features_in_ == 6 and not hasattr(est, "feature_names_in_")
    with pytest.raises(ValueError, match="X has 3 features, but .* is expecting 6"):
        est.predict(X[:, :3])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((2, 6), np.nan))


def test_feature_names_in(data):
    pd = pytest.importorskip("pandas")
    X, y = data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)])
    est = BCDLasso(alpha=0.05).fit(df, y)
    assert est.feature_names_in_.tolist() == list(df.columns)
    np.testing.assert_allclose(est.predict(df), X @ est.coef_)
    with pytest.raises(ValueError, match="feature names should match"):
        est.predict(df.rename(columns={"f0": "g0"}))


def test_sparse_input_and_tags(data):
    from sklearn.utils import get_tags
    X, y = data
    X[np.abs(X) < 0.7] = 0.0
    for est in (BCDLasso(alpha=0.05, tol=1e-12), BCDLogisticRegression(tol=1e-12)):
        target = y if isinstance(est, BCDLasso) else y > 0
        dense = est.fit(X, target).coef_
        for fmt in (sp.csr_matrix, sp.csc_array, sp.coo_matrix):
            np.testing.assert_allclose(est.fit(fmt(X), target).coef_, dense, atol=1e-9)
        assert get_tags(est).input_tags.sparse
    assert get_tags(BCDLogisticRegression()).classifier_tags.multi_class
