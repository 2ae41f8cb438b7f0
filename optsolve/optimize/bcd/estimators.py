"""scikit-learn estimators on top of :func:`bcd`.

Validation is scikit-learn's own (``validate_data``, ``check_is_fitted``,
``check_classification_targets``), so inputs, messages and fitted attributes
(``n_features_in_``, ``feature_names_in_``) are those its users know, and
``sklearn.utils.estimator_checks`` passes on both estimators.
"""
from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._driver import bcd
from .problems import Lasso, LeastSquares, Logistic, Softmax

__all__ = ["BCDLasso", "BCDLogisticRegression"]

_SPARSE = ("csc", "csr")  # CSC is what the problems keep


class _BCDEstimator(BaseEstimator):
    """The parameters and the solve shared by both estimators."""

    def __init__(self, alpha=1.0, penalty="l1", rule="gsl", tol=1e-6, max_iter=None,
                 positive=False):
        self.alpha = alpha
        self.penalty = penalty
        self.rule = rule
        self.tol = tol
        self.max_iter = max_iter
        self.positive = positive

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def _solve(self, problem, newton_unit=None):
        """Coefficients of ``problem``. ``newton_unit``: solve by block
        Newton steps on contiguous blocks of whole features (``newton_unit``
        variables each) up to 256 variables: on the logistic losses without
        working sets, Newton steps on whole features take far fewer updates
        than single-coordinate gradient steps (figures in the guide)."""
        kw = {}
        if newton_unit is not None:
            per_block = max(1, min(problem.n_vars // newton_unit, 256 // newton_unit))
            kw = dict(blocks="contiguous", block_size=newton_unit * per_block,
                      update="newton")
        res = bcd(problem, rule=self.rule, tol=self.tol, max_iter=self.max_iter, **kw)
        self.result_ = res
        self.n_iter_ = max(int(res.nit), 1)
        return res.x

    def _linear(self, X):
        """X @ coef_.T after scikit-learn's checks against the fit."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=_SPARSE, dtype=np.float64, reset=False)
        return np.asarray(X @ self.coef_.T)


class BCDLasso(RegressorMixin, _BCDEstimator):
    r"""Linear regression with an L1 (or L2, or no) penalty fitted by
    :func:`bcd`; objective :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1`
    (no intercept), the objective of :class:`sklearn.linear_model.Lasso`
    with ``fit_intercept=False``: the same ``alpha`` (default 1.0, as there)
    gives the same coefficients.

    Parameters
    ----------
    alpha : float, default 1.0
        Penalty weight.
    penalty : {"l1", "l2", "none"}, default "l1"
        ``"l2"`` is :math:`\frac{\alpha}{2}\|w\|^2`.
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
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a pandas DataFrame).
    n_iter_ : int
    result_ : OptimizeResult
        What :func:`bcd` returned (``gap``, ``status``, ...).

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
        """Fit the model to ``X`` (n_samples, n_features; dense or sparse)
        and ``y`` (n_samples,); a column ``y`` of shape (n_samples, 1) is
        raveled with a ``DataConversionWarning``, as scikit-learn does."""
        X, y = validate_data(self, X, y, accept_sparse=_SPARSE, dtype=np.float64,
                             y_numeric=True)
        prob = (Lasso(X, y, self.alpha, positive=self.positive) if self.penalty == "l1"
                else LeastSquares(X, y, self.alpha, self.penalty, positive=self.positive))
        self.coef_ = self._solve(prob)
        return self

    def predict(self, X):
        """Predicted targets ``X @ coef_``."""
        return self._linear(X)


class BCDLogisticRegression(ClassifierMixin, _BCDEstimator):
    r"""Logistic regression with an L1 (or L2, or no) penalty fitted by
    :func:`bcd`, binary or multinomial (no intercept).

    Two classes: :math:`\frac1n\sum_i\log(1 + e^{-y_i x_i^T w}) + \alpha\|w\|_1`
    with :math:`y_i = \pm1`. More classes: the multinomial (softmax) loss
    :math:`\frac1n\sum_i\big(\log\sum_c e^{x_i^T w_c} - x_i^T w_{y_i}\big)`
    plus :math:`\alpha` times the penalty of the whole weight matrix
    (:class:`Softmax`).

    scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` minimises
    :math:`C\sum_i \log(1 + e^{-y_i x_i^T w}) + \|w\|_1` (``l1_ratio=1``), which
    is ours times :math:`1/\alpha` when :math:`C = 1/(n\alpha)`: the same
    coefficients for :math:`\alpha = 1/(nC)`. The default ``alpha=None`` is
    :math:`1/n`, scikit-learn's default ``C=1.0`` (for ``penalty="l2"``,
    :math:`\frac{\alpha}{2}\|w\|^2`, the same correspondence holds with
    scikit-learn's L2 penalty :math:`\frac12\|w\|^2`).

    Parameters
    ----------
    alpha : float or None, default None
        Penalty weight; None means ``1 / n_samples`` (``C=1`` in
        scikit-learn's scaling).
    penalty : {"l1", "l2", "none"}, default "l1"
    rule : str, default "gsl"
        Selection rule passed to :func:`bcd`.
    tol : float, default 1e-6
        Relative duality gap (binary L1) or gradient / proximal-gradient
        tolerance.
    max_iter : int, optional
    positive : bool, default False
        Constrain the coefficients to be non-negative (two classes only).

    Attributes
    ----------
    coef_ : ndarray, shape (1, n_features) or (n_classes, n_features)
        As in scikit-learn: one row for two classes (positive values favour
        ``classes_[1]``), one row per class otherwise.
    classes_ : ndarray, shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` had string column names (a pandas DataFrame).
    n_iter_ : int
    result_ : OptimizeResult

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import BCDLogisticRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 10)); y = np.where(X[:, 0] > 0, "yes", "no")
    >>> clf = BCDLogisticRegression(alpha=0.01).fit(X, y)
    >>> float(clf.score(X, y)) > 0.95, clf.classes_.tolist(), clf.coef_.shape
    (True, ['no', 'yes'], (1, 10))

    Three classes (multinomial):

    >>> y3 = np.argmax(X[:, :3], axis=1)
    >>> clf = BCDLogisticRegression().fit(X, y3)
    >>> clf.coef_.shape, float(clf.score(X, y3)) > 0.9
    ((3, 10), True)
    """

    def __init__(self, alpha=None, penalty="l1", rule="gsl", tol=1e-6, max_iter=None,
                 positive=False):
        super().__init__(alpha, penalty, rule, tol, max_iter, positive)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags

    def fit(self, X, y):
        """Fit the model to ``X`` (n_samples, n_features; dense or sparse)
        and class labels ``y`` (two or more classes)."""
        X, y = validate_data(self, X, y, accept_sparse=_SPARSE, dtype=np.float64)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        if classes.size < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, "
                             f"but the data contains only one class: {classes[0]!r}")
        alpha = 1.0 / X.shape[0] if self.alpha is None else self.alpha
        if classes.size == 2:
            prob = Logistic(X, np.where(codes == 1, 1.0, -1.0), alpha, self.penalty,
                            positive=self.positive)
            coef = self._solve(prob, None if self.penalty == "l1" else 1)[None, :]
        else:
            if self.positive:
                raise ValueError("`positive`=True needs two classes, got "
                                 f"{classes.size}")
            prob = Softmax(X, codes, alpha, self.penalty)
            coef = self._solve(prob, classes.size).reshape(X.shape[1], classes.size).T
        self.classes_ = classes
        self.coef_ = coef
        return self

    def decision_function(self, X):
        """``X @ coef_.T``: shape (n_samples,) for two classes (positive:
        ``classes_[1]``), (n_samples, n_classes) otherwise."""
        d = self._linear(X)
        return d[:, 0] if d.shape[1] == 1 else d

    def predict_proba(self, X):
        """Class probabilities, columns in the order of ``classes_``."""
        d = self.decision_function(X)
        if d.ndim == 1:
            p1 = 0.5 * (1.0 + np.tanh(0.5 * d))  # the sigmoid without overflow
            return np.column_stack([1.0 - p1, p1])
        e = np.exp(d - d.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels."""
        d = self.decision_function(X)
        return self.classes_[(d > 0).astype(int) if d.ndim == 1 else np.argmax(d, axis=1)]
