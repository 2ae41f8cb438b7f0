"""Multinomial logistic regression (softmax) for block coordinate descent:
the multinomial data fit (:class:`.datafits.Multinomial`) composed with a
penalty; the state is the matrix Z = XW."""
from __future__ import annotations

import numpy as np

from .datafits import Multinomial
from .penalties import PENALTY_NAMES, make_penalty
from .problems import _Problem, _check_X, _check_alpha, _col_sq_norms, _cols, _lam_max_psd

__all__ = ["Softmax"]


class Softmax(_Problem):
    r"""Multinomial logistic regression (softmax),
    :math:`\frac1n\sum_i \big(\log\sum_c e^{x_i^T w_c} - x_i^T w_{y_i}\big)`
    plus a penalty, over the weight matrix W of shape (n_features, n_classes).

    The variables are W flattened row by row: variable ``j * n_classes + c``
    is ``W[j, c]``, so the contiguous blocks of size ``n_classes`` are the
    features.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
    y : array_like, shape (n_samples,)
        Class labels (any values; ``classes_`` holds them sorted).
    alpha : float, default 0
    penalty : {"none", "l2", "l1"}, default "none"

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import Softmax, bcd
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((90, 4)); y = np.argmax(X[:, :3], axis=1)
    >>> res = bcd(Softmax(X, y, alpha=0.1, penalty="l2"), tol=1e-8)
    >>> res.success, res.x.shape
    (True, (12,))
    """

    def __init__(self, X, y, alpha=0.0, penalty="none"):
        self._setup(pen=make_penalty(penalty, _check_alpha(alpha, penalty, PENALTY_NAMES[:3])),
                    X=_check_X(X), datafit=Multinomial(y))

    def _setup(self, pen, X, datafit):
        self.pen = pen
        self.X = X
        self.n_samples, self.n_features = X.shape
        self.datafit = datafit.prepare(self.n_samples)
        self.n_classes = datafit.n_classes
        self.n_vars = self.n_features * self.n_classes
        self._sq = _col_sq_norms(X)

    @property
    def _curv(self):
        return self.datafit.curvature

    @property
    def classes_(self):
        return self.datafit.classes_

    @property
    def default_block_size(self):
        """A feature's weights, one per class."""
        return self.n_classes

    def _state(self, x):
        return np.asarray(self.X @ x.reshape(self.n_features, self.n_classes))

    def _value(self, x, Z):
        return self.datafit.value(Z) + self._penalty_value(x)

    def _grad(self, x, Z):
        R = self.datafit.gradient(Z)
        g = np.asarray(self.X.T @ R).ravel()
        return g + self._l2 * x if self._l2 else g

    def _block_grad(self, x, Z, b):
        k = self.n_classes
        feats, inv = np.unique(b // k, return_inverse=True)
        R = self.datafit.gradient(Z)
        G = _cols(self.X, feats).T @ R
        g = G[inv, b % k]
        return g + self._l2 * x[b] if self._l2 else g

    @property
    def coord_lipschitz(self):
        """Coordinate Lipschitz constants L_i of the smooth part."""
        return np.repeat(self._curv * self._sq / self.n_samples, self.n_classes) + self._l2

    def _block_hess(self, x, Z, b, bound=False):
        k = self.n_classes
        Xa = _cols(self.X, b // k)
        ca = b % k
        if bound:
            H = self._curv * (Xa.T @ Xa) * (ca[:, None] == ca[None, :]) / self.n_samples
        else:
            Pa = self.datafit.probabilities(Z)[:, ca]
            XP = Xa * Pa
            H = ((XP.T @ Xa) * (ca[:, None] == ca[None, :]) - XP.T @ XP) / self.n_samples
        if self._l2:
            H = H + self._l2 * np.eye(len(b))
        return H

    def _block_lips(self, b):
        # the softmax Hessian is below 1/2 (X_F^T X_F kron I) / n on the features F of b
        feats = np.unique(b // self.n_classes)
        Xf = _cols(self.X, feats)
        return self._curv * _lam_max_psd(Xf.T @ Xf) / self.n_samples + self._l2

    def _move(self, x, Z, b, delta):
        k = self.n_classes
        x[b] += delta
        Xa = _cols(self.X, b // k)
        for c in np.unique(b % k):
            sel = (b % k) == c
            Z[:, c] += Xa[:, sel] @ delta[sel]
