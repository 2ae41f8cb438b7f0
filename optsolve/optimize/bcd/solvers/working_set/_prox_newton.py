"""Numba kernel of the working-set solver for the L1 logistic loss: proximal
Newton on the set, the quadratic model minimised by CD (on the weighted Gram
matrix of a small set, else by sweeps over the columns), then a line search
that tests the slope before the values.

Reference: Lee, Sun & Saunders, "Proximal Newton-type methods", SIAM J.
Optim. 2014; the working sets and inner CD as in skglm (Bertrand et al.,
NeurIPS 2022) and celer (Massias et al., ICML 2018).
"""
import numpy as np
from numba import njit

from ..._logistic import _logistic_value_at, _sigmoid_at
from ..._matrix import _FAST, _col_axpy, _col_dot, _col_wdot, _kkt1, _prox1
from ._kernels import _gram_cd, _weighted_gram, _weighted_gram_rows, ws_rows

__all__ = ["logreg_ws_prox_newton"]


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
    for dense X column pair by column pair; after a full Newton step the
    last Gram is kept for ``max_reuse`` more steps (the weights moved
    little; the line search guards the step): a Gram costs far more than
    the rest of a step.
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
        viol = _gradient_on_set(Xd, data, indices, indptr, y, w, ws, sig, psi, h, g, lh,
                                alpha, use_gram, positive)
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
            total_cd = _model_sweeps(Xd, data, indices, indptr, w, ws, g, h, lh, xd, d, act,
                                     col_sq, alpha, tol_cd, max_cd, positive, total_cd)
        accepted, step, f_new, l1s, f_cur = _line_search(y, z, xd, sig, w, ws, d, g, alpha,
                                                         f_cur)
        if not accepted:
            break
        for t in range(m):
            w[ws[t]] += step * d[t]
        for i in range(n):
            z[i] += step * xd[i]
        f_cur = f_new - alpha * l1s   # nan when the slope test accepted
        last_step = step
    return it, total_cd


@njit(cache=True, fastmath=_FAST, inline="always")
def _gradient_on_set(Xd, data, indices, indptr, y, w, ws, sig, psi, h, g, lh, alpha,
                     use_gram, positive):
    """From the sigmoids at z: the loss's derivatives psi and h (times n),
    the gradient g on ``ws`` and, without the Gram, the model's coordinate
    curvatures lh. Returns the largest KKT violation on ``ws``."""
    n = y.shape[0]
    for i in range(n):
        s = sig[i]
        psi[i] = -y[i] * s
        h[i] = s * (1.0 - s)
    viol = 0.0
    for t in range(ws.shape[0]):
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
    return viol


@njit(cache=True, fastmath=_FAST, inline="always")
def _model_sweeps(Xd, data, indices, indptr, w, ws, g, h, lh, xd, d, act, col_sq, alpha,
                  tol_cd, max_cd, positive, total_cd):
    """The quadratic model minimised by glmnet-style sweeps over the columns:
    all of ``ws``, then its nonzeros until they settle (d and xd = X d hold
    the answer). Returns ``total_cd`` plus the sweeps, a partial one counted
    as its fraction."""
    n = h.shape[0]
    m = ws.shape[0]
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
    return total_cd


@njit(cache=True, fastmath=_FAST, inline="always")
def _line_search(y, z, xd, sig, w, ws, d, g, alpha, f_cur):
    """Backtracking on phi(s) = F(w + s d), the slope tested first: phi is
    convex, so phi'(s) <= 0 (left derivative) proves phi(s) <= phi(0) and
    that no step in [0, s] does better; it costs one exp per sample and
    leaves the sigmoids that the next Newton step needs. Only when the
    slope is positive is the Armijo test on values made (log1p per sample).
    Returns (accepted, step, objective at the step or nan, its L1 norm on
    ``ws``, the loss at z or nan)."""
    n = y.shape[0]
    m = ws.shape[0]
    l1_old = 0.0
    l1_new = 0.0
    gd = 0.0
    for t in range(m):
        l1_old += abs(w[ws[t]])
        l1_new += abs(w[ws[t]] + d[t])
        gd += g[t] * d[t]
    delta = gd + alpha * (l1_new - l1_old)
    step = 1.0
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
            return True, step, f_new, l1s, f_cur
        if f_cur != f_cur:  # nan: not known yet
            f_cur = _logistic_value_at(z, y, xd, 0.0)
        f_old = f_cur + alpha * l1_old
        f_new = _logistic_value_at(z, y, xd, step) + alpha * l1s
        # the slack accepts steps whose decrease is below the rounding
        # error of f (near the optimum, where the gap still certifies)
        if f_new <= f_old + 1e-4 * step * delta + 4e-16 * abs(f_old):
            return True, step, f_new, l1s, f_cur
        step *= 0.5
    return False, step, f_new, l1s, f_cur
