"""Complemented mixed-integer rounding (c-MIR) cuts on rows and small
aggregations of rows.

The procedure follows Marchand and Wolsey, "Aggregation and mixed integer
rounding to solve MIPs" (Oper. Res. 2001), as refined in SCIP's
``cuts.c``/``sepa_aggregation`` (Wolter 2006, Achterberg's thesis 2007):

1. **Aggregation.** Start from a row that is tight at the LP point, written
   as ``a x <= b`` (its upper side, or its lower side negated). While no cut
   is found and fewer than ``max_aggr`` rows have been added, pick the
   continuous column farthest from its closest (simple or variable) bound and
   eliminate it with another tight row that contains it; the multiplier's
   sign decides which side of that row is used, so the sum stays a valid
   ``<=`` inequality.
2. **Bound substitution.** Each continuous column is replaced by a
   nonnegative slack to its closest bound: a simple bound ``l`` or ``u``, or
   a *variable bound* ``x_j >= d z + e`` / ``x_j <= d z + e`` read from a row
   with one continuous and one integer column (``x_j <= u_j y_j`` in fixed
   charge networks and lot sizing). A variable bound moves ``a_j d`` onto the
   integer column ``z``. Integer columns are complemented to their closest
   bound, ``y = x - l`` or ``y = u - x``.
3. **Rounding.** For the mixed knapsack ``sum g y + sum h s <= beta`` with
   ``y`` integer and ``s >= 0``, divide by ``delta`` (the absolute
   coefficients of integer columns strictly between their bounds, then
   ``delta / 2, / 4, / 8`` of the best) and apply the MIR function
   ``F(g) = floor(g) + max(0, frac(g) - f0) / (1 - f0)`` with
   ``f0 = frac(beta / delta)``; continuous slacks keep only their negative
   coefficients, divided by ``1 - f0``. Finally integer columns strictly
   inside their bounds are complemented the other way, one at a time, when
   that raises the efficacy.
4. The cut is mapped back to the original columns and passes the same
   safety checks as the Gomory cuts (:func:`optsolve.milp.cuts.base.finish_cut`).

Validity needs nothing from the LP solution: every step is an implied
inequality of the rows and bounds, so numerical noise in the LP point only
changes *which* valid cut is found.
"""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import finish_cut
from optsolve.milp.cuts.kernels import cmir_kernel
from optsolve.milp.propagation import residual_activities, row_activities

__all__ = ["VariableBounds", "MIRSeparator", "implied_bounds"]

_MIN_F0 = 0.05
_MAX_F0 = 0.999
_EPS = 1e-9


class VariableBounds:
    """Variable lower and upper bounds ``x_j >= d z + e`` / ``x_j <= d z + e``
    of continuous columns ``j``, read from rows with exactly two nonzeros:
    one continuous and one integer column.

    Attributes
    ----------
    vlb, vub : dict
        ``j -> list of (z, d, e, row)``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.mir import VariableBounds
    >>> A = np.array([[1.0, -8.0]])               # x0 - 8 y1 <= 0
    >>> vb = VariableBounds(A, np.array([-np.inf]), np.array([0.0]),
    ...                     np.array([False, True]))
    >>> vb.vub                                    # (z, d, e, row)
    {0: [(1, 8.0, 0.0, 0)]}
    """

    def __init__(self, A, row_lower, row_upper, is_integer):
        A = sp.csr_matrix(A)
        self.vlb = {}
        self.vub = {}
        nnz = np.diff(A.indptr)
        for r in np.flatnonzero(nnz == 2):
            i0, i1 = A.indptr[r], A.indptr[r] + 2
            cols, vals = A.indices[i0:i1], A.data[i0:i1]
            ints = is_integer[cols]
            if ints[0] == ints[1]:
                continue
            k = 0 if not ints[0] else 1
            j, aj = int(cols[k]), float(vals[k])
            z, az = int(cols[1 - k]), float(vals[1 - k])
            if aj == 0.0 or az == 0.0:
                continue
            d = -az / aj
            for side, is_upper in ((row_upper[r], True), (row_lower[r], False)):
                if not math.isfinite(side):
                    continue
                # aj x <= side - az z  (upper side) or  >= (lower side)
                upper = is_upper == (aj > 0)
                target = self.vub if upper else self.vlb
                target.setdefault(j, []).append((z, d, float(side) / aj, int(r)))


def implied_bounds(A, row_lower, row_upper, lb, ub, cols, passes=2):
    """Column bounds implied by the rows (activity-based, ``passes``
    sweeps), tightened only on the columns flagged in ``cols``.

    Each bound is relaxed by ``1e-9 (1 + |bound|)`` and only kept when it
    improves the old one by more than ``1e-6 (1 + |bound|)``: the bounds hold
    at every feasible point, so substituting them keeps cuts valid.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.mir import implied_bounds
    >>> A = np.array([[1.0, 1.0]])                   # x0 + x1 = 2
    >>> lb, ub = implied_bounds(A, np.array([2.0]), np.array([2.0]),
    ...                         np.zeros(2), np.full(2, np.inf),
    ...                         np.ones(2, bool))
    >>> ub.round(6).tolist()
    [2.0, 2.0]
    """
    A = sp.csr_matrix(A)
    lb = np.array(lb, float)
    ub = np.array(ub, float)
    m = A.shape[0]
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    j, a = A.indices, A.data
    for _ in range(passes):
        # activity of the other columns: min (resp. max) without this entry
        rest_min, rest_max = residual_activities(
            rows, row_activities(rows, a, lb[j], ub[j], m))
        with np.errstate(invalid="ignore", over="ignore"):
            # a x_j <= U - rest_min ; a x_j >= L - rest_max
            top = (row_upper[rows] - rest_min) / a
            bot = (row_lower[rows] - rest_max) / a
        new_ub = np.where(a > 0, top, bot)
        new_lb = np.where(a > 0, bot, top)
        changed = False
        for new, target, sign in ((new_ub, ub, 1.0), (new_lb, lb, -1.0)):
            ok = np.isfinite(new) & cols[j] & (np.abs(new) < 1e9)
            if not ok.any():
                continue
            val = new[ok] + sign * 1e-9 * (1 + np.abs(new[ok]))
            best = np.full(lb.size, sign * np.inf)
            fin = np.isfinite(target)
            slackt = 1e-6 * (1 + np.abs(np.where(fin, target, 0.0)))
            if sign > 0:
                np.minimum.at(best, j[ok], val)
                better = best < np.where(fin, target - slackt, np.inf)
            else:
                np.maximum.at(best, j[ok], val)
                better = best > np.where(fin, target + slackt, -np.inf)
            if better.any():
                target[better] = best[better]
                changed = True
        if not changed:
            break
    return lb, ub


class MIRSeparator:
    """c-MIR cuts from single rows and aggregations of up to ``max_aggr + 1``
    rows.

    Parameters
    ----------
    A : sparse matrix
        The original rows (cuts are not aggregated).
    row_lower, row_upper : ndarray
    is_integer : ndarray of bool
    max_aggr : int
        Rows added to the starting row at most (the choice is measured in
        the benchmarks page).
    max_starts : int
        Starting rows tried per call, tightest first.

    Examples
    --------
    A fixed-charge flow: ``x0 + x1 >= 5``, ``x_j <= 4 y_j`` with ``y``
    binary. The LP sets ``y = (1, 0.25)``; the c-MIR cut on the aggregation
    of the demand row with a variable bound cuts it off:

    >>> import numpy as np
    >>> from optsolve.milp.cuts.mir import MIRSeparator
    >>> A = np.array([[1.0, 1, 0, 0], [1, 0, -4, 0], [0, 1, 0, -4]])
    >>> rl, ru = np.array([5.0, -np.inf, -np.inf]), np.array([np.inf, 0, 0])
    >>> integer = np.array([False, False, True, True])
    >>> sep = MIRSeparator(A, rl, ru, integer)
    >>> x = np.array([4.0, 1.0, 1.0, 0.25])
    >>> lb, ub = np.zeros(4), np.array([10.0, 10, 1, 1])
    >>> cuts = sep.separate(x, A @ x, lb, ub)
    >>> [bool(c.activity(x) < c.rhs) for c in cuts][:1]
    [True]
    """

    def __init__(self, A, row_lower, row_upper, is_integer, max_aggr=6,
                 max_starts=400, max_row_nnz=500):
        self.A = sp.csr_matrix(A)
        self.Ac = self.A.tocsc()
        self.rl = np.asarray(row_lower, float)
        self.ru = np.asarray(row_upper, float)
        self.is_integer = np.asarray(is_integer, bool)
        self.vb = VariableBounds(self.A, self.rl, self.ru, self.is_integer)
        self.max_aggr = max_aggr
        self.max_starts = max_starts
        self.max_row_nnz = max_row_nnz
        self.n = self.A.shape[1]
        self.nnz = np.diff(self.A.indptr)
        self._implied = None
        self._work = np.zeros(self.n)
        self._acc = np.zeros(self.n)
        self._mark = np.zeros(self.n, dtype=bool)
        self._touched = np.zeros(0, dtype=int)
        self.vb_rows = {t[3] for tab in (self.vb.vlb, self.vb.vub)
                        for lst in tab.values() for t in lst}

    # -- bounds ---------------------------------------------------------
    def _bounds_at(self, x, lb, ub):
        """Closest bounds of every continuous column at ``x``, in arrays:
        distances to the simple lower/upper bound (``inf`` when absent) and
        to the closest variable lower/upper bound with its ``(z, d, e)``.
        A variable bound wins ties against a simple bound (it carries the
        integer column into the cut)."""
        n = self.n
        dl = np.where(np.isfinite(lb), x - lb, np.inf)
        du = np.where(np.isfinite(ub), ub - x, np.inf)
        vb = {}
        for kind, table in (("vl", self.vb.vlb), ("vu", self.vb.vub)):
            dist = np.full(n, np.inf)
            z = np.full(n, -1)
            d = np.zeros(n)
            e = np.zeros(n)
            src = np.full(n, -1)
            for j, lst in table.items():
                for zz, dd, ee, rr in lst:
                    if not (math.isfinite(lb[zz]) and math.isfinite(ub[zz])):
                        continue
                    vz = dd * x[zz] + ee
                    dj = max(x[j] - vz if kind == "vl" else vz - x[j], 0.0)
                    if dj < dist[j]:
                        dist[j], z[j], d[j], e[j], src[j] = dj, zz, dd, ee, rr
            vb[kind] = (dist, z, d, e, src)
        D = np.vstack([dl, du, vb["vl"][0], vb["vu"][0]])
        return dict(D=D, best=D.min(axis=0),
                    E=np.vstack([lb, ub, vb["vl"][3], vb["vu"][3]]),
                    Z=np.vstack([vb["vl"][1], vb["vu"][1]]).astype(np.int64),
                    Dd=np.vstack([vb["vl"][2], vb["vu"][2]]),
                    src=np.vstack([vb["vl"][4], vb["vu"][4]]).astype(np.int64))

    # -- one aggregated row -> one cut ------------------------------------
    def _cmir(self, agg, supp, rhs, x, lb, ub, bd, used=()):
        """c-MIR cut (a :class:`~optsolve.milp.cuts.Cut`) from the valid
        inequality ``agg @ x <= rhs`` (``agg`` dense, nonzero only on the
        columns ``supp``), or None. ``bd``: :meth:`_bounds_at`; a variable
        bound read from a row in ``used`` (aggregated already) is not
        substituted. The arithmetic is :func:`~optsolve.milp.cuts.kernels.
        cmir_kernel`."""
        nz = supp[agg[supp] != 0]
        if nz.size == 0:
            return None
        ok, cols, coefs, R = cmir_kernel(
            nz.astype(np.int64), agg[nz], self.is_integer[nz], float(rhs), x,
            lb, ub, bd["D"], bd["E"], bd["Z"], bd["Dd"], bd["src"],
            np.fromiter(used, np.int64, len(used)), self._acc, self._mark,
            _MIN_F0, _MAX_F0)
        if not ok:
            return None
        full = np.zeros(self.n)
        full[cols] = coefs
        cut = finish_cut(-full, -R, x, lb, ub)
        if cut is not None:
            cut.family = "mir"
        return cut

    @staticmethod
    def _drop_tiny(agg, supp, rhs, lb, ub):
        """Remove cancellation noise (``|a| < 1e-12``) from ``agg @ x <=
        rhs``, relaxing ``rhs`` by the term's largest value over the bounds
        (terms on columns without the needed bound stay)."""
        v = agg[supp]
        t = supp[(v != 0) & (np.abs(v) < 1e-12)]
        if t.size:
            a = agg[t]
            low = np.where(a > 0, lb[t], ub[t])     # a x >= a * low
            fin = np.isfinite(low)
            t, a, low = t[fin], a[fin], low[fin]
            rhs -= float(a @ low)
            agg[t] = 0.0
        return rhs

    # -- aggregation ------------------------------------------------------
    def separate(self, x, act, lb, ub, tol=1e-6, stop=None):
        """c-MIR cuts violated by the LP point ``x`` (row activities
        ``act``) at column bounds ``lb``, ``ub``; a list of
        :class:`~optsolve.milp.cuts.Cut`. ``stop``, a callable, is asked
        every 50 starting rows and ends the round early when it returns
        True."""
        A, Ac, rl, ru = self.A, self.Ac, self.rl, self.ru
        lb = np.asarray(lb, float).copy()
        ub = np.asarray(ub, float).copy()
        ii = self.is_integer
        lb[ii] = np.ceil(lb[ii] - 1e-9)
        ub[ii] = np.floor(ub[ii] + 1e-9)
        key = (lb.tobytes(), ub.tobytes())
        if self._implied is None or self._implied[0] != key:
            self._implied = (key,) + implied_bounds(A, rl, ru, lb, ub, ~ii)
        lb, ub = self._implied[1], self._implied[2]
        m = A.shape[0]
        nnz = np.diff(A.indptr)
        scale = 1.0 + np.abs(act)
        slack_u = np.where(np.isfinite(ru), ru - act, np.inf) / scale
        slack_l = np.where(np.isfinite(rl), act - rl, np.inf) / scale
        # rows with a fractional integer column or a continuous column
        xf = x - np.floor(x)
        fracc = ii & (xf > tol) & (xf < 1 - tol)
        has = np.zeros(m, bool)
        rows_of = np.repeat(np.arange(m), nnz)
        interesting = fracc[A.indices] | ~ii[A.indices]
        has[rows_of[interesting]] = True
        ok = has & (nnz <= self.max_row_nnz) & (nnz > 0)
        starts = []
        for sign, slack in ((1.0, slack_u), (-1.0, slack_l)):
            r = np.flatnonzero(ok & (slack <= 1e-3))
            starts.extend((float(slack[k]), int(k), sign) for k in r)
        starts.sort()
        starts = starts[:self.max_starts]
        bd = self._bounds_at(x, lb, ub)
        cuts = []
        seen = set()
        for k, (_, r, sign) in enumerate(starts):
            if stop is not None and k % 50 == 49 and stop():
                break
            cut = self._from_start(r, sign, x, lb, ub, slack_u, slack_l, bd)
            if cut is None:
                continue
            key = (tuple(cut.idx.tolist()), round(cut.rhs, 9))
            if key in seen:
                continue
            seen.add(key)
            cuts.append(cut)
        return cuts

    def _from_start(self, r, sign, x, lb, ub, slack_u, slack_l, bd):
        """Aggregate from row ``r`` (side ``sign``) until a cut is found.
        The dense work vector is cleared again on the way out."""
        agg = self._work
        try:
            return self._aggregate(agg, r, sign, x, lb, ub, slack_u, slack_l, bd)
        finally:
            agg[self._touched] = 0.0

    def _aggregate(self, agg, r, sign, x, lb, ub, slack_u, slack_l, bd):
        A, Ac = self.A, self.Ac
        i0, i1 = A.indptr[r], A.indptr[r + 1]
        supp = A.indices[i0:i1]
        self._touched = supp
        agg[supp] = sign * A.data[i0:i1]
        rhs = sign * (self.ru[r] if sign > 0 else self.rl[r])
        used = {r}
        for _ in range(self.max_aggr + 1):
            cut = self._cmir(agg, supp, rhs, x, lb, ub, bd, used)
            if cut is not None:
                return cut
            if len(used) > self.max_aggr:
                return None
            # eliminate the continuous column farthest from its bound
            nz = supp[agg[supp] != 0]
            cont = nz[~self.is_integer[nz]]
            if cont.size == 0:
                return None
            dist = bd["best"][cont]
            order = np.argsort(-np.asarray(dist), kind="stable")
            moved = False
            for k in order:
                if dist[k] <= 1e-9:
                    break
                j = int(cont[k])
                rows = Ac.indices[Ac.indptr[j]:Ac.indptr[j + 1]]
                vals = Ac.data[Ac.indptr[j]:Ac.indptr[j + 1]]
                best = None
                for rr, v in zip(rows, vals):
                    if rr in used or v == 0.0:
                        continue
                    lam = -agg[j] / v
                    side, sl = (self.ru[rr], slack_u[rr]) if lam > 0 \
                        else (self.rl[rr], slack_l[rr])
                    if not math.isfinite(side) or sl > 1e-3:
                        continue
                    if self.nnz[rr] > self.max_row_nnz:
                        continue
                    if best is None or sl < best[0]:
                        best = (sl, int(rr), lam, side)
                if best is None:
                    continue
                _, rr, lam, side = best
                a0, a1 = A.indptr[rr], A.indptr[rr + 1]
                supp = np.union1d(supp, A.indices[a0:a1])
                self._touched = supp
                np.add.at(agg, A.indices[a0:a1], lam * A.data[a0:a1])
                agg[j] = 0.0
                rhs += lam * side
                rhs = self._drop_tiny(agg, supp, rhs, lb, ub)
                used.add(rr)
                moved = True
                break
            if not moved:
                return None
        return None
