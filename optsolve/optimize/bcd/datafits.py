r"""Data fits of linear models for block coordinate descent: the first half
of a problem (the composition of skglm: any data fit with any penalty).

A data fit of a linear model is :math:`F(z)` with :math:`z = Xw`, a sum of
per-sample losses divided by n. :class:`~optsolve.optimize.bcd.GLM` composes
one with a design matrix and a penalty; the named problems are such
compositions (``Lasso(X, y, alpha)`` is ``GLM(X, datafits.LeastSquares(y),
penalties.L1(alpha))``).

Protocol (what the solvers read):

``prepare(n_samples)``
    Checks the data against the design's rows (ValueError naming the
    argument) and returns the data fit ready to use.
``value(z)``
    :math:`F(z)`.
``gradient(z)``
    :math:`\nabla F(z)` (an array of n_samples); the gradient in w is
    :math:`X^T \nabla F(z)`.
``hessian_diag(z)``
    The diagonal of :math:`\nabla^2 F(z)` (the Hessian of a per-sample loss
    is diagonal).
``curvature``
    A bound c on n times the per-sample second derivative, so that
    :math:`L_j = c\,\|x_j\|^2 / n` are the coordinate Lipschitz constants.
``quadratic``
    True when the Hessian is constant (Newton steps need no line search).

Optional, for the duality gap as the optimality measure with an L1
penalty: ``loss_and_dual(z, scale)``, the pair (:math:`F(z)`, the dual
objective at :math:`\theta = -\nabla F(z) / \mathrm{scale}`).

Optional, for the working-set solver (:func:`~optsolve.optimize.bcd.bcd`
with ``blocks="working-set"``): ``loss_kernels()``, a pair of Numba
``@njit`` functions ``(loss, d1)`` of one sample, ``loss(z_i, y_i, c)``
its loss and ``d1(z_i, y_i, c)`` the loss's derivative in z_i (neither
divided by n), with ``c`` the float ``kernel_args`` and ``y`` the attribute
``y``. The solver keeps the derivatives of all samples beside z, so that a
coordinate's gradient costs one column dot product, and tries Anderson
extrapolation, kept when the loss says the objective went down.

Examples
--------
A user-defined data fit, the Huber loss (see :class:`Huber`, written with
the public protocol only):

>>> import numpy as np
>>> from optsolve.optimize.bcd import GLM, bcd, datafits, penalties
>>> rng = np.random.default_rng(0)
>>> X = rng.standard_normal((50, 20)); y = X[:, 0] + 0.1 * rng.standard_normal(50)
>>> y[:3] += 20.0                                   # three outliers
>>> prob = GLM(X, datafits.Huber(y, delta=1.0), penalties.L1(0.05))
>>> res = bcd(prob, tol=1e-8)
>>> res.success, round(float(res.x[0]), 1)
(True, 0.9)
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from numba import njit

from ._logistic import _logistic_value, logistic_dual_of, logistic_grad_pass

__all__ = ["LeastSquares", "Logistic", "Huber", "Multinomial", "QuadraticForm"]


def _check_y(y, n, name="y", ref="`X` has {n} rows"):
    try:
        y = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a numeric 1-D array") from None
    if y.ndim != 1:
        raise ValueError(f"`{name}` must be one-dimensional, got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"`{name}` has {y.shape[0]} entries but " + ref.format(n=n))
    if not np.all(np.isfinite(y)):
        raise ValueError(f"`{name}` must contain only finite values (no NaN or inf)")
    return y


def _sqn(v):
    """||v||^2 without BLAS: a threaded BLAS dot on a loaded machine costs
    milliseconds of thread wake-ups for a microsecond of work."""
    return float(np.einsum("i,i->", v, v))


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


@njit(cache=True)
def _squares_loss(z, y, c):
    return 0.5 * (z - y) * (z - y)


@njit(cache=True)
def _squares_d1(z, y, c):
    return z - y


@njit(cache=True)
def _logistic_loss(z, y, c):
    t = -y * z       # log(1 + e^t) without overflow
    return t + math.log1p(math.exp(-t)) if t > 0 else math.log1p(math.exp(t))


@njit(cache=True)
def _logistic_d1(z, y, c):
    t = y * z        # -y sigmoid(-t) without overflow
    if t >= 0:
        e = math.exp(-t)
        return -y * e / (1.0 + e)
    return -y / (1.0 + math.exp(t))


class _RealTargets:
    """Targets y, checked against the design's rows by ``prepare``."""

    def __init__(self, y):
        self._y_in = y

    def prepare(self, n_samples):
        self.y = _check_y(self._y_in, n_samples)
        self.n_samples = n_samples
        return self


class LeastSquares(_RealTargets):
    r"""Least squares :math:`\frac{1}{2n}\|y - z\|^2`.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Targets.
    """

    curvature = 1.0
    quadratic = True

    def value(self, z):
        r = z - self.y
        return 0.5 * _sqn(r) / self.n_samples

    def gradient(self, z):
        return (z - self.y) / self.n_samples

    def hessian_diag(self, z):
        return np.full(self.n_samples, 1.0 / self.n_samples)

    def loss_kernels(self):
        """The per-sample loss and derivative (the working sets of a data fit
        of your own run it too; the built-in ones come first)."""
        return _squares_loss, _squares_d1

    kernel_args = 0.0

    def loss_and_dual(self, z, scale):
        # dual point nu = r / s with r = y - z; D = (||y||^2 - ||y - nu||^2)/(2n)
        n = self.n_samples
        nu = (self.y - z) / scale
        return self.value(z), 0.5 * (_sqn(self.y) - _sqn(self.y - nu)) / n


class Logistic:
    r"""Binary logistic loss :math:`\frac1n\sum_i \log(1 + e^{-y_i z_i})`.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Two distinct labels; the smaller becomes -1, the larger +1
        (``classes_`` holds them).
    """

    curvature = 0.25
    quadratic = False

    def __init__(self, y):
        self._y_in = y

    def prepare(self, n_samples):
        y = _check_y(self._y_in, n_samples)
        labels = np.unique(y)
        if labels.size != 2:
            raise ValueError(f"`y` must contain exactly two distinct labels, got {labels.size}")
        self.classes_ = labels
        self.y = np.where(y == labels[1], 1.0, -1.0)
        self.n_samples = n_samples
        return self

    def value(self, z):
        return float(_logistic_value(z, self.y))

    def gradient(self, z):
        return -self.y * _sigmoid(-self.y * z) / self.n_samples

    def hessian_diag(self, z):
        s = _sigmoid(self.y * z)
        return s * (1.0 - s) / self.n_samples

    def loss_kernels(self):
        """The per-sample loss and derivative, labels in {-1, +1}."""
        return _logistic_loss, _logistic_d1

    kernel_args = 0.0

    def loss_and_dual(self, z, scale):
        # theta = -grad F(z) / s; u_i = n y_i theta_i in (0, 1);
        # D(theta) = -(1/n) sum [u log u + (1-u) log(1-u)]
        u = np.empty(self.n_samples)
        loss = logistic_grad_pass(z, self.y, u)
        return loss, logistic_dual_of(u, self.y, scale)


@njit(cache=True)
def _huber_loss(z, y, delta):
    r = abs(z - y)
    if r <= delta:
        return 0.5 * r * r
    return delta * r - 0.5 * delta * delta


@njit(cache=True)
def _huber_d1(z, y, delta):
    # a clamp, not branches: the sweeps' loops over the rows then vectorise
    return min(max(z - y, -delta), delta)


class Huber(_RealTargets):
    r"""The Huber loss :math:`\frac1n\sum_i h_\delta(z_i - y_i)`, with
    :math:`h_\delta(r) = r^2/2` for :math:`|r| \le \delta` and
    :math:`\delta|r| - \delta^2/2` beyond: robust regression.

    Written with the public protocol only, as a user would write a data fit
    of their own (no duality gap: the measure is the proximal-gradient
    mapping); it runs with the working-set solver through
    :meth:`loss_kernels`.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Targets.
    delta : float, default 1.0
        Where the loss turns from quadratic to linear (positive).
    """

    curvature = 1.0
    quadratic = False

    def __init__(self, y, delta=1.0):
        try:
            d = float(delta)
        except (TypeError, ValueError):
            raise ValueError(f"`delta` must be a positive number, got {delta!r}") from None
        if not (math.isfinite(d) and d > 0):
            raise ValueError(f"`delta` must be a positive finite number, got {delta!r}")
        self.delta = d
        super().__init__(y)

    def value(self, z):
        r = np.abs(z - self.y)
        d = self.delta
        return float(np.where(r <= d, 0.5 * r * r, d * r - 0.5 * d * d).sum()) / self.n_samples

    def gradient(self, z):
        return np.clip(z - self.y, -self.delta, self.delta) / self.n_samples

    def hessian_diag(self, z):
        return (np.abs(z - self.y) <= self.delta) / float(self.n_samples)

    def loss_kernels(self):
        """The per-sample loss and derivative for the working-set solver,
        with ``delta`` as their third argument (see :attr:`kernel_args`)."""
        return _huber_loss, _huber_d1

    @property
    def kernel_args(self):
        return self.delta


class Multinomial:
    r"""The multinomial logistic (softmax) loss of a linear model with one
    column of weights per class, :math:`Z = XW`:
    :math:`\frac1n\sum_i \big(\log\sum_c e^{Z_{ic}} - Z_{i y_i}\big)`.
    :class:`~optsolve.optimize.bcd.Softmax` composes it with a penalty.

    Its protocol is that of a data fit with Z an (n_samples, n_classes)
    matrix, plus ``probabilities(Z)`` (the softmax of each row), from which
    the problem builds block Hessians; ``curvature`` is Bohning's bound.

    Parameters
    ----------
    y : array_like, shape (n_samples,)
        Class labels (any values; ``classes_`` holds them sorted).
    """

    curvature = 0.5
    quadratic = False

    def __init__(self, y):
        self._y_in = y

    def prepare(self, n_samples):
        y = np.asarray(self._y_in)
        if y.ndim != 1 or y.shape[0] != n_samples:
            raise ValueError(f"`y` must be one-dimensional with {n_samples} entries, "
                             f"got shape {y.shape}")
        if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
            raise ValueError("`y` must contain only finite values (no NaN or inf)")
        self.classes_, codes = np.unique(y, return_inverse=True)
        self.n_classes = int(self.classes_.size)
        if self.n_classes < 2:
            raise ValueError("`y` must contain at least two classes")
        self.codes = codes
        self.n_samples = n_samples
        self.Y = np.zeros((n_samples, self.n_classes))
        self.Y[np.arange(n_samples), codes] = 1.0
        return self

    def probabilities(self, Z):
        Zs = Z - Z.max(axis=1, keepdims=True)
        P = np.exp(Zs)
        P /= P.sum(axis=1, keepdims=True)
        return P

    def value(self, Z):
        m = Z.max(axis=1)
        lse = m + np.log(np.exp(Z - m[:, None]).sum(axis=1))
        return float((lse - Z[np.arange(self.n_samples), self.codes]).sum()) / self.n_samples

    def gradient(self, Z):
        return (self.probabilities(Z) - self.Y) / self.n_samples


class QuadraticForm:
    r"""The quadratic :math:`\frac12 x^TAx - b^Tx` of the variables
    themselves (no design matrix), A symmetric positive definite, dense or
    sparse. :class:`~optsolve.optimize.bcd.Quadratic` composes it with a
    penalty; its state is the gradient :math:`Ax - b`, kept current as
    blocks move.

    Its protocol: ``A``, ``b``, ``diag`` (A's diagonal), ``sparse``, and
    for a sparse A the CSR arrays ``indptr``, ``indices``, ``data`` (the
    graph that forest blocks and message passing walk) and ``csc`` (A's
    columns).

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric positive definite matrix.
    b : array_like, shape (n,)
    """

    curvature = 1.0
    quadratic = True

    def __init__(self, A, b):
        A = _check_square(A)
        diff = A - A.T
        asym = abs(diff).max() if sp.issparse(diff) else np.abs(diff).max()
        scale = abs(A).max() if sp.issparse(A) else np.abs(A).max()
        if asym > 1e-10 * max(scale, 1e-300):
            raise ValueError("`A` must be symmetric")
        self.A = A
        self.b = _check_y(b, A.shape[0], "b", "`A` has {n} rows")
        self.diag = np.asarray(A.diagonal(), dtype=np.float64).copy()
        if np.any(self.diag <= 0):
            raise ValueError("`A` must have a positive diagonal (positive definite)")
        self.sparse = sp.issparse(A)
        if self.sparse:
            self.csc = A.tocsc()
            self.indptr = A.indptr.astype(np.int64)
            self.indices = A.indices.astype(np.int64)
            self.data = A.data


def _check_square(A):
    """A as CSR (summed, sorted) or a dense float64 array: finite, square."""
    if sp.issparse(A):
        A = sp.csr_matrix(A, dtype=np.float64)
        A.sum_duplicates()
        A.sort_indices()
        if not np.all(np.isfinite(A.data)):
            raise ValueError("`A` must contain only finite values")
    else:
        A = np.asarray(A, dtype=np.float64)
        if A.ndim != 2:
            raise ValueError(f"`A` must be two-dimensional, got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("`A` must contain only finite values")
    if A.shape[0] != A.shape[1] or A.shape[0] == 0:
        raise ValueError(f"`A` must be a non-empty square matrix, got shape {A.shape}")
    return A
