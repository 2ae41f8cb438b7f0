"""Node domain propagation: activity-based bound tightening on the rows.

For a row ``L <= a^T x <= U`` and a column ``j`` with ``a_j != 0``, the
smallest activity of the other columns over their current bounds,
``minres = min sum_{k != j} a_k x_k``, gives ``a_j x_j <= U - minres``
(and ``maxres`` gives ``a_j x_j >= L - maxres``), the bound tightening of
Savelsbergh (1994) and of SCIP's linear constraint handler. Only integer
columns are tightened (rounded, with a tolerance of ``1e-6``): continuous
tightenings are left to the LP. All rows and entries are processed at once
with numpy; a few passes run while bounds keep moving.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["Propagator"]

_BIG = 1e15


class Propagator:
    """Activity-based bound tightening over the rows of ``A``.

    Parameters
    ----------
    A : sparse matrix, shape (m, n)
    row_lower, row_upper : ndarray
        Row bounds (``-inf``/``inf`` for a missing side).
    is_integer : ndarray of bool
        Columns that are tightened.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.propagation import Propagator
    >>> A = np.array([[2.0, 3.0, 1.0]])           # 2 x0 + 3 x1 + x2 <= 4
    >>> prop = Propagator(A, np.array([-np.inf]), np.array([4.0]),
    ...                   np.ones(3, bool))
    >>> lb, ub = np.array([1.0, 0, 0]), np.array([1.0, 5, 5])
    >>> prop.propagate(lb, ub)                    # x0 = 1 leaves room 2
    2
    >>> ub.tolist()
    [1.0, 0.0, 2.0]
    """

    def __init__(self, A, row_lower, row_upper, is_integer):
        A = sp.csr_matrix(A)
        m, n = A.shape
        rows = np.repeat(np.arange(m), np.diff(A.indptr))
        cols = A.indices.astype(np.int64)
        vals = A.data.astype(np.float64)
        integ = np.asarray(is_integer, bool)
        keep = (vals != 0) & integ[cols] & (np.isfinite(row_lower[rows])
                                            | np.isfinite(row_upper[rows]))
        # every entry of a row enters its activity; only integer entries
        # receive new bounds
        self.m, self.n = m, n
        self.rows, self.cols, self.vals = rows, cols, vals
        self.target = keep
        # target entries sorted by column, for segment reductions
        tc = cols[keep]
        order = np.argsort(tc, kind="stable")
        self._order = order
        sc = tc[order]
        starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]]) if sc.size else \
            np.empty(0, np.int64)
        self._starts = starts
        self._seg_cols = sc[starts] if sc.size else np.empty(0, np.int64)
        self.rl = np.asarray(row_lower, float)
        self.ru = np.asarray(row_upper, float)
        self.active = bool(keep.any())

    def propagate(self, lb, ub, passes=3):
        """Tighten ``lb``, ``ub`` in place. Returns the number of bounds
        changed, or -1 when a column's bounds cross (the node is infeasible)."""
        if not self.active:
            return 0
        rows, cols, a = self.rows, self.cols, self.vals
        m = self.m
        t = self.target
        changed = 0
        for _ in range(passes):
            l, u = lb[cols], ub[cols]
            pos = a > 0
            lo = np.where(pos, a * l, a * u)      # contribution to the min
            hi = np.where(pos, a * u, a * l)      # ... and to the max
            lo_inf = ~np.isfinite(lo)
            hi_inf = ~np.isfinite(hi)
            minact = np.bincount(rows, np.where(lo_inf, 0.0, lo), m)
            maxact = np.bincount(rows, np.where(hi_inf, 0.0, hi), m)
            nlo = np.bincount(rows, lo_inf, m)
            nhi = np.bincount(rows, hi_inf, m)
            r = rows[t]
            at, lot, hit = a[t], lo[t], hi[t]
            # residual activities without the entry itself
            with np.errstate(invalid="ignore"):
                resmin = np.where(lo_inf[t], np.where(nlo[r] == 1, minact[r], -np.inf),
                                  np.where(nlo[r] == 0, minact[r] - lot, -np.inf))
                resmax = np.where(hi_inf[t], np.where(nhi[r] == 1, maxact[r], np.inf),
                                  np.where(nhi[r] == 0, maxact[r] - hit, np.inf))
                up_room = self.ru[r] - resmin      # a_j x_j <= up_room
                lo_room = self.rl[r] - resmax      # a_j x_j >= lo_room
                ok_u = np.isfinite(up_room) & (np.abs(resmin) < _BIG)
                ok_l = np.isfinite(lo_room) & (np.abs(resmax) < _BIG)
                q_u = up_room / at
                q_l = lo_room / at
            pa = at > 0
            # per entry: an upper bound candidate and a lower bound candidate
            cu = np.where(pa, np.where(ok_u, q_u, np.inf), np.where(ok_l, q_l, np.inf))
            cl = np.where(pa, np.where(ok_l, q_l, -np.inf), np.where(ok_u, q_u, -np.inf))
            o, st, sc = self._order, self._starts, self._seg_cols
            new_ub = np.full(self.n, np.inf)
            new_lb = np.full(self.n, -np.inf)
            new_ub[sc] = np.minimum.reduceat(cu[o], st)
            new_lb[sc] = np.maximum.reduceat(cl[o], st)
            new_ub = np.floor(new_ub + 1e-6 + 1e-9 * np.abs(new_ub))
            new_lb = np.ceil(new_lb - 1e-6 - 1e-9 * np.abs(new_lb))
            tu = new_ub < ub - 0.5
            tl = new_lb > lb + 0.5
            k = int(tu.sum() + tl.sum())
            if k == 0:
                break
            ub[tu] = new_ub[tu]
            lb[tl] = new_lb[tl]
            changed += k
            if np.any(lb > ub):
                return -1
        return changed
