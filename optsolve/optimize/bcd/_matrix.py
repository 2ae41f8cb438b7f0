"""Numba kernels on a design matrix's columns, shared by the solvers.

A design matrix reaches the kernels as a dense Fortran-ordered array ``Xd``
(with empty CSC arrays), or as ``Xd = None`` with the three CSC arrays.
Numba prunes the ``if Xd is None`` branches of the sparse specialisation at
compile time, so its sweeps carry no dense code (a runtime flag instead
slowed the sparse sweeps: the guide has the figure). ``cache=True`` keeps the compiled code on disk between
runs.
"""
import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["kernel_arrays", "xt_dot"]

_EMPTYF = np.empty(0)
_EMPTYI = np.empty(0, dtype=np.int32)

# Reassociation lets LLVM vectorise the column dot products; no "nnan"/"ninf"
# so that finiteness checks keep their meaning. Kernels set the flags too, for
# the column helpers that LLVM inlines into them.
_FAST = {"reassoc", "contract", "nsz", "arcp"}


def kernel_arrays(X):
    """(Xd, data, indices, indptr) of a dense Fortran or a CSC matrix: Xd is
    None for CSC data (numba prunes the dense branches), the CSC arrays are
    empty for dense data."""
    if sp.issparse(X):
        if X.indptr[-1] < 2**31 - 1:  # one signature for the common case
            return None, X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)
        return None, X.data, X.indices, X.indptr
    return X, _EMPTYF, _EMPTYI, _EMPTYI


@njit(cache=True, fastmath=_FAST)
def _col_dot(Xd, data, indices, indptr, j, v):
    s = 0.0
    if Xd is None:
        for k in range(indptr[j], indptr[j + 1]):
            s += data[k] * v[indices[k]]
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * v[i]
    return s


@njit(cache=True, fastmath=_FAST)
def _col_wdot(Xd, data, indices, indptr, j, h, v):
    # sum_i X_ij h_i v_i
    s = 0.0
    if Xd is None:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            s += data[k] * h[i] * v[i]
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * h[i] * v[i]
    return s


@njit(cache=True, fastmath=_FAST)
def _col_axpy(Xd, data, indices, indptr, j, a, v):
    # v += a * X_j
    if Xd is None:
        for k in range(indptr[j], indptr[j + 1]):
            v[indices[k]] += a * data[k]
    else:
        for i in range(Xd.shape[0]):
            v[i] += a * Xd[i, j]


@njit(cache=True, fastmath=_FAST)
def _vdot(a, b):
    """Dot product by a loop: numba's ``@`` calls a threaded BLAS, whose
    thread wake-ups cost milliseconds on a loaded machine."""
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


@njit(cache=True, inline="always")
def _soft(x, t):
    if x > t:
        return x - t
    if x < -t:
        return x + t
    return 0.0


@njit(cache=True, inline="always")
def _prox1(u, t, positive):
    """prox of t|.| (and of the bound x >= 0 when ``positive``) at u."""
    if positive:
        return max(u - t, 0.0)
    return _soft(u, t)


@njit(cache=True, inline="always")
def _kkt1(w, g, alpha, positive):
    """Violation of the optimality condition of one coordinate of
    f + alpha|.| (+ the bound x >= 0 when ``positive``), g = f'."""
    if w > 0.0:
        return abs(g + alpha)
    if w < 0.0:
        return abs(g - alpha)
    if positive:
        return max(-(g + alpha), 0.0)
    return max(abs(g) - alpha, 0.0)


@njit(cache=True, inline="always")
def _cd_step(old, g, L, alpha, positive):
    """The proximal coordinate step of length 1/L from ``old`` (gradient g)
    and the optimality violation at ``old``."""
    return _prox1(old - g / L, alpha / L, positive), _kkt1(old, g, alpha, positive)


@njit(cache=True, fastmath=_FAST)
def xt_dot(Xd, data, indices, indptr, v, cols, scale, out):
    """out[j] = scale * X_j^T v for j in ``cols`` (single-threaded: on a
    shared machine this beats a threaded BLAS GEMV, and screened columns are
    skipped)."""
    for t in range(cols.shape[0]):
        j = cols[t]
        out[j] = scale * _col_dot(Xd, data, indices, indptr, j, v)
