"""Numba kernels of the L1 working-set solver: the cyclic
proximal CD with Anderson extrapolation (least squares) and CD on a weighted
Gram matrix (proximal Newton for the logistic loss: :mod:`._prox_newton`).

References
----------
* Coordinate descent with working sets and Anderson extrapolation:
  Bertrand, Klopfenstein, Massias, Blondel, Vaiter, Gramfort & Salmon,
  "Beyond L1: Faster and Better Sparse Models with skglm", NeurIPS 2022,
  Algorithm 1 (working sets) and Section 2.2 (Anderson extrapolation).
"""
import numpy as np
from numba import njit

from ..._matrix import _FAST, _cd_step, _col_axpy, _col_dot, _prox1, _vdot

__all__ = ["lasso_ws_cd", "ws_rows", "lasso_gram_cd"]


@njit(cache=True)
def _spd_solve_ones(C):
    """Solve C z = 1 for a small symmetric positive definite C by Cholesky
    (loops: numba's np.linalg.solve costs ~8 s of first-call compile for a
    5 x 5 system). Returns NaNs when C is not numerically positive
    definite."""
    K = C.shape[0]
    R = np.zeros((K, K))
    for j in range(K):
        s = C[j, j]
        for k in range(j):
            s -= R[j, k] * R[j, k]
        if not s > 0.0:
            return np.full(K, np.nan)
        R[j, j] = np.sqrt(s)
        for i in range(j + 1, K):
            t = C[i, j]
            for k in range(j):
                t -= R[i, k] * R[j, k]
            R[i, j] = t / R[j, j]
    z = np.ones(K)
    for i in range(K):          # R v = 1
        t = z[i]
        for k in range(i):
            t -= R[i, k] * z[k]
        z[i] = t / R[i, i]
    for i in range(K - 1, -1, -1):   # R^T z = v
        t = z[i]
        for k in range(i + 1, K):
            t -= R[k, i] * z[k]
        z[i] = t / R[i, i]
    return z


@njit(cache=True)
def _anderson(last, K):
    """Anderson extrapolation coefficients from K+1 stored iterates.

    Returns the extrapolated point, or an empty array when the linear
    system is too ill-conditioned to trust."""
    m = last.shape[1]
    U = np.empty((K, m))
    for k in range(K):
        for t in range(m):
            U[k, t] = last[k + 1, t] - last[k, t]
    C = np.zeros((K, K))   # U U^T by loops: no BLAS threads (see _vdot)
    for a in range(K):
        for b in range(a + 1):
            C[a, b] = _vdot(U[a], U[b])
            C[b, a] = C[a, b]
    # a small ridge keeps the solve stable when differences are collinear
    tr = 0.0
    for k in range(K):
        tr += C[k, k]
    if tr <= 0.0:
        return np.empty(0)
    for k in range(K):
        C[k, k] += 1e-10 * tr
    z = _spd_solve_ones(C)
    sz = z.sum()
    if not np.isfinite(sz) or sz == 0.0:
        return np.empty(0)
    c = z / sz
    out = np.zeros(m)
    for k in range(K):
        for t in range(m):
            out[t] += c[k] * last[k + 1, t]
    return out


@njit(cache=True)
def _sweep_arrays(m, K):
    """The Anderson history (K + 1 iterates on a set of m) and the list of
    the set's places that glmnet's partial sweeps visit (all at first)."""
    return np.empty((K + 1, m)), np.arange(m)


@njit(cache=True, inline="always")
def _next_sweep(w, ws, active, full, n_active, viol, tol):
    """glmnet's alternation, after a sweep that did not finish: a full sweep
    lists the nonzeros of ``ws`` in ``active`` for the next sweeps; a sweep
    over them that settles (<= ``tol``) calls a full one. Returns (full,
    n_active) for the next sweep."""
    if full:
        m = ws.shape[0]
        n_active = 0
        for t in range(m):
            if w[ws[t]] != 0.0:
                active[n_active] = t
                n_active += 1
        return n_active == m or n_active == 0, n_active
    return viol <= tol, n_active


@njit(cache=True)
def _extrapolate(last, n_stored, w, ws, K):
    """w on ``ws`` stored as row ``n_stored`` of the Anderson history; when
    the K + 1 rows are full, the extrapolated point (empty when the system
    is too ill-conditioned, or not due yet or K = 0), and the next row."""
    if K == 0:
        return np.empty(0), n_stored
    for t in range(ws.shape[0]):
        last[n_stored, t] = w[ws[t]]
    if n_stored < K:
        return np.empty(0), n_stored + 1
    return _anderson(last, K), 0


@njit(cache=True, fastmath=_FAST)
def lasso_ws_cd(Xd, data, indices, indptr, y, w, r, ws, lips, alpha,
                max_epochs, tol, K, positive=False):
    """Cyclic proximal CD on the working set ``ws`` for
    1/(2n)||y - Xw||^2 + alpha ||w||_1, with Anderson extrapolation every
    ``K`` epochs (K = 0 disables it). ``r = y - Xw`` is kept up to date.
    Coordinates outside ``ws`` must be zero.

    Sweeps alternate as in glmnet: a full sweep over ``ws``, then sweeps over
    its nonzero coordinates only until they settle, then a full sweep again.
    Stops when the largest KKT violation met during a full sweep is <= ``tol``.
    Returns the number of sweeps, counting a sweep over the nonzeros as the
    fraction of ``ws`` it visits (so that it is comparable to an epoch)."""
    n = y.shape[0]
    m = ws.shape[0]
    last, active = _sweep_arrays(m, K)
    n_stored, n_active, full, work = 0, m, True, 0.0
    for epoch in range(1, max_epochs + 1):
        viol = 0.0
        count = m if full else n_active
        work += count / m
        for q in range(count):
            t = q if full else active[q]
            j = ws[t]
            L = lips[j]
            if L == 0.0:
                continue
            g = -_col_dot(Xd, data, indices, indptr, j, r) / n
            old = w[j]
            new, v = _cd_step(old, g, L, alpha, positive)
            viol = max(viol, v)
            if new != old:
                w[j] = new
                _col_axpy(Xd, data, indices, indptr, j, old - new, r)
        if full and viol <= tol:
            break
        full, n_active = _next_sweep(w, ws, active, full, n_active, viol, tol)
        extr, n_stored = _extrapolate(last, n_stored, w, ws, K)
        if extr.shape[0] == m:
            if positive:
                for t in range(m):
                    extr[t] = max(extr[t], 0.0)   # back onto x >= 0
            # accept the extrapolated point only if it lowers the objective
            r_ex = y.copy()
            for t in range(m):
                if extr[t] != 0.0:
                    _col_axpy(Xd, data, indices, indptr, ws[t], -extr[t], r_ex)
            p_ex = 0.5 * _vdot(r_ex, r_ex) / n
            p_cur = 0.5 * _vdot(r, r) / n
            for t in range(m):
                p_ex += alpha * abs(extr[t])
                p_cur += alpha * abs(w[ws[t]])
            if p_ex < p_cur:
                for t in range(m):
                    w[ws[t]] = extr[t]
                r[:] = r_ex
    return work


@njit(cache=True, fastmath=_FAST)
def _weighted_gram(Xd, data, indices, indptr, ws, h, n, work):
    """H = X_ws^T diag(h) X_ws / n. Sparse: scatter h * X_a into ``work``
    (zeros on entry and exit), then sparse dots with the other columns."""
    m = ws.shape[0]
    H = np.empty((m, m))
    for a in range(m):
        ja = ws[a]
        if Xd is None:
            for k in range(indptr[ja], indptr[ja + 1]):
                work[indices[k]] = h[indices[k]] * data[k]
        else:
            for i in range(n):
                work[i] = h[i] * Xd[i, ja]
        for b in range(a + 1):
            v = _col_dot(Xd, data, indices, indptr, ws[b], work) / n
            H[a, b] = v
            H[b, a] = v
        if Xd is None:
            for k in range(indptr[ja], indptr[ja + 1]):
                work[indices[k]] = 0.0
    if Xd is not None:
        work[:] = 0.0
    return H


@njit(cache=True)
def ws_rows(data, indices, indptr, ws, n):
    """The columns ``ws`` of a CSC matrix in CSR form: (rptr, rpos, rval),
    row i holding the (place in ws, value) pairs of its entries in ws, in
    increasing place. O(nnz(ws) + n)."""
    m = ws.shape[0]
    rptr = np.zeros(n + 1, dtype=np.int64)
    for t in range(m):
        j = ws[t]
        for k in range(indptr[j], indptr[j + 1]):
            rptr[indices[k] + 1] += 1
    for i in range(n):
        rptr[i + 1] += rptr[i]
    fill = rptr[:-1].copy()
    nnz = rptr[n]
    rpos = np.empty(nnz, dtype=np.int64)
    rval = np.empty(nnz)
    for t in range(m):
        j = ws[t]
        for k in range(indptr[j], indptr[j + 1]):
            i = indices[k]
            rpos[fill[i]] = t
            rval[fill[i]] = data[k]
            fill[i] += 1
    return rptr, rpos, rval


@njit(cache=True, fastmath=_FAST)
def _weighted_gram_rows(rptr, rpos, rval, m, h, n):
    """H = X_ws^T diag(h) X_ws / n from the rows of X_ws (:func:`ws_rows`):
    each row adds h_i times the outer product of its k_i
    entries, so the cost is sum_i k_i^2 / 2 updates of the small m x m
    matrix (in cache), against m nnz(ws) / 2 gathers from a length-n vector
    for column pairs (the guide's "Working-set choices" has the figures).
    A pair lands in either triangle (places need not be sorted along a
    row); the two triangles are added at the end."""
    H = np.zeros((m, m))
    for i in range(n):
        hi = h[i]
        lo = rptr[i]
        hi_k = rptr[i + 1]
        for a in range(lo, hi_k):
            ta = rpos[a]
            va = hi * rval[a]
            for b in range(lo, a + 1):
                H[ta, rpos[b]] += va * rval[b]
    for a in range(m):
        H[a, a] /= n
        for b in range(a):
            v = (H[a, b] + H[b, a]) / n
            H[a, b] = v
            H[b, a] = v
    return H


@njit(cache=True, fastmath=_FAST)
def lasso_gram_cd(Xd, data, indices, indptr, w, r, ws, alpha, tol, max_epochs,
                  positive=False):
    """Lasso on the working set ``ws`` by cyclic CD on its Gram matrix
    H = X_ws^T X_ws / n (made once: for sparse X from the rows of X_ws),
    for tall data where an m x m sweep costs far less than a sweep over the
    columns. The model g^T d + d^T H d / 2 + alpha ||w_ws + d||_1 is the
    exact objective change, so one solve finishes the set; ``w`` and
    ``r = y - Xw`` are updated. Returns the Gram sweeps done."""
    n = r.shape[0]
    m = ws.shape[0]
    ones = np.ones(n)
    if Xd is None:
        rptr, rpos, rval = ws_rows(data, indices, indptr, ws, n)
        H = _weighted_gram_rows(rptr, rpos, rval, m, ones, n)
    else:
        H = _weighted_gram(Xd, data, indices, indptr, ws, ones, n, np.zeros(n))
    g = np.empty(m)
    for t in range(m):
        g[t] = -_col_dot(Xd, data, indices, indptr, ws[t], r) / n
    d = np.zeros(m)
    sweeps = _gram_cd(H, g, w, ws, alpha, tol, max_epochs, d, positive)
    for t in range(m):
        if d[t] != 0.0:
            w[ws[t]] += d[t]
            _col_axpy(Xd, data, indices, indptr, ws[t], -d[t], r)
    return sweeps


@njit(cache=True, fastmath=_FAST)
def _gram_cd(H, g, w, ws, alpha, tol, max_epochs, d, positive=False):
    """argmin_d g^T d + d^T H d / 2 + alpha ||w_ws + d||_1 (subject to
    w_ws + d >= 0 when ``positive``) by cyclic CD on the dense m x m matrix
    H (d holds the answer). Returns the sweeps done."""
    m = ws.shape[0]
    Hd = np.zeros(m)
    sweeps = 0
    for ep in range(max_epochs):
        sweeps += 1
        dmax = 0.0
        for t in range(m):
            L = H[t, t]
            if L <= 0.0:
                continue
            cur = w[ws[t]] + d[t]
            new = _prox1(cur - (g[t] + Hd[t]) / L, alpha / L, positive)
            if new != cur:
                dd = new - cur
                d[t] += dd
                for q in range(m):
                    Hd[q] += dd * H[q, t]
                if abs(dd) * L > dmax:
                    dmax = abs(dd) * L
        if dmax <= tol:
            break
    return sweeps
