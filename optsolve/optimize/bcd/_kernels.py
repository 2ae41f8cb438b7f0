"""Numba kernels of the L1 working-set solvers and of the tree-block solve.

A design matrix reaches these kernels as a dense Fortran-ordered array ``Xd``
(with empty CSC arrays), or as ``Xd = None`` with the three CSC arrays.
Numba prunes the ``if Xd is None`` branches of the sparse specialisation at
compile time, so its sweeps carry no dense code (a runtime flag instead cost
2x on sparse sweeps). ``cache=True`` keeps the
compiled code on disk between runs.

References
----------
* Coordinate descent with working sets and Anderson extrapolation:
  Bertrand, Klopfenstein, Massias, Blondel, Vaiter, Gramfort & Salmon,
  "Beyond L1: Faster and Better Sparse Models with skglm", NeurIPS 2022,
  Algorithm 1 (working sets) and Section 2.2 (Anderson extrapolation).
* Proximal Newton for L1 logistic regression: Lee, Sun & Saunders,
  "Proximal Newton-type methods", SIAM J. Optim. 2014.
* Message passing for tree-structured blocks: Nutini, Laradji & Schmidt,
  JMLR 2022, Section 5 (Gaussian elimination in leaf-to-root order costs
  O(|b|) on a tree: no fill-in).
"""
import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["kernel_arrays"]

_EMPTYF = np.empty(0)
_EMPTYI = np.empty(0, dtype=np.int32)


def kernel_arrays(X):
    """(Xd, data, indices, indptr) of a dense Fortran or a CSC matrix: Xd is
    None for CSC data (numba prunes the dense branches), the CSC arrays are
    empty for dense data."""
    if sp.issparse(X):
        if X.indptr[-1] < 2**31 - 1:  # one signature for the common case
            return None, X.data, X.indices.astype(np.int32), X.indptr.astype(np.int32)
        return None, X.data, X.indices, X.indptr
    return X, _EMPTYF, _EMPTYI, _EMPTYI

# Reassociation lets LLVM vectorise the column dot products; no "nnan"/"ninf"
# so that finiteness checks keep their meaning. Kernels set the flags too, for
# the column helpers that LLVM inlines into them.
_FAST = {"reassoc", "contract", "nsz", "arcp"}


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


@njit(cache=True, fastmath=_FAST)
def xt_dot(Xd, data, indices, indptr, v, cols, scale, out):
    """out[j] = scale * X_j^T v for j in ``cols`` (single-threaded: on a
    shared machine this beats a threaded BLAS GEMV, and screened columns are
    skipped)."""
    for t in range(cols.shape[0]):
        j = cols[t]
        out[j] = scale * _col_dot(Xd, data, indices, indptr, j, v)


@njit(cache=True)
def ws_scores(w, g, keep, lips, alpha, positive, by_lips, score):
    """Working-set scores of f + alpha||.||_1 (+ the bound x >= 0) in one
    pass: score[j] = |s_j| (``by_lips``: |s_j| / sqrt(L_j), 0 where L_j = 0)
    for a kept coordinate at zero, +inf on the support, -inf for a screened
    one, s the minimum-norm subgradient (|s_j| is the violation ``_kkt1``).
    Returns (max |s_j| over the kept coordinates, support size, kept
    violators at zero). Replaces a dozen whole-vector NumPy passes per
    working set (p = 50000: ~1 ms)."""
    v_max = 0.0
    n_supp = 0
    n_viol = 0
    for j in range(w.shape[0]):
        if not keep[j]:
            score[j] = -np.inf
            continue
        v = _kkt1(w[j], g[j], alpha, positive)
        if v > v_max:
            v_max = v
        if w[j] != 0.0:
            score[j] = np.inf
            n_supp += 1
        else:
            if v > 0.0:
                n_viol += 1
            if by_lips:
                score[j] = v / np.sqrt(lips[j]) if lips[j] > 0.0 else 0.0
            else:
                score[j] = v
    return v_max, n_supp, n_viol


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
    last = np.empty((K + 1, m))
    n_stored = 0
    active = np.empty(m, dtype=np.int64)
    n_active = m
    for t in range(m):
        active[t] = t
    full = True
    work = 0.0
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
            v = _kkt1(old, g, alpha, positive)
            if v > viol:
                viol = v
            new = _prox1(old - g / L, alpha / L, positive)
            if new != old:
                w[j] = new
                _col_axpy(Xd, data, indices, indptr, j, old - new, r)
        if full:
            if viol <= tol:
                break
            n_active = 0
            for t in range(m):
                if w[ws[t]] != 0.0:
                    active[n_active] = t
                    n_active += 1
            full = n_active == m or n_active == 0
        elif viol <= tol:
            full = True
        if K > 0:
            for t in range(m):
                last[n_stored, t] = w[ws[t]]
            n_stored += 1
            if n_stored == K + 1:
                n_stored = 0
                extr = _anderson(last, K)
                if positive:
                    for t in range(extr.shape[0]):
                        extr[t] = max(extr[t], 0.0)   # back onto x >= 0
                if extr.shape[0] == m:
                    # accept the extrapolated point only if it lowers the objective
                    r_ex = y.copy()
                    for t in range(m):
                        if extr[t] != 0.0:
                            _col_axpy(Xd, data, indices, indptr, ws[t],
                                      -extr[t], r_ex)
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
def _logistic_value(z, y):
    s = 0.0
    for i in range(z.shape[0]):
        t = -y[i] * z[i]
        if t > 0:
            s += t + np.log1p(np.exp(-t))
        else:
            s += np.log1p(np.exp(t))
    return s / z.shape[0]


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
    for column pairs. Measured on w8a (n = 49749): 20x cheaper at m = 100
    and 3x at m = 15. A pair lands in either triangle (places need not be
    sorted along a row); the two triangles are added at the end."""
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


@njit(cache=True, fastmath=_FAST)
def _sigmoid_at(y, z, xd, step, sig):
    """sig_i = sigma(-y_i (z_i + step xd_i)); returns
    sum_i xd_i * d/dz log(1 + exp(-y_i z)) at z + step xd, that is the
    derivative of the (n times) loss along xd. One exp per sample."""
    dot = 0.0
    for i in range(y.shape[0]):
        s = 1.0 / (1.0 + np.exp(y[i] * (z[i] + step * xd[i])))
        sig[i] = s
        dot -= xd[i] * y[i] * s
    return dot


@njit(cache=True, fastmath=_FAST)
def _logistic_value_at(z, y, xd, step):
    """(1/n) sum log(1 + exp(-y_i (z_i + step xd_i)))."""
    s = 0.0
    for i in range(z.shape[0]):
        t = -y[i] * (z[i] + step * xd[i])
        if t > 0:
            s += t + np.log1p(np.exp(-t))
        else:
            s += np.log1p(np.exp(t))
    return s / z.shape[0]


@njit(cache=True, fastmath=_FAST)
def logreg_ws_prox_newton(Xd, data, indices, indptr, y, w, z, ws,
                          col_sq, alpha, max_newton, max_cd, tol, use_gram, max_reuse=1,
                          positive=False):
    """Proximal Newton on the working set for
    (1/n) sum log(1 + exp(-y_i z_i)) + alpha ||w||_1, z = Xw kept up to date.
    Each Newton step minimises the second-order model by cyclic CD (at most
    ``max_cd`` epochs), then a backtracking line search along the direction.
    Stops when the KKT violation on ``ws`` is <= ``tol``. With ``positive``
    the model is minimised under w >= 0 (one-sided prox).

    With ``use_gram`` the model is minimised on the weighted Gram matrix of
    ``ws``: for sparse X built from the rows of X_ws (made once per call),
    for dense X column pair by column pair.

    The line search tests the slope first: phi(s) = F(w + s d) is convex,
    so phi'(s) <= 0 (left derivative) proves phi(s) <= phi(0) and that no
    step in [0, s] does better; it costs one exp per sample and leaves the
    sigmoids that the next Newton step needs. Only when the slope is
    positive is the Armijo test on values made (log1p per sample).
    Returns (newton steps, total CD epochs)."""
    n = y.shape[0]
    m = ws.shape[0]
    psi = np.empty(n)      # d loss / d z_i times n
    h = np.empty(n)        # d^2 loss / d z_i^2 times n
    sig = np.empty(n)      # sigma(-y_i z_i) at the current z, then at trials
    xd = np.zeros(n)       # X d for the current direction
    d = np.zeros(m)
    g = np.zeros(m)
    lh = np.zeros(m)
    act = np.empty(m, dtype=np.int64)
    work = np.zeros(n)
    rows_ptr = np.empty(0, dtype=np.int64)   # the rows of X_ws, once needed
    rpos = np.empty(0, dtype=np.int64)
    rows_val = np.empty(0)
    total_cd = 0.0
    f_cur = np.nan   # the loss at z, once computed
    H = np.empty((0, 0))
    last_step = 0.0
    reused = 0
    _sigmoid_at(y, z, xd, 0.0, sig)
    it = 0
    for it in range(1, max_newton + 1):
        for i in range(n):
            s = sig[i]
            psi[i] = -y[i] * s
            h[i] = s * (1.0 - s)
        viol = 0.0
        for t in range(m):
            j = ws[t]
            g[t] = _col_dot(Xd, data, indices, indptr, j, psi) / n
            v = _kkt1(w[j], g[t], alpha, positive)
            if v > viol:
                viol = v
            if use_gram:
                continue   # the model's curvature is the Gram's diagonal
            lh[t] = 0.0
            if Xd is None:
                for k in range(indptr[j], indptr[j + 1]):
                    lh[t] += data[k] * data[k] * h[indices[k]]
            else:
                for i in range(n):
                    lh[t] += Xd[i, j] * Xd[i, j] * h[i]
            lh[t] /= n
        if viol <= tol:
            it -= 1
            break
        # inner solve of the quadratic model around w: on the weighted Gram
        # matrix of a small working set (O(m^2) per sweep), else by sweeps
        # over the columns (O(nnz) per sweep)
        xd[:] = 0.0
        d[:] = 0.0
        tol_cd = 0.3 * viol
        if use_gram:
            # after a full Newton step the last Gram is kept for one more
            # step (the weights h moved little; the line search guards the
            # step): a Gram costs far more than the rest of a step
            if H.shape[0] == 0 or last_step < 1.0 or reused >= max_reuse:
                reused = 0
                if Xd is None:
                    if rows_ptr.shape[0] == 0:
                        rows_ptr, rpos, rows_val = ws_rows(data, indices, indptr, ws, n)
                    H = _weighted_gram_rows(rows_ptr, rpos, rows_val, m, h, n)
                else:
                    H = _weighted_gram(Xd, data, indices, indptr, ws, h, n, work)
            else:
                reused += 1
            _gram_cd(H, g, w, ws, alpha, 0.1 * tol_cd, 10 * max_cd, d, positive)
            for t in range(m):
                if d[t] != 0.0:
                    _col_axpy(Xd, data, indices, indptr, ws[t], d[t], xd)
        else:
            # glmnet-style sweeps: all of ws, then its nonzeros until they settle
            full = True
            n_act = m
            for ep in range(max_cd):
                count = m if full else n_act
                total_cd += count / m
                dmax = 0.0
                for q in range(count):
                    t = q if full else act[q]
                    if lh[t] <= 1e-12 * (col_sq[ws[t]] / n + 1e-300):
                        continue
                    j = ws[t]
                    gq = g[t] + _col_wdot(Xd, data, indices, indptr, j, h, xd) / n
                    cur = w[j] + d[t]
                    new = _prox1(cur - gq / lh[t], alpha / lh[t], positive)
                    if new != cur:
                        dd = new - cur
                        d[t] += dd
                        _col_axpy(Xd, data, indices, indptr, j, dd, xd)
                        # lh * |dd|: the change of the model's gradient, on the
                        # scale of the KKT violation the outer test uses
                        if abs(dd) * lh[t] > dmax:
                            dmax = abs(dd) * lh[t]
                if full:
                    if dmax <= tol_cd:
                        break
                    n_act = 0
                    for t in range(m):
                        if w[ws[t]] + d[t] != 0.0:
                            act[n_act] = t
                            n_act += 1
                    full = n_act == m or n_act == 0
                elif dmax <= tol_cd:
                    full = True
        # line search on phi(s) = F(w + s d): the slope test, then Armijo
        l1_old = 0.0
        l1_new = 0.0
        gd = 0.0
        for t in range(m):
            l1_old += abs(w[ws[t]])
            l1_new += abs(w[ws[t]] + d[t])
            gd += g[t] * d[t]
        delta = gd + alpha * (l1_new - l1_old)
        step = 1.0
        accepted = False
        f_new = np.nan
        l1s = 0.0
        for ls in range(30):
            slope = _sigmoid_at(y, z, xd, step, sig) / n
            l1s = 0.0
            for t in range(m):
                dt = d[t]
                v = w[ws[t]] + step * dt
                l1s += abs(v)
                if v > 0.0:
                    slope += alpha * dt
                elif v < 0.0:
                    slope -= alpha * dt
                else:
                    slope -= alpha * abs(dt)   # the left derivative
            f_new = np.nan
            if slope <= 0.0:
                accepted = True
                break
            if f_cur != f_cur:  # nan: not known yet
                f_cur = _logistic_value_at(z, y, xd, 0.0)
            f_old = f_cur + alpha * l1_old
            f_new = _logistic_value_at(z, y, xd, step) + alpha * l1s
            # the slack accepts steps whose decrease is below the rounding
            # error of f (near the optimum, where the gap still certifies)
            if f_new <= f_old + 1e-4 * step * delta + 4e-16 * abs(f_old):
                accepted = True
                break
            step *= 0.5
        if not accepted:
            break
        for t in range(m):
            w[ws[t]] += step * d[t]
        for i in range(n):
            z[i] += step * xd[i]
        f_cur = f_new - alpha * l1s   # nan when the slope test accepted
        last_step = step
    return it, total_cd


@njit(cache=True, fastmath=_FAST)
def logistic_grad_pass(z, y, u):
    """One pass over the samples: u_i = d/dz_i of the loss
    (1/n) sum log(1 + exp(-y_i z_i)), that is -y_i sigma(-y_i z_i) / n;
    returns the loss."""
    n = z.shape[0]
    loss = 0.0
    for i in range(n):
        t = y[i] * z[i]
        if t > 0:
            e = np.exp(-t)
            loss += np.log1p(e)
            s = e / (1.0 + e)
        else:
            e = np.exp(t)
            loss += np.log1p(e) - t
            s = 1.0 / (1.0 + e)
        u[i] = -y[i] * s / n
    return loss / n


@njit(cache=True, fastmath=_FAST)
def logistic_dual_of(u, y, scale):
    """The dual objective -(1/n) sum [v log v + (1-v) log(1-v)] at
    v_i = -n y_i u_i / scale (u from :func:`logistic_grad_pass`)."""
    n = u.shape[0]
    ent = 0.0
    for i in range(n):
        v = -n * y[i] * u[i] / scale
        if v > 0.0:
            ent += v * np.log(v)
        if v < 1.0:
            ent += (1.0 - v) * np.log1p(-v)
    return -ent / n


@njit(cache=True)
def tree_solve(order, parent, diag, offd, rhs):
    """Solve A_bb x = rhs for a forest-structured block in O(|b|).

    ``order`` lists the block's local nodes so that every node comes after
    its parent (roots first, as produced by a breadth-first search);
    ``parent[i]`` is the local parent index (-1 for a root), ``diag[i]`` the
    diagonal entry A_ii and ``offd[i]`` the entry A_{i,parent(i)}.
    Gaussian elimination from the leaves up creates no fill-in on a tree."""
    m = order.shape[0]
    d = diag.copy()
    c = rhs.copy()
    for t in range(m - 1, -1, -1):
        i = order[t]
        p = parent[i]
        if p >= 0:
            f = offd[i] / d[i]
            d[p] -= f * offd[i]
            c[p] -= f * c[i]
    x = np.empty(m)
    for t in range(m):
        i = order[t]
        p = parent[i]
        if p >= 0:
            x[i] = (c[i] - offd[i] * x[p]) / d[i]
        else:
            x[i] = c[i] / d[i]
    return x


@njit(cache=True)
def greedy_forest(candidates, max_size, indptr, indices, in_block_mark):
    """Grow a block that induces a forest in the graph (CSR adjacency).

    Candidates are visited in the given order (e.g. by decreasing |g_i|);
    a node joins the block when its already-chosen neighbours all lie in
    different trees, so that no cycle is closed (union-find).
    ``in_block_mark`` is a work array of length n filled with -1."""
    n = in_block_mark.shape[0]
    uf = np.arange(max_size)
    chosen = np.empty(max_size, dtype=np.int64)
    m = 0
    roots = np.empty(64, dtype=np.int64)
    for c in range(candidates.shape[0]):
        if m >= max_size:
            break
        v = candidates[c]
        # trees of the already chosen neighbours
        nr = 0
        ok = True
        for k in range(indptr[v], indptr[v + 1]):
            u = indices[k]
            if u == v:
                continue
            lu = in_block_mark[u]
            if lu < 0:
                continue
            r = lu
            while uf[r] != r:
                uf[r] = uf[uf[r]]
                r = uf[r]
            for q in range(nr):
                if roots[q] == r:
                    ok = False
                    break
            if not ok:
                break
            if nr == roots.shape[0]:
                grown = np.empty(2 * nr, dtype=np.int64)
                grown[:nr] = roots
                roots = grown
            roots[nr] = r
            nr += 1
        if not ok:
            continue
        in_block_mark[v] = m
        chosen[m] = v
        for q in range(nr):
            uf[roots[q]] = m
        m += 1
    for t in range(m):
        in_block_mark[chosen[t]] = -1
    return chosen[:m]


@njit(cache=True)
def forest_structure(block, indptr, indices, values, mark):
    """Parent pointers, BFS order and the A_ii / A_{i,parent} entries of a
    block whose induced subgraph is a forest (CSR matrix A)."""
    m = block.shape[0]
    for t in range(m):
        mark[block[t]] = t
    parent = np.full(m, -1, dtype=np.int64)
    diag = np.zeros(m)
    offd = np.zeros(m)
    order = np.empty(m, dtype=np.int64)
    seen = np.zeros(m, dtype=np.bool_)
    head = 0
    tail = 0
    for s in range(m):
        if seen[s]:
            continue
        seen[s] = True
        order[tail] = s
        tail += 1
        while head < tail:
            i = order[head]
            head += 1
            v = block[i]
            for k in range(indptr[v], indptr[v + 1]):
                u = indices[k]
                if u == v:
                    diag[i] += values[k]
                    continue
                lu = mark[u]
                if lu < 0 or seen[lu]:
                    continue
                seen[lu] = True
                parent[lu] = i
                offd[lu] = values[k]
                order[tail] = lu
                tail += 1
    for t in range(m):
        mark[block[t]] = -1
    return order, parent, diag, offd


@njit(cache=True)
def _tree_better(score, a, b):
    """The leaf of larger score (-1 = empty; ties to the smaller index)."""
    if a < 0:
        return b
    if b < 0:
        return a
    if score[b] > score[a] or (score[b] == score[a] and b < a):
        return b
    return a


@njit(cache=True)
def max_tree(score):
    """Tournament tree over ``score``: ``tree[1]`` is the index of the
    largest entry, ``tree[P + i]`` the leaf of entry i (P a power of two);
    :func:`max_tree_update` restores it after a change in O(log p)."""
    p = score.shape[0]
    P = 1
    while P < p:
        P *= 2
    tree = np.full(2 * P, -1, dtype=np.int64)
    for i in range(p):
        tree[P + i] = i
    for v in range(P - 1, 0, -1):
        tree[v] = _tree_better(score, tree[2 * v], tree[2 * v + 1])
    return tree


@njit(cache=True)
def max_tree_update(tree, score, i):
    v = (tree.shape[0] // 2 + i) // 2
    while v >= 1:
        tree[v] = _tree_better(score, tree[2 * v], tree[2 * v + 1])
        v //= 2


@njit(cache=True, fastmath=_FAST)
def greedy_cd_sparse_quadratic(indptr, indices, data, lips, l2, weight, x, g, n_iter,
                               use_tree, tree, score):
    """``n_iter`` greedy single-coordinate updates of 1/2 x^T (A + l2 I) x - b^T x
    for a sparse symmetric A (CSR), gradient ``g`` maintained: pick
    i = argmax |g_i| * weight_i (weight 1: GS; 1/sqrt(L_i): GSL), minimise
    exactly along it (x_i -= g_i / L_i, L_i = A_ii + l2), update the
    gradients of its neighbours.

    With ``use_tree`` the argmax is read from the tournament tree ``tree``
    over ``score`` (built by :func:`max_tree`) and only the changed leaves
    are updated, O(deg(i) log p) per step; without it every step scans the
    p scores, O(p). Returns the number of updates done (fewer when the
    gradient is exactly zero)."""
    p = x.shape[0]
    done = 0
    for it in range(n_iter):
        if use_tree:
            i = tree[1]
        else:
            i = 0
            best = -1.0
            for j in range(p):
                if score[j] > best:
                    best = score[j]
                    i = j
        if score[i] == 0.0:
            break
        delta = -g[i] / lips[i]
        x[i] += delta
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            g[j] += data[k] * delta
            score[j] = abs(g[j]) * weight[j]
            if use_tree:
                max_tree_update(tree, score, j)
        if l2 != 0.0:
            g[i] += l2 * delta
        score[i] = abs(g[i]) * weight[i]
        if use_tree:
            max_tree_update(tree, score, i)
        done += 1
    return done


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
