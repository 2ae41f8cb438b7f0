"""Gomory mixed-integer cuts from the optimal tableau (the derivation and
its safeguards are in :mod:`optsolve.milp.cuts`)."""
from __future__ import annotations

import math

import highspy
import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import finish_cut
from optsolve.milp.lp import tableau_ready

__all__ = ["gomory_cuts"]

_MIN_FRAC = 0.01
_ZERO = 1e-11


def _cut_from_row(coef, val, lo, hi, integ, b, n, A_csc_t, x, lb, ub):
    """GMI cut from ``sum coef_v v = 0`` over the variables ``v`` (columns
    then row activities), basic integer variable ``b``. Returns a
    :class:`Cut` or None."""
    cb = coef[b]
    if abs(cb) < 1e-9:
        return None
    c = coef / cb
    c[b] = 0.0
    c[np.abs(c) < _ZERO] = 0.0
    nz = np.flatnonzero(c)
    if nz.size == 0:
        return None
    cv = c[nz]
    lo_v, hi_v, val_v = lo[nz], hi[nz], val[nz]
    use_lo = (val_v - lo_v <= hi_v - val_v) | ~np.isfinite(hi_v)
    bound = np.where(use_lo, lo_v, hi_v)
    if not np.all(np.isfinite(bound)):
        return None
    # x_b + sum c_v v = 0, v = bound + s y (s = +1 at lower, -1 at upper)
    s = np.where(use_lo, 1.0, -1.0)
    abar = cv * s
    bbar = -float(cv @ bound)
    f0 = bbar - math.floor(bbar)
    if not (_MIN_FRAC <= f0 <= 1.0 - _MIN_FRAC):
        return None
    # y = +-(v - bound) is integral only when the bound is: otherwise the
    # column is treated as continuous (weaker, still valid)
    iv = integ[nz] & (bound == np.round(bound))
    fj = abar - np.floor(abar)
    g = np.where(iv,
                 np.where(fj <= f0, fj / f0, (1.0 - fj) / (1.0 - f0)),
                 np.where(abar >= 0, abar / f0, -abar / (1.0 - f0)))
    # sum g y >= 1, y = s (v - bound)  ->  sum g s v >= 1 + sum g s bound
    h = g * s
    rhs = 1.0 + float(h @ bound)
    full = np.zeros(n)
    is_col = nz < n
    full[nz[is_col]] = h[is_col]
    if not is_col.all():
        hr = np.zeros(A_csc_t.shape[1])
        hr[nz[~is_col] - n] = h[~is_col]
        full += A_csc_t @ hr
    return finish_cut(full, rhs, x, lb, ub)




def gomory_cuts(h, A, row_lower, row_upper, lb, ub, is_integer, int_rows, x, act,
                max_candidates=200, tol=1e-6, stop=None):
    """Gomory mixed-integer cuts from the optimal basis held by ``h``.

    Parameters
    ----------
    h : highspy Highs object
        Holding the LP ``row_lower <= A x <= row_upper``, ``lb <= x <= ub``
        (``A`` with every row HiGHS holds, cuts included), solved to
        optimality.
    A : scipy.sparse matrix
        The rows held by ``h``.
    row_lower, row_upper, lb, ub : ndarray
        Row and column bounds.
    is_integer : ndarray of bool
        Integer columns.
    int_rows : ndarray of bool
        Rows whose activity is integral (see :func:`integral_rows`).
    x, act : ndarray
        Column values and row activities of the LP solution.
    max_candidates : int
        Tableau rows tried, most fractional first.
    stop : callable, optional
        Asked before each tableau row; True ends the separation early.

    Returns
    -------
    list of Cut

    Examples
    --------
    The knapsack ``max 5 x0 + 4 x1 + 3 x2, 2 x0 + 3 x1 + x2 <= 4`` over
    binaries has the LP optimum ``(1, 1/3, 1)``; its tableau row gives a cut
    that the LP point violates:

    >>> import numpy as np
    >>> from optsolve.milp.cuts import gomory_cuts, integral_rows
    >>> from optsolve.milp.lp import LPRelaxation
    >>> from scipy.sparse import csr_matrix
    >>> c = np.array([-5.0, -4, -3]); A = csr_matrix([[2.0, 3, 1]])
    >>> rl, ru = np.array([-np.inf]), np.array([4.0])
    >>> lb, ub = np.zeros(3), np.ones(3)
    >>> lp = LPRelaxation(c, A, rl, ru, lb, ub)
    >>> lp.solve()
    0
    >>> x, act, _, _ = lp.solution()
    >>> integer = np.ones(3, bool)
    >>> cuts = gomory_cuts(lp.h, A, rl, ru, lb, ub, integer,
    ...                    integral_rows(A, rl, ru, integer), x, act)
    >>> [bool(cut.activity(x) < cut.rhs) for cut in cuts]
    [True]
    """
    n = x.size
    A = sp.csr_matrix(A)
    if not tableau_ready(h):       # an empty model has no tableau to read
        return []
    st, basic = h.getBasicVariables()
    basic = np.asarray(basic)
    if st != highspy.HighsStatus.kOk or basic.size != h.getNumRow():
        return []
    cols = basic[basic >= 0]
    pos = np.flatnonzero(basic >= 0)
    keep = is_integer[cols]
    cols, pos = cols[keep], pos[keep]
    f = x[cols] - np.floor(x[cols])
    frac = np.minimum(f, 1 - f)
    ok = frac > max(tol, _MIN_FRAC)
    cols, pos, frac = cols[ok], pos[ok], frac[ok]
    order = np.argsort(-frac, kind="stable")[:max_candidates]
    lo = np.concatenate([lb, row_lower])
    hi = np.concatenate([ub, row_upper])
    val = np.concatenate([x, act])
    integ = np.concatenate([np.asarray(is_integer, bool), int_rows])
    At = A.T.tocsr()
    cuts = []
    for k in order:
        if stop is not None and stop():
            break
        st, u = h.getBasisInverseRow(int(pos[k]))
        u = np.asarray(u, dtype=np.float64)
        if st != highspy.HighsStatus.kOk or u.size != basic.size:
            continue
        u[np.abs(u) < _ZERO] = 0.0
        if not u.any():
            continue
        coef = np.concatenate([At @ u, -u])
        cut = _cut_from_row(coef, val, lo, hi, integ, int(cols[k]), n, At, x,
                            lb, ub)
        if cut is not None:
            cuts.append(cut)
    return cuts


