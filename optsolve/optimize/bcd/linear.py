"""The named linear models of block coordinate descent, each a one-line
composition of a data fit (:mod:`.datafits`) and a penalty
(:mod:`.penalties`) on :class:`.problems.GLM`'s machinery: ``Lasso(X, y,
alpha)`` is least squares plus L1 and gives the iterates of ``GLM(X,
datafits.LeastSquares(y), penalties.L1(alpha))``."""
from __future__ import annotations

from . import datafits
from .problems import _GLM

__all__ = ["LeastSquares", "Lasso", "GroupLasso", "Logistic", "SparseLogisticRegression"]


class LeastSquares(_GLM):
    r"""Least squares :math:`\frac{1}{2n}\|y - Xw\|^2` plus a penalty.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        Design matrix (dense, or sparse: stored as CSC).
    y : array_like, shape (n_samples,)
        Targets.
    alpha : float, default 0
        Penalty weight (non-negative).
    penalty : {"none", "l2", "l1", "group"}, default "none"
        ``"l2"`` adds :math:`\frac{\alpha}{2}\|w\|^2`, ``"l1"`` adds
        :math:`\alpha\|w\|_1`, ``"group"`` adds
        :math:`\alpha\sum_g\|w_g\|_2` over ``groups``.
    groups : list of array_like or int, optional
        With ``penalty="group"``: the groups, index arrays partitioning the
        features, or one group size dividing ``n_features`` (contiguous
        groups). ``bcd`` then updates a group at a time.
    positive : bool, default False
        Constrain w >= 0 (not with the group penalty). With ``"l1"`` this is
        the non-negative L1 problem, measured by the duality gap with a
        one-sided dual scaling; steps are projected, ``update="newton"``
        takes two-metric projection steps. Without L1 the measure is the
        projected-gradient mapping.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import LeastSquares, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((50, 8)); y = X @ np.arange(8.0)
    >>> res = bcd(LeastSquares(X, y), tol=1e-10)
    >>> bool(np.allclose(res.x, np.arange(8.0), atol=1e-6))
    True
    """

    def __init__(self, X, y, alpha=0.0, penalty="none", *, groups=None, positive=False):
        super().__init__(X, y, alpha, penalty, groups, positive, datafits.LeastSquares)


class Lasso(LeastSquares):
    r"""The Lasso, :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\|w\|_1`.

    Same objective as :class:`sklearn.linear_model.Lasso` without intercept.
    Its optimality measure is the duality gap.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        L1 weight (non-negative).
    positive : bool, default False
        Constrain w >= 0 (the non-negative Lasso, as
        ``sklearn.linear_model.Lasso(positive=True)``), still solved by
        working sets and measured by a duality gap.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import Lasso, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 60)); y = X[:, :3] @ [3.0, -2.0, 1.0]
    >>> prob = Lasso(X, y, alpha=0.1 * Lasso(X, y, 1.0).alpha_max())
    >>> res = bcd(prob, tol=1e-8)
    >>> res.success, bool(res.gap <= 1e-8 * res.fun0)
    (True, True)
    """

    def __init__(self, X, y, alpha, *, positive=False):
        super().__init__(X, y, alpha, "l1", positive=positive)


class GroupLasso(LeastSquares):
    r"""The group Lasso,
    :math:`\frac{1}{2n}\|y - Xw\|^2 + \alpha\sum_g\|w_g\|_2`.

    ``bcd`` updates one group at a time (the groups are its blocks) with
    the block soft-thresholding step of length :math:`1/L_g`,
    :math:`L_g = \lambda_{\max}(X_g^TX_g)/n`; the measure is the
    proximal-gradient mapping. :class:`Logistic` takes
    ``penalty="group"`` for the logistic loss.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
    alpha : float
        Group weight (non-negative).
    groups : list of array_like or int
        Index arrays partitioning the features, or one group size dividing
        ``n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import GroupLasso, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 12)); y = X[:, :3] @ [1.0, -2.0, 1.5]
    >>> prob = GroupLasso(X, y, alpha=0.1, groups=3)   # groups of 3 features
    >>> res = bcd(prob, rule="gsl", tol=1e-10)
    >>> res.success, [bool(np.any(res.x[i:i + 3])) for i in range(0, 12, 3)]
    (True, [True, False, False, False])
    """

    def __init__(self, X, y, alpha, groups):
        super().__init__(X, y, alpha, "group", groups=groups)


class Logistic(_GLM):
    r"""Binary logistic loss :math:`\frac1n\sum_i \log(1 + e^{-y_i x_i^T w})`
    plus a penalty.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Two distinct labels; the smaller becomes -1, the larger +1.
    alpha : float, default 0
    penalty : {"none", "l2", "l1", "group"}, default "none"
    groups : list of array_like or int, optional
    positive : bool, default False
        As for :class:`LeastSquares`.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import Logistic, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 5)); y = np.sign(X[:, 0] + 0.5 * rng.standard_normal(80))
    >>> res = bcd(Logistic(X, y, alpha=0.1, penalty="l2"), tol=1e-8)
    >>> res.success
    True
    """

    def __init__(self, X, y, alpha=0.0, penalty="none", *, groups=None, positive=False):
        super().__init__(X, y, alpha, penalty, groups, positive, datafits.Logistic)

    @property
    def classes_(self):
        return self.datafit.classes_


class SparseLogisticRegression(Logistic):
    r"""L1-penalised logistic regression,
    :math:`\frac1n\sum_i \log(1 + e^{-y_i x_i^T w}) + \alpha\|w\|_1`.

    Its optimality measure is the duality gap.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Two distinct labels; the smaller becomes -1, the larger +1.
    alpha : float
        L1 weight (non-negative).
    positive : bool, default False
        Constrain w >= 0 (still solved by working sets and measured by a
        duality gap).

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import SparseLogisticRegression, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 30)); y = np.sign(X[:, 0] - X[:, 1])
    >>> prob = SparseLogisticRegression(X, y, alpha=0.05)
    >>> res = bcd(prob, tol=1e-8)
    >>> res.success, int(np.count_nonzero(res.x)) < 30
    (True, True)
    """

    def __init__(self, X, y, alpha, *, positive=False):
        super().__init__(X, y, alpha, "l1", positive=positive)
