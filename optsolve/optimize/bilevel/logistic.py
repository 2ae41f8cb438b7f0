"""Bilevel problem: L2 weights of multinomial logistic regression, learned
on a validation set (the third application of Salehi, Mukherjee, Roberts &
Ehrhardt, 2023)."""
from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from scipy.special import log_softmax, softmax

from .problems import BilevelProblem

__all__ = ["MultinomialLogistic"]


def _spectral_norm(X):
    """Largest singular value (dense: LAPACK; sparse: ARPACK on the Gram matrix,
    with a 1e-6 relative margin so that the smoothness stays an upper bound)."""
    if not scipy.sparse.issparse(X):
        return float(np.linalg.norm(X, 2))
    G = (X.T @ X).toarray() if X.shape[1] <= 2000 else None
    if G is not None:
        return float(np.sqrt(max(np.linalg.eigvalsh(G)[-1], 0.0)))
    s = scipy.sparse.linalg.svds(X, k=1, return_singular_vectors=False, tol=1e-8)
    return float(s[0]) * (1 + 1e-6)


class MultinomialLogistic(BilevelProblem):
    r"""Learn L2 regularisation weights of multinomial logistic regression.

    Lower level (``W`` of shape (features, classes)):

    .. math:: L(W, \theta) = \frac1n \sum_i \mathrm{CE}(x_i^\top W, y_i)
              + \tfrac12 \sum_{jk} e^{\theta_{jk}} W_{jk}^2

    with one weight per coefficient (``per="weight"``, as in the paper) or one
    per feature (``per="feature"``). Upper level: mean cross-entropy on the
    validation set. ``mu = min e^theta``. No intercept: append a column of
    ones to ``X`` to get one (it is then regularised like the others).

    Parameters
    ----------
    X_train, y_train, X_val, y_val : array_like or scipy.sparse array
        Features (dense, or sparse: kept in CSR, as for the libsvm files) and
        integer labels ``0..n_classes-1``.
    per : {"weight", "feature"}
        What one hyperparameter regularises.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bilevel import MultinomialLogistic, minimize_bilevel
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((80, 5)); y = np.argmax(X[:, :3], axis=1)
    >>> prob = MultinomialLogistic(X[:40], y[:40], X[40:], y[40:], per="feature")
    >>> res = minimize_bilevel(prob, prob.theta0(), options={"max_work": 2000})
    >>> bool(res.fun < prob.upper_fun(prob.x0(prob.theta0())))
    True
    """

    #: Newton-CG: ``mu = min e^theta`` (``1/n`` at the start) makes ``L/mu``
    #: large, where FISTA's work grows with ``sqrt(L/mu)`` (figures in the guide)
    preferred_lower_solver = "newton-cg"

    def __init__(self, X_train, y_train, X_val, y_val, per="weight"):
        X, y = self._data(X_train, y_train, "X_train", "y_train")
        Xv, yv = self._data(X_val, y_val, "X_val", "y_val")
        if X.shape[1] != Xv.shape[1]:
            raise ValueError("`X_train` and `X_val` must have the same number of columns")
        if per not in ("weight", "feature"):
            raise ValueError(f"`per` must be 'weight' or 'feature', got {per!r}")
        self.n_classes = int(max(y.max(), yv.max())) + 1
        if self.n_classes < 2:
            raise ValueError("`y_train` and `y_val` must hold at least two classes")
        self.X, self.Xv, self.per = X, Xv, per
        self.Y = np.eye(self.n_classes)[y]
        self.Yv = np.eye(self.n_classes)[yv]
        self.y, self.yv = y, yv
        self._probs = None   # (W, softmax(X W)) of the last W, compared by value
        self._Lx = 0.5 * _spectral_norm(X) ** 2 / X.shape[0]
        self._Lg = 0.5 * _spectral_norm(Xv) ** 2 / Xv.shape[0]

    @staticmethod
    def _data(X, y, xname, yname):
        if scipy.sparse.issparse(X):
            X = scipy.sparse.csr_array(X, dtype=float)
            values = X.data
        else:
            X = np.asarray(X, dtype=float)
            values = X
        y = np.asarray(y)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"`{xname}` must be a non-empty 2-D array")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"`{xname}` must contain only finite values")
        if y.shape != (X.shape[0],) or not np.issubdtype(y.dtype, np.integer) \
                or (y.size and y.min() < 0):
            raise ValueError(f"`{yname}` must be non-negative integer labels, one per "
                             f"row of `{xname}`")
        return X, y.astype(np.intp)

    @property
    def n_theta(self):
        p = self.X.shape[1]
        return p * self.n_classes if self.per == "weight" else p

    def theta0(self):
        """``log(1/n_train)`` everywhere: scikit-learn's default ``C = 1``."""
        return np.full(self.n_theta, -np.log(self.X.shape[0]))

    def _reg(self, theta):
        theta = np.asarray(theta, dtype=float)
        p, k = self.X.shape[1], self.n_classes
        if theta.shape != (self.n_theta,):
            raise ValueError(f"`theta` must have {self.n_theta} entries, got shape "
                             f"{theta.shape}")
        if self.per == "weight":
            return np.exp(theta).reshape(p, k)
        return np.repeat(np.exp(theta)[:, None], k, axis=1)

    def x0(self, theta):
        return np.zeros((self.X.shape[1], self.n_classes))

    def lower_fun(self, W, theta):
        Z = self.X @ W
        ce = -np.sum(self.Y * log_softmax(Z, axis=1)) / self.X.shape[0]
        return float(ce + 0.5 * np.sum(self._reg(theta) * W * W))

    def _softmax_train(self, W):
        # Hessian-vector products (CG, Newton-CG) come in runs at one W: keep the
        # class probabilities of the last W instead of one more product with X
        c = self._probs
        if c is not None and np.array_equal(c[0], W):
            return c[1]
        P = softmax(self.X @ W, axis=1)
        self._probs = (np.array(W, copy=True), P)
        return P

    def lower_grad(self, W, theta):
        P = self._softmax_train(W)
        return self.X.T @ (P - self.Y) / self.X.shape[0] + self._reg(theta) * W

    def lower_hvp(self, W, theta, V):
        P = self._softmax_train(W)
        XV = self.X @ V
        M = P * XV - P * np.sum(P * XV, axis=1, keepdims=True)
        return self.X.T @ M / self.X.shape[0] + self._reg(theta) * V

    def lower_cross(self, W, theta, Q):
        G = self._reg(theta) * W * Q
        return G.ravel() if self.per == "weight" else G.sum(axis=1)

    def upper_fun(self, W):
        return float(-np.sum(self.Yv * log_softmax(self.Xv @ W, axis=1)) / self.Xv.shape[0])

    def upper_grad(self, W):
        P = softmax(self.Xv @ W, axis=1)
        return self.Xv.T @ (P - self.Yv) / self.Xv.shape[0]

    def upper_smoothness(self):
        return self._Lg

    def strong_convexity(self, theta):
        return float(np.min(self._reg(theta)))

    def lower_smoothness(self, theta):
        return self._Lx + float(np.max(self._reg(theta)))

    def accuracy(self, W, X=None, y=None):
        """Classification accuracy of weights ``W`` (default: validation set)."""
        X = self.Xv if X is None else X if scipy.sparse.issparse(X) else \
            np.asarray(X, dtype=float)
        y = self.yv if y is None else np.asarray(y)
        return float(np.mean(np.argmax(X @ W, axis=1) == y))
