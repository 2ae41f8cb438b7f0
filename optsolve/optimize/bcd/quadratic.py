"""Quadratics for block coordinate descent, :math:`\\frac12 x^TAx - b^Tx`
plus a penalty, and label propagation on a graph: the data fit
:class:`.datafits.QuadraticForm` composed with a penalty (the state is the
maintained gradient)."""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from .datafits import QuadraticForm
from .penalties import PENALTY_NAMES, make_penalty
from .problems import _Problem, _check_alpha

__all__ = ["Quadratic", "LabelPropagation", "lattice_graph"]


class Quadratic(_Problem):
    r"""Strictly convex quadratic :math:`\frac12 x^T A x - b^T x` plus a
    penalty, with A symmetric positive definite (dense or sparse).

    With a sparse A the gradient is maintained in O(degree) per coordinate
    moved, and forest-structured blocks (``blocks="tree"`` or ``"forest"``)
    are solved exactly in linear time by message passing.

    Parameters
    ----------
    A : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric positive definite matrix.
    b : array_like, shape (n,)
    alpha : float, default 0
    penalty : {"none", "l2", "l1"}, default "none"

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from optsolve.optimize.bcd import Quadratic, bcd
    >>> A = sp.diags([-1.0, 2.5, -1.0], [-1, 0, 1], shape=(30, 30))
    >>> res = bcd(Quadratic(A, np.ones(30)), blocks="tree", block_size=30, tol=1e-12)
    >>> res.nit, bool(np.allclose(A @ res.x, 1.0))
    (1, True)
    """

    quadratic = True
    #: the state is the smooth part's gradient: the block loop reads it for free
    state_is_gradient = True

    def __init__(self, A, b, alpha=0.0, penalty="none"):
        self._setup(pen=make_penalty(penalty, _check_alpha(alpha, penalty, PENALTY_NAMES[:3])),
                    datafit=QuadraticForm(A, b))

    def _setup(self, pen, datafit):
        self.pen = pen
        self.datafit = datafit
        self.A, self.b = datafit.A, datafit.b
        self.n_vars = self.A.shape[0]
        self._diag = datafit.diag

    @property
    def sparse(self):
        return self.datafit.sparse

    @property
    def graph(self):
        """The CSR arrays (indptr, indices, data) of a sparse A, else None:
        what forest blocks and message passing walk."""
        fit = self.datafit
        return (fit.indptr, fit.indices, fit.data) if fit.sparse else None

    # state = the gradient of the smooth part, maintained
    def _state(self, x):
        return np.asarray(self.A @ x - self.b, dtype=np.float64) + self._l2 * x

    def _grad(self, x, g):
        return g

    def _block_grad(self, x, g, b):
        return g[b]

    def _value(self, x, g):
        # 1/2 x^T (A + l2 I) x - b^T x  =  1/2 x^T (g + b) - b^T x
        return 0.5 * float(x @ (g + self.b)) - float(self.b @ x) + self._l1 * float(np.abs(x).sum())

    @property
    def coord_lipschitz(self):
        """Coordinate Lipschitz constants L_i = A_ii (+ alpha for L2)."""
        return self._diag + self._l2

    def _block_hess(self, x, g, b, bound=False):
        H = self.A[b][:, b]
        H = H.toarray() if sp.issparse(H) else np.array(H)
        if self._l2:
            H = H + self._l2 * np.eye(len(b))
        return H

    def _move(self, x, g, b, delta):
        x[b] += delta
        if self.sparse:
            g += self.datafit.csc[:, b] @ delta
        else:
            g += self.A[:, b] @ delta
        if self._l2:
            g[b] += self._l2 * delta


def lattice_graph(m):
    """Adjacency matrix of the ``m x m`` four-neighbour lattice (CSR, unit
    weights): the graph of the label-propagation experiments of Nutini,
    Laradji & Schmidt. Node ``i * m + j`` is row ``i``, column ``j``.

    Examples
    --------
    >>> from optsolve.optimize.bcd import lattice_graph
    >>> W = lattice_graph(3)
    >>> W.shape, W.nnz, int(W[4].sum())   # 12 edges, the centre has 4 neighbours
    ((9, 9), 24, 4)
    """
    idx = np.arange(m * m).reshape(m, m)
    rows = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    cols = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    W = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(m * m, m * m))
    return (W + W.T).tocsr()


class LabelPropagation(Quadratic):
    r"""Label propagation on a weighted graph (Zhu & Ghahramani; the
    quadratic of Nutini, Laradji & Schmidt, Section 8):

    .. math::

        \frac14\sum_{i,j} W_{ij}(x_i - x_j)^2
        + \frac{\mu}{2}\sum_{i\ \mathrm{labelled}}(x_i - \ell_i)^2
        + \frac{\epsilon}{2}\|x\|^2 ,

    i.e. the quadratic with A = Laplacian(W) + mu diag(labelled) + eps I and
    b = mu * labels.

    Parameters
    ----------
    W : array_like or scipy.sparse matrix, shape (n, n)
        Symmetric non-negative edge weights (the diagonal is ignored).
    labels : array_like, shape (n,)
        Label values of the labelled nodes; ``nan`` marks unlabelled nodes.
    label_weight : float, default 1e5
        mu, how strongly labelled nodes are tied to their label.
    reg : float, default 0
        eps, a ridge term (needed only if some connected component carries
        no label).

    Examples
    --------
    >>> import numpy as np
    >>> import scipy.sparse as sp
    >>> from optsolve.optimize.bcd import LabelPropagation, bcd
    >>> W = sp.diags([1.0, 1.0], [-1, 1], shape=(5, 5))
    >>> labels = np.array([1.0, np.nan, np.nan, np.nan, -1.0])
    >>> res = bcd(LabelPropagation(W, labels, label_weight=1e3), blocks="tree", block_size=5)
    >>> np.round(res.x, 2) + 0.0  # + 0.0 turns -0. into 0.
    array([ 1. ,  0.5,  0. , -0.5, -1. ])
    """

    def __init__(self, W, labels, label_weight=1e5, reg=0.0):
        W = sp.csr_matrix(W, dtype=np.float64)
        if W.shape[0] != W.shape[1]:
            raise ValueError(f"`W` must be square, got shape {W.shape}")
        if not np.all(np.isfinite(W.data)) or np.any(W.data < 0):
            raise ValueError("`W` must have finite non-negative weights")
        W = W - sp.diags(W.diagonal())
        W.eliminate_zeros()
        labels = np.asarray(labels, dtype=np.float64)
        if labels.ndim != 1 or labels.shape[0] != W.shape[0]:
            raise ValueError(f"`labels` must have one entry per node ({W.shape[0]}), "
                             f"got shape {labels.shape}")
        mu = float(label_weight)
        eps = float(reg)
        if not (math.isfinite(mu) and mu > 0):
            raise ValueError(f"`label_weight` must be positive, got {label_weight!r}")
        if not (math.isfinite(eps) and eps >= 0):
            raise ValueError(f"`reg` must be non-negative, got {reg!r}")
        lab = np.isfinite(labels)
        if not lab.any():
            raise ValueError("`labels` must label at least one node")
        deg = np.asarray(W.sum(axis=1)).ravel()
        A = sp.diags(deg + mu * lab + eps) - W
        b = np.where(lab, mu * np.nan_to_num(labels), 0.0)
        self.W = W
        self.labelled = lab
        super().__init__(A.tocsr(), b)
        if np.any(self._diag <= 0):  # pragma: no cover - guarded above
            raise ValueError("an isolated unlabelled node makes the problem singular; use `reg`")
