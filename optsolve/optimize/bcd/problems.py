"""Problems for block coordinate descent: data fit x penalty.

Each problem is a plain object holding its data and exposing what the block
methods need (a state that makes block gradients cheap, coordinate and block
Lipschitz constants, block Hessians, and a certified optimality measure).
Data fits: least squares, binary logistic, multinomial logistic (softmax), a
sparse quadratic (the label-propagation objective is one). Penalties:
``"none"``, ``"l2"`` (alpha/2 ||x||^2) and ``"l1"`` (alpha ||x||_1).

Curvature constants follow Nutini, Laradji & Schmidt (JMLR 2022, Section 2
and their experiment code): least squares L_i = ||a_i||^2/n and
L_b = lambda_max(A_b^T A_b)/n; logistic the same times 1/4; softmax times
1/2 (Bohning's bound); a quadratic L_i = A_ii, H_b = A_bb.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._matrix import kernel_arrays, xt_dot
from .penalties import PENALTY_NAMES, Penalty, check_nonnegative, make_penalty
from .penalties import check_partition as _check_partition

__all__ = ["GLM", "LeastSquares", "Lasso", "Logistic", "SparseLogisticRegression",
           "Softmax", "Quadratic", "LabelPropagation", "GroupLasso"]



# --------------------------------------------------------------------------
# validation helpers


def _check_alpha(alpha, penalty, allowed=PENALTY_NAMES):
    a = check_nonnegative(alpha, "alpha")
    if penalty not in allowed:
        raise ValueError(f"`penalty` must be one of {allowed}, got {penalty!r}")
    return a


def _check_positive(positive, penalty):
    if not isinstance(positive, (bool, np.bool_)):
        raise ValueError(f"`positive` must be True or False, got {positive!r}")
    if positive and penalty == "group":
        raise ValueError("`positive`=True is not available with `penalty`='group'")
    return bool(positive)


def _check_groups(groups, penalty, p):
    """List of sorted index arrays partitioning 0..p-1 for the group
    penalty; None otherwise."""
    if penalty != "group":
        if groups is not None:
            raise ValueError("`groups` is only used with `penalty`='group'")
        return None
    if groups is None:
        raise ValueError("`groups` is required with `penalty`='group'")
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        if groups < 1 or p % groups:
            raise ValueError(f"`groups` as an integer must be a group size dividing the "
                             f"{p} features, got {groups}")
        groups = [np.arange(i, i + groups) for i in range(0, p, int(groups))]
    return _check_partition(groups, p, "groups", "features")


def _check_X(X):
    """Dense float64 Fortran array, or CSC float64 with sorted indices."""
    if sp.issparse(X):
        X = sp.csc_matrix(X, dtype=np.float64)
        X.sum_duplicates()
        X.sort_indices()
        if X.ndim != 2:  # pragma: no cover
            raise ValueError("`X` must be two-dimensional")
        if not np.all(np.isfinite(X.data)):
            raise ValueError("`X` must contain only finite values (no NaN or inf)")
    else:
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("`X` must be a numeric 2-D array or a scipy.sparse matrix") from None
        if X.ndim != 2:
            raise ValueError(f"`X` must be two-dimensional, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("`X` must contain only finite values (no NaN or inf)")
        X = np.asfortranarray(X)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"`X` must have at least one row and one column, got shape {X.shape}")
    return X


def _col_sq_norms(X):
    if sp.issparse(X):
        return np.asarray(X.multiply(X).sum(axis=0)).ravel()
    return np.einsum("ij,ij->j", X, X)


def _cols(X, idx):
    """Dense copy of the columns ``idx`` of X."""
    sub = X[:, idx]
    return sub.toarray() if sp.issparse(sub) else np.asarray(sub)


def _lam_max_psd(M):
    if M.shape[0] == 1:
        return float(M[0, 0])
    return float(np.linalg.eigvalsh(M)[-1])


# --------------------------------------------------------------------------
# the common part


class _Problem:
    """What the driver relies on: a data fit (the subclass) and a penalty
    object ``pen`` (see :mod:`.penalties`), whose L2 part is folded into the
    smooth part and whose L1 and group parts (and the constraint x >= 0 when
    ``positive``) are handled by proximal steps."""

    quadratic = False
    n_vars = 0
    pen = Penalty()
    datafit = None
    #: whether the state is the smooth part's gradient (then read for free)
    state_is_gradient = False
    #: the CSR arrays (indptr, indices, data) of a sparse quadratic's graph
    graph = None
    #: the block size when ``bcd``'s ``block_size`` is None
    default_block_size = 1

    @property
    def alpha(self):
        return self.pen.alpha

    @property
    def penalty(self):
        """The penalty's family: ``"none"``, ``"l2"``, ``"l1"`` or ``"group"``."""
        return self.pen.name

    @property
    def positive(self):
        return self.pen.positive

    @property
    def groups(self):
        """The groups (list of index arrays) of the group penalty, else None."""
        return getattr(self.pen, "groups", None)

    @property
    def _l2(self):
        return self.pen.l2

    @property
    def _l1(self):
        return self.pen.l1

    @property
    def _nonsmooth(self):
        return self.pen.nonsmooth

    def _penalty_value(self, x):
        return self.pen.value(x)

    def _prox(self, u, b=None, t=1.0):
        return self.pen.prox(u, b, t)

    def _min_norm_subgrad(self, x, g):
        return self.pen.min_norm_subgrad(x, g)

    def _block_lips(self, b):
        return _lam_max_psd(self._block_hess(None, None, b, bound=True))

    def _optimality(self, x, st, g):
        """(name, value) of the certified optimality measure."""
        if self._nonsmooth:
            pg = x - self._prox(x - g)
            return "prox_grad_norm", float(np.max(np.abs(pg)))
        return "grad_norm", float(np.max(np.abs(g)))

    def _zero_state(self):
        return self._state(np.zeros(self.n_vars))

    def _measure_scale(self):
        """The measure at x = 0, which ``tol`` is relative to (a full
        gradient: kept, since it depends on the data only)."""
        if getattr(self, "_scale0", None) is None:
            x = np.zeros(self.n_vars)
            st = self._zero_state()
            self._scale0 = self._optimality(x, st, self._grad(x, st))[1]
        return self._scale0


class _GLM(_Problem):
    """Generalised linear model: a data fit F(Xw) (:mod:`.datafits`) plus a
    penalty (:mod:`.penalties`); state = z = Xw."""

    def __init__(self, X, y, alpha, penalty, groups=None, positive=False, fit=None):
        # the named problems: validation in the order their users know
        alpha = _check_alpha(alpha, penalty)
        X = _check_X(X)
        positive = _check_positive(positive, penalty)
        groups = _check_groups(groups, penalty, X.shape[1])
        self._setup(X, fit(y), make_penalty(penalty, alpha, positive, groups))

    def _setup(self, X, datafit, pen):
        self.X = X
        self.n_samples, self.n_features = self.X.shape
        self.n_vars = self.n_features
        self.pen = pen
        self.datafit = datafit.prepare(self.n_samples)
        self._sq = _col_sq_norms(self.X)
        self._karr = kernel_arrays(self.X)
        self._all_cols = np.arange(self.n_features, dtype=np.int64)

    @property
    def quadratic(self):
        return self.datafit.quadratic

    @property
    def _curv(self):
        return self.datafit.curvature

    @property
    def y(self):
        return self.datafit.y

    def _dloss(self, z):
        return self.datafit.gradient(z)

    def _d2loss(self, z):
        return self.datafit.hessian_diag(z)

    def _loss(self, z):
        return self.datafit.value(z)

    def _gap(self, x, z, g):
        loss, dual = self.datafit.loss_and_dual(z, self._dual_scale(g))
        return max(loss + self._penalty_value(x) - dual, 0.0)

    @property
    def sparse(self):
        return sp.issparse(self.X)

    def _state(self, x):
        return np.asarray(self.X @ x, dtype=np.float64)

    def _zero_state(self):
        return np.zeros(self.n_samples)

    def _grad(self, x, z):
        g = np.empty(self.n_features)
        xt_dot(*self._karr, self._dloss(z), self._all_cols, 1.0, g)
        if self._l2:
            g = g + self._l2 * x
        return g

    def _block_grad(self, x, z, b):
        g = _cols(self.X, b).T @ self._dloss(z)
        if self._l2:
            g = g + self._l2 * x[b]
        return g

    def _value(self, x, z):
        return self._loss(z) + self._penalty_value(x)

    @property
    def coord_lipschitz(self):
        """Coordinate Lipschitz constants L_i of the smooth part."""
        return self._curv * self._sq / self.n_samples + self._l2

    def _block_hess(self, x, z, b, bound=False):
        Xb = _cols(self.X, b)
        if bound or self.quadratic:
            H = self._curv * (Xb.T @ Xb) / self.n_samples
        else:
            H = (Xb * self._d2loss(z)[:, None]).T @ Xb
        if self._l2:
            H = H + self._l2 * np.eye(len(b))
        return H

    def _move(self, x, z, b, delta):
        x[b] += delta
        if sp.issparse(self.X):
            z += self.X[:, b] @ delta
        else:
            z += self.X[:, b] @ delta

    @property
    def _has_gap(self):
        """L1, with or without the bound, and a data fit with a dual: the
        duality gap is the measure."""
        return self.pen.name == "l1" and hasattr(self.datafit, "loss_and_dual")

    def _optimality(self, x, z, g):
        if self._has_gap:
            return "gap", self._gap(x, z, g)
        return super()._optimality(x, z, g)

    def _measure_scale(self):
        if self._has_gap:
            return self._value(np.zeros(self.n_vars), np.zeros(self.n_samples))
        return super()._measure_scale()

    def _dual_scale(self, g):
        """Factor making the dual point feasible: ||X^T theta||_inf <= alpha,
        or X^T theta <= alpha under the bound w >= 0 (theta ~ -u: the
        conjugate of alpha sum(w) + the bound is one-sided)."""
        if self.positive:
            gmax = float(max(np.max(-g), 0.0)) if g.size else 0.0
        else:
            gmax = float(np.max(np.abs(g))) if g.size else 0.0
        return 1.0 if self.alpha <= 0 else max(1.0, gmax / self.alpha)

    def alpha_max(self):
        """The smallest L1 (or group) weight for which w = 0 is a solution:
        max |g_j| at w = 0, max(-g_j, 0) with ``positive``, the largest
        group norm of g for the group penalty."""
        z = np.zeros(self.n_samples)
        g = np.asarray(self.X.T @ self._dloss(z)).ravel()
        return self.pen.alpha_max(g)


_DATAFIT_NEEDS = ("prepare", "value", "gradient", "hessian_diag", "curvature", "quadratic")
_PENALTY_NEEDS = ("name", "alpha", "positive", "l1", "l2", "nonsmooth", "value", "prox",
                  "min_norm_subgrad", "alpha_max")


def _check_protocol(obj, name, needs, where):
    missing = [m for m in needs if not hasattr(obj, m)]
    if missing:
        raise ValueError(f"`{name}` must follow the protocol of {where}: "
                         f"{type(obj).__name__} lacks {', '.join(missing)}")


class GLM(_GLM):
    r"""A linear model's data fit composed with a penalty,
    :math:`F(Xw) + \mathrm{penalty}(w)`: any data fit of :mod:`.datafits`
    (or your own with its protocol) with any penalty of :mod:`.penalties`.

    The named problems are such compositions: :class:`Lasso` is
    ``GLM(X, datafits.LeastSquares(y), penalties.L1(alpha))`` and gives the
    same iterates.

    Parameters
    ----------
    X : array_like or scipy.sparse matrix, shape (n_samples, n_features)
        Design matrix (dense, or sparse: stored as CSC).
    datafit : data fit object
        See :mod:`optsolve.optimize.bcd.datafits` for the protocol.
    penalty : penalty object, optional
        See :mod:`optsolve.optimize.bcd.penalties`; none by default.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bcd import GLM, Lasso, bcd, datafits, penalties
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 60)); y = X[:, :3] @ [3.0, -2.0, 1.0]
    >>> prob = GLM(X, datafits.LeastSquares(y), penalties.L1(0.1))
    >>> bool(np.array_equal(bcd(prob).x, bcd(Lasso(X, y, 0.1)).x))
    True
    """

    def __init__(self, X, datafit, penalty=None):
        pen = Penalty() if penalty is None else penalty
        _check_protocol(datafit, "datafit", _DATAFIT_NEEDS, "optsolve.optimize.bcd.datafits")
        _check_protocol(pen, "penalty", _PENALTY_NEEDS, "optsolve.optimize.bcd.penalties")
        if pen.name not in PENALTY_NAMES:
            raise ValueError(f"`penalty`.name must be one of {PENALTY_NAMES}, got {pen.name!r}")
        X = _check_X(X)
        groups = getattr(pen, "groups", None)
        if pen.name == "group" and sum(len(gr) for gr in groups) != X.shape[1]:
            raise ValueError(f"`penalty`'s groups must partition the {X.shape[1]} features")
        self._setup(X, datafit, pen)


# the named problems, in their own modules (still importable from here)
from .linear import GroupLasso, Lasso, LeastSquares, Logistic, SparseLogisticRegression  # noqa: E402,E501
from .quadratic import LabelPropagation, Quadratic, lattice_graph  # noqa: E402
from .softmax import Softmax  # noqa: E402
