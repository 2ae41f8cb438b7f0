"""Node domain propagation: activity-based bound tightening on the rows.

For a row ``L <= a^T x <= U`` and a column ``j`` with ``a_j != 0``, the
smallest activity of the other columns over their current bounds,
``minres = min sum_{k != j} a_k x_k``, gives ``a_j x_j <= U - minres``
(and ``maxres`` gives ``a_j x_j >= L - maxres``), the bound tightening of
Savelsbergh (1994) and of SCIP's linear constraint handler. Only integer
columns are tightened (rounded, with a tolerance of ``1e-6``): continuous
tightenings are left to the LP.

Two ways to run it: :meth:`Propagator.propagate` processes all rows and
entries at once with numpy, a few passes while bounds keep moving (presolve
and the root); :meth:`Propagator.propagate_from` starts from the columns
whose bounds just changed (a node's branching column) and follows only the
rows they touch, queueing the rows of every column it tightens, in a small
Numba kernel (``@njit(cache=True)``; compiled on first use, about 1 to 2 s,
then cached on disk) -- what the search calls at every node.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit

__all__ = ["Propagator", "row_activities", "residual_activities"]

_BIG = 1e15


def row_activities(rows, a, l, u, m):
    """Activity bounds of the rows of a matrix given by its entries.

    ``rows``, ``a``: row index and value of each entry; ``l``, ``u``: the
    bounds of each entry's column; ``m``: number of rows. Returns per entry
    the contributions ``lo``, ``hi`` to its row's minimum and maximum
    activity and whether they are infinite (``lo_inf``, ``hi_inf``), and per
    row the sums of the finite contributions (``minfin``, ``maxfin``) and the
    counts of the infinite ones (``nlo``, ``nhi``): the minimum activity is
    ``minfin`` where ``nlo == 0`` and ``-inf`` otherwise.
    """
    with np.errstate(invalid="ignore"):
        lo = np.where(a > 0, a * l, a * u)
        hi = np.where(a > 0, a * u, a * l)
    lo_inf = ~np.isfinite(lo)
    hi_inf = ~np.isfinite(hi)
    # (float even with no entries, where bincount gives ints)
    minfin = np.bincount(rows, np.where(lo_inf, 0.0, lo), m).astype(np.float64, copy=False)
    maxfin = np.bincount(rows, np.where(hi_inf, 0.0, hi), m).astype(np.float64, copy=False)
    nlo = np.bincount(rows, lo_inf, m)
    nhi = np.bincount(rows, hi_inf, m)
    return lo, hi, lo_inf, hi_inf, minfin, maxfin, nlo, nhi


def residual_activities(rows, act, sel=slice(None)):
    """Minimum and maximum activity of each entry's row without the entry
    itself (``-inf``/``inf`` when another entry is unbounded), for the
    entries ``sel``; ``act`` is what :func:`row_activities` returned."""
    lo, hi, lo_inf, hi_inf, minfin, maxfin, nlo, nhi = act
    r = rows[sel]
    with np.errstate(invalid="ignore"):
        resmin = np.where(lo_inf[sel], np.where(nlo[r] == 1, minfin[r], -np.inf),
                          np.where(nlo[r] == 0, minfin[r] - lo[sel], -np.inf))
        resmax = np.where(hi_inf[sel], np.where(nhi[r] == 1, maxfin[r], np.inf),
                          np.where(nhi[r] == 0, maxfin[r] - hi[sel], np.inf))
    return resmin, resmax


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
        self._csr = (A.indptr.astype(np.int64), A.indices.astype(np.int64),
                     A.data.astype(np.float64))
        csc = A.tocsc()
        self._csc = (csc.indptr.astype(np.int64), csc.indices.astype(np.int64))
        self._integ = integ.copy()
        self._in_queue = np.zeros(m, np.bool_)
        self._queue = np.empty(m, np.int64)

    def propagate_from(self, lb, ub, cols, max_rows=None):
        """Tighten ``lb``, ``ub`` in place, starting from the rows of
        ``cols`` (columns whose bounds changed) and following the rows of
        every column tightened, at most ``max_rows`` row visits (default:
        ``2 m + 100``). Returns the number of bounds changed, or -1 when the
        node is infeasible (a row cannot be satisfied or bounds cross).

        Examples
        --------
        >>> import numpy as np
        >>> from optsolve.milp.propagation import Propagator
        >>> A = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])  # x0+x1<=1, x1+x2<=1
        >>> prop = Propagator(A, np.array([-np.inf, -np.inf]), np.array([1.0, 1.0]),
        ...                   np.ones(3, bool))
        >>> lb, ub = np.array([1.0, 0, 0]), np.ones(3)     # branch x0 = 1
        >>> prop.propagate_from(lb, ub, [0]), ub.tolist()
        (1, [1.0, 0.0, 1.0])
        """
        if not self.active:
            return 0
        cols = np.asarray(cols, dtype=np.int64).ravel()
        if max_rows is None:
            max_rows = 2 * self.m + 100
        ip, ix, dv = self._csr
        cp, cr = self._csc
        return _propagate_rows(ip, ix, dv, cp, cr, self.rl, self.ru, self._integ,
                               lb, ub, cols, self._in_queue, self._queue,
                               int(max_rows))

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
            act = row_activities(rows, a, lb[cols], ub[cols], m)
            r = rows[t]
            at = a[t]
            # residual activities without the entry itself
            resmin, resmax = residual_activities(rows, act, t)
            with np.errstate(invalid="ignore"):
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


@njit(cache=True, inline="always")
def _contribution(a, lo, up):
    """Smallest and largest value of ``a * x`` over ``lo <= x <= up``."""
    if a > 0:
        return a * lo, a * up
    return a * up, a * lo


@njit(cache=True)
def _propagate_rows(indptr, indices, data, col_ptr, col_rows, rl, ru, integ,
                    lb, ub, seeds, in_queue, queue, max_rows):
    """The queue-driven kernel of :meth:`Propagator.propagate_from`; a
    circular queue of row indices, ``in_queue`` marks (cleared on exit)."""
    m = rl.size
    head = 0
    count = 0
    for s in range(seeds.size):
        j = seeds[s]
        for p in range(col_ptr[j], col_ptr[j + 1]):
            r = col_rows[p]
            if not in_queue[r]:
                in_queue[r] = True
                queue[(head + count) % m] = r
                count += 1
    changed = 0
    visits = 0
    infeasible = False
    while count > 0 and visits < max_rows:
        r = queue[head]
        head = (head + 1) % m
        count -= 1
        in_queue[r] = False
        visits += 1
        lo_r, up_r = rl[r], ru[r]
        if lo_r == -np.inf and up_r == np.inf:
            continue
        minact = 0.0
        maxact = 0.0
        nmin = 0
        nmax = 0
        for p in range(indptr[r], indptr[r + 1]):
            lo, hi = _contribution(data[p], lb[indices[p]], ub[indices[p]])
            if lo == -np.inf:
                nmin += 1
            else:
                minact += lo
            if hi == np.inf:
                nmax += 1
            else:
                maxact += hi
        if nmin == 0 and minact > up_r + 1e-6 * (1.0 + abs(up_r)):
            infeasible = True
            break
        if nmax == 0 and maxact < lo_r - 1e-6 * (1.0 + abs(lo_r)):
            infeasible = True
            break
        if nmin > 1 and nmax > 1:
            continue
        for p in range(indptr[r], indptr[r + 1]):
            j = indices[p]
            if not integ[j]:
                continue
            a = data[p]
            lo, hi = _contribution(a, lb[j], ub[j])
            # residual activities without this entry
            if lo == -np.inf:
                resmin = minact if nmin == 1 else -np.inf
            else:
                resmin = minact - lo if nmin == 0 else -np.inf
            if hi == np.inf:
                resmax = maxact if nmax == 1 else np.inf
            else:
                resmax = maxact - hi if nmax == 0 else np.inf
            new_ub = np.inf
            new_lb = -np.inf
            if up_r != np.inf and resmin != -np.inf and abs(resmin) < _BIG:
                q = (up_r - resmin) / a
                if a > 0:
                    new_ub = q
                else:
                    new_lb = q
            if lo_r != -np.inf and resmax != np.inf and abs(resmax) < _BIG:
                q = (lo_r - resmax) / a
                if a > 0:
                    new_lb = max(new_lb, q)
                else:
                    new_ub = min(new_ub, q)
            moved = False
            if new_ub != np.inf:
                v = np.floor(new_ub + 1e-6 + 1e-9 * abs(new_ub))
                if v < ub[j] - 0.5:
                    ub[j] = v
                    moved = True
            if new_lb != -np.inf:
                v = np.ceil(new_lb - 1e-6 - 1e-9 * abs(new_lb))
                if v > lb[j] + 0.5:
                    lb[j] = v
                    moved = True
            if moved:
                changed += 1
                if lb[j] > ub[j]:
                    infeasible = True
                    break
                for q2 in range(col_ptr[j], col_ptr[j + 1]):
                    r2 = col_rows[q2]
                    if not in_queue[r2] and r2 != r:
                        in_queue[r2] = True
                        queue[(head + count) % m] = r2
                        count += 1
        if infeasible:
            break
    # leave the marks clean for the next call
    while count > 0:
        in_queue[queue[head]] = False
        head = (head + 1) % m
        count -= 1
    if infeasible:
        return -1
    return changed
