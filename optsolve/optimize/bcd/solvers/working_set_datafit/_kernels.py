"""Numba kernel of the working-set solver for any data fit that hands over
its per-sample loss and derivative (``loss_kernels``): the proximal CD of
:func:`..working_set._kernels.lasso_ws_cd` (glmnet's sweeps, Anderson
extrapolation) with the derivative u_i = F_i'(z_i) kept beside z = Xw, so
that a coordinate's gradient is one column dot product and the data fit is
called only where a moved column is nonzero."""
import numpy as np
from numba import njit

from ..._matrix import _FAST, _cd_step, _col_dot
from ..working_set._kernels import _extrapolate, _next_sweep, _sweep_arrays

__all__ = ["datafit_ws_cd"]


@njit(cache=True, fastmath=_FAST)
def _col_move(Xd, data, indices, indptr, j, a, z, u, y, d1, c):
    # z += a X_j and u = F'(z) again where X_j is nonzero
    if Xd is None:
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            z[i] += a * data[k]
            u[i] = d1(z[i], y[i], c)
    else:
        for i in range(Xd.shape[0]):
            z[i] += a * Xd[i, j]
            u[i] = d1(z[i], y[i], c)


@njit(cache=True, fastmath=_FAST)
def _objective(z, y, w, ws, alpha, loss, c):
    # F(z) + alpha ||w_ws||_1 (w is zero outside ws)
    s = 0.0
    for i in range(z.shape[0]):
        s += loss(z[i], y[i], c)
    s /= z.shape[0]
    for t in range(ws.shape[0]):
        s += alpha * abs(w[ws[t]])
    return s


@njit(cache=True, fastmath=_FAST)
def _try_extrapolation(Xd, data, indices, indptr, y, w, z, u, ws, extr, alpha, positive,
                       loss, d1, c):
    # the Anderson point, kept only if it lowers the objective
    m = ws.shape[0]
    if positive:
        for t in range(m):
            extr[t] = max(extr[t], 0.0)   # back onto x >= 0
    z_ex = z.copy()
    for t in range(m):
        a = extr[t] - w[ws[t]]
        if a != 0.0:
            j = ws[t]
            if Xd is None:
                for k in range(indptr[j], indptr[j + 1]):
                    z_ex[indices[k]] += a * data[k]
            else:
                for i in range(Xd.shape[0]):
                    z_ex[i] += a * Xd[i, j]
    p_cur = _objective(z, y, w, ws, alpha, loss, c)
    w_cur = w[ws]
    for t in range(m):
        w[ws[t]] = extr[t]
    if _objective(z_ex, y, w, ws, alpha, loss, c) < p_cur:
        z[:] = z_ex
        for i in range(z.shape[0]):
            u[i] = d1(z[i], y[i], c)
    else:
        for t in range(m):
            w[ws[t]] = w_cur[t]


@njit(cache=True, fastmath=_FAST)
def datafit_ws_cd(Xd, data, indices, indptr, y, w, z, ws, lips, alpha, positive,
                  max_epochs, tol, K, loss, d1, c):
    """Proximal CD over ``ws`` (w, z = Xw kept current; coordinates outside
    ``ws`` zero) until the largest optimality violation met in a full sweep
    is at most ``tol``; ``lips`` are the coordinates' Lipschitz constants. Sweeps alternate as in glmnet: all of ``ws``, then its nonzeros
    until they settle; every ``K`` sweeps an Anderson extrapolation is tried
    (K = 0: never). Returns the sweeps, a sweep over the nonzeros counted as
    the fraction of ``ws`` it visits."""
    n = z.shape[0]
    m = ws.shape[0]
    u = np.empty(n)
    for i in range(n):
        u[i] = d1(z[i], y[i], c)
    last, active = _sweep_arrays(m, K)
    n_stored, n_active, full, work = 0, m, True, 0.0
    for epoch in range(max_epochs):
        viol = 0.0
        count = m if full else n_active
        work += count / m
        for q in range(count):
            j = ws[q if full else active[q]]
            if lips[j] <= 0.0:
                continue
            old = w[j]
            new, v = _cd_step(old, _col_dot(Xd, data, indices, indptr, j, u) / n, lips[j],
                              alpha, positive)
            viol = max(viol, v)
            if new != old:
                w[j] = new
                _col_move(Xd, data, indices, indptr, j, new - old, z, u, y, d1, c)
        if full and viol <= tol:
            break
        full, n_active = _next_sweep(w, ws, active, full, n_active, viol, tol)
        extr, n_stored = _extrapolate(last, n_stored, w, ws, K)
        if extr.shape[0] == m:
            _try_extrapolation(Xd, data, indices, indptr, y, w, z, u, ws, extr, alpha,
                               positive, loss, d1, c)
    return work
