"""scikit-learn compatible estimators on top of :func:`bcd`."""
from __future__ import annotations

import numpy as np

from ._driver import bcd
from .problems import Lasso, LeastSquares, Logistic, _check_X

__all__ = ["BCDLasso", "BCDLogisticRegression"]


try:  # scikit-learn is optional: with it, the estimators are real sklearn estimators
    from sklearn.base import BaseEstimator as _Base
    from sklearn.base import ClassifierMixin as _ClassifierMixin
    from sklearn.base import RegressorMixin as _RegressorMixin
except ImportError:  # pragma: no cover - exercised only without scikit-learn
    class _Base:
        """get_params/set_params as scikit-learn expects."""

        def get_params(self, deep=True):
            return {k: getattr(self, k) for k in self._param_names}

        def set_params(self, **params):
            for k, v in params.items():
                if k not in self._param_names:
                    raise ValueError(f"Invalid parameter {k!r} for {type(self).__name__}")
                setattr(self, k, v)
            return self

    class _ClassifierMixin:
        pass

    class _RegressorMixin:
        pass


class _BCDEstimator(_Base):
    _param_names = ("alpha", "penalty", "rule", "tol", "max_iter", "positive")

    def __init__(self, alpha=1.0, penalty="l1", rule="gsl", tol=1e-6, max_iter=None,
                 positive=False):
        self.alpha = alpha
        self.penalty = penalty
        self.rule = rule
        self.tol = tol
        self.max_iter = max_iter
        self.positive = positive

    def _linear(self, X):
        X = _check_X(X)
        if X.shape[1] != self.coef_.shape[0]:
            raise ValueError(f"`X` has {X.shape[1]} features, the model {self.coef_.shape[0]}")
        return np.asarray(X @ self.coef_)

    def _fit_problem(self, prob):
        self.coef_ = self._solve(prob).x
        self.n_features_in_ = prob.n_features
        return self

    def _solve(self, problem):
        res = bcd(problem, rule=self.rule, tol=self.tol, max_iter=self.max_iter)
        self.result_ = res
        self.n_iter_ = res.nit
        return res



class BCDLasso(_RegressorMixin, _BCDEstimator):
    r"""Linear regression with an L1 (or L2, or no) penalty fitted by
    :func:`bcd`; objective :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1`
    (no intercept), the same as :class:`sklearn.linear_model.Lasso` with
    ``fit_intercept=False``.

    Parameters
    ----------
    alpha : float, default 1.0
    penalty : {"l1", "l2", "none"}, default "l1"
    rule : str, default "gsl"
        Selection rule passed to :func:`bcd`.
    tol : float, default 1e-6
        Relative duality gap (L1) or gradient tolerance.
    max_iter : int, optional
    positive : bool, default False
        Constrain the coefficients to be non-negative.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    n_iter_ : int
    result_ : OptimizeResult

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import BCDLasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 20)); y = 2 * X[:, 0]
    >>> est = BCDLasso(alpha=0.01).fit(X, y)
    >>> round(float(est.coef_[0]), 2), float(est.score(X, y)) > 0.99
    (1.99, True)
    """


    def fit(self, X, y):
        """Fit the model to ``X`` (n_samples, n_features) and ``y``."""
        prob = (Lasso(X, y, self.alpha, positive=self.positive) if self.penalty == "l1"
                else LeastSquares(X, y, self.alpha, self.penalty, positive=self.positive))
        return self._fit_problem(prob)

    def predict(self, X):
        """Predicted targets ``X @ coef_``."""
        return self._linear(X)

    def score(self, X, y):
        """Coefficient of determination R^2 of the prediction."""
        y = np.asarray(y, dtype=float)
        u = ((y - self.predict(X)) ** 2).sum()
        v = ((y - y.mean()) ** 2).sum()
        return 1.0 - u / v


class BCDLogisticRegression(_ClassifierMixin, _BCDEstimator):
    r"""Binary logistic regression with an L1 (or L2, or no) penalty fitted by
    :func:`bcd`; objective
    :math:`\frac1n\sum_i\log(1 + e^{-y_i x_i^T w}) + \alpha\|w\|_1`
    (no intercept).

    Parameters
    ----------
    alpha : float, default 1.0
    penalty : {"l1", "l2", "none"}, default "l1"
    rule : str, default "gsl"
    tol : float, default 1e-6
    max_iter : int, optional
    positive : bool, default False
        Constrain the coefficients to be non-negative.

    Attributes
    ----------
    coef_ : ndarray, shape (n_features,)
    classes_ : ndarray, shape (2,)
    n_iter_ : int
    result_ : OptimizeResult

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import BCDLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10)); y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = BCDLogisticRegression(alpha=0.01).fit(X, y)
    >>> float(clf.score(X, y)) > 0.95, clf.classes_.tolist()
    (True, ['no', 'yes'])
    """


    def fit(self, X, y):
        """Fit the model to ``X`` (n_samples, n_features) and two-class ``y``."""
        y = np.asarray(y)
        classes = np.unique(y)
        if classes.size != 2:
            raise ValueError(f"`y` must contain exactly two classes, got {classes.size}")
        yy = np.where(y == classes[1], 1.0, -1.0)
        prob = Logistic(X, yy, self.alpha, self.penalty, positive=self.positive)
        self.classes_ = classes
        return self._fit_problem(prob)

    def decision_function(self, X):
        """Signed distance ``X @ coef_`` (positive: ``classes_[1]``)."""
        return self._linear(X)

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        p1 = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[(self.decision_function(X) > 0).astype(int)]

    def score(self, X, y):
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
