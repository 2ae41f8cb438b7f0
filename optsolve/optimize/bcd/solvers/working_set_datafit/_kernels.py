"""Numba kernel of the working-set solver for any data fit that hands over
its per-sample derivative (``loss_kernels``): cyclic proximal coordinate
descent on the set, steps 1/L_j from the data fit's curvature bound."""
import numpy as np
from numba import njit

from ..._matrix import _FAST, _col_axpy, _kkt1, _prox1

__all__ = ["datafit_ws_cd"]


@njit(cache=True, fastmath=_FAST)
def _col_grad(Xd, data, indices, indptr, j, z, y, d1, c):
    # sum_i X_ij F_i'(z_i): the data fit's derivative read where X_j is nonzero
    s = 0.0
    if Xd is None:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            s += data[k] * d1(z[i], y[i], c)
    else:
        for i in range(Xd.shape[0]):
            s += Xd[i, j] * d1(z[i], y[i], c)
    return s


@njit(cache=True, fastmath=_FAST)
def datafit_ws_cd(Xd, data, indices, indptr, y, w, z, ws, lips, alpha, positive,
                  max_epochs, tol, d1, c):
    """Sweeps of proximal CD over ``ws`` (w, z = Xw kept current) until the
    largest optimality violation met in a sweep is at most ``tol``; returns
    the number of sweeps. ``lips`` are n L_j (the 1/n of the loss is applied
    here, once per coordinate)."""
    n = z.shape[0]
    for epoch in range(max_epochs):
        big = 0.0
        for t in range(ws.shape[0]):
            j = ws[t]
            if lips[j] <= 0.0:
                continue
            g = _col_grad(Xd, data, indices, indptr, j, z, y, d1, c) / n
            old = w[j]
            v = _kkt1(old, g, alpha, positive)
            if v > big:
                big = v
            new = _prox1(old - g * n / lips[j], alpha * n / lips[j], positive)
            if new != old:
                w[j] = new
                _col_axpy(Xd, data, indices, indptr, j, new - old, z)
        if big <= tol:
            return epoch + 1
    return max_epochs
