"""Numba kernel of cyclic group updates for the group Lasso."""
import numpy as np
from numba import njit

from ..._matrix import _FAST, _col_axpy, _col_dot

__all__ = ["group_lasso_cd"]


@njit(cache=True, fastmath=_FAST)
def group_lasso_cd(Xd, data, indices, indptr, w, r, gptr, gidx, lips, alpha, n_epochs, tol):
    """Cyclic block CD for the group Lasso 1/(2n)||y - Xw||^2 + alpha sum_g ||w_g||:
    group k holds the variables gidx[gptr[k]:gptr[k+1]]; each update is the
    block soft-thresholding step of length 1/lips[k] (lips[k] >= the largest
    eigenvalue of X_g^T X_g / n); ``r = y - Xw`` is kept up to date. Stops
    after ``n_epochs`` sweeps, or after a sweep whose largest step (times
    lips) is <= ``tol``. Returns the sweeps done."""
    n = r.shape[0]
    n_groups = gptr.shape[0] - 1
    gmax = 0
    for k in range(n_groups):
        gmax = max(gmax, gptr[k + 1] - gptr[k])
    u = np.empty(gmax)
    done = 0
    for ep in range(n_epochs):
        done += 1
        big = 0.0
        for k in range(n_groups):
            lo = gptr[k]
            m = gptr[k + 1] - lo
            L = lips[k]
            if L <= 0.0:
                continue
            nrm = 0.0
            for q in range(m):
                j = gidx[lo + q]
                u[q] = w[j] + _col_dot(Xd, data, indices, indptr, j, r) / (n * L)
                nrm += u[q] * u[q]
            nrm = np.sqrt(nrm)
            scale = 0.0 if nrm <= alpha / L else 1.0 - alpha / (L * nrm)
            for q in range(m):
                j = gidx[lo + q]
                dd = scale * u[q] - w[j]
                if dd != 0.0:
                    w[j] += dd
                    _col_axpy(Xd, data, indices, indptr, j, -dd, r)
                    if abs(dd) * L > big:
                        big = abs(dd) * L
        if big <= tol:
            break
    return done
