"""Lifted knapsack cover cuts on rows over binary columns.

A row ``sum a_j x_j <= b`` (or the negated lower side of a row) whose
columns are all binary is brought to the knapsack form with positive
weights by complementing the columns with a negative coefficient
(``x' = 1 - x``). A *cover* ``C`` is a set of columns whose weights exceed
``b``: they cannot all be 1, so ``sum_C x'_j <= |C| - 1``
(Balas 1975; Crowder, Johnson and Padberg 1983).

Separation is the usual greedy heuristic for the minimum of
``sum_C (1 - x*_j)`` over covers (columns by ``(1 - x*_j) / a_j``, and by
``x*_j``), the cover is then made minimal (dropping the columns with the
smallest LP value while it remains a cover), and the other columns are
**lifted sequentially and exactly** (Padberg 1975; Wolsey, *Integer
Programming*, sec. 9.4): the
coefficient of column ``k`` is ``|C| - 1 - max{sum alpha_i x_i : sum a_i
x_i <= b - a_k}`` over the columns lifted so far, solved by a dynamic
program over the *value* (at most ``|C| - 1``): ``W[v]`` is the least
weight reaching value at least ``v``. The lifting order is the LP values,
largest first (SCIP's order). Weights are compared with a relative
tolerance that can only make the lifted coefficients smaller, so the cut
stays valid under rounding.

A third candidate follows Gu, Nemhauser and Savelsbergh (1998): the columns
at 1 in the LP are fixed, a minimal cover of the fractional ones is taken for
the capacity they leave, the other fractional columns are lifted up, the
columns at 1 are lifted *down* (the right-hand side grows with each
coefficient), and the columns at 0 are lifted up last. The most violated of
the three is kept.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import finish_cut

__all__ = ["CoverSeparator", "lifted_cover"]

_TOL = 1e-9


def lifted_cover(a, b, xs, max_lift=None):
    """A lifted cover inequality ``alpha @ x <= r`` for the knapsack
    ``a @ x <= b`` over binaries, ``a > 0``, separating ``xs``.

    Parameters
    ----------
    a : ndarray
        Positive weights.
    b : float
        Capacity (``a.sum() > b``, otherwise there is no cover).
    xs : ndarray
        LP values in [0, 1].
    max_lift : int, optional
        Lift at most this many columns outside the cover (those with the
        largest LP values); the rest keep coefficient 0.

    Returns
    -------
    (alpha, r) or None
        Integer coefficients and right-hand side; None when no cover exists.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.cover import lifted_cover
    >>> a = np.array([5.0, 5, 5, 9])
    >>> alpha, r = lifted_cover(a, 12.0, np.array([1.0, 1, 0.4, 0]))
    >>> alpha.tolist(), r          # x0 + x1 + x2 + 2 x3 <= 2
    ([1.0, 1.0, 1.0, 2.0], 2)
    """
    n = a.size
    if a.sum() <= b * (1 + _TOL) + _TOL:
        return None
    best = None
    # two greedy orders: by (1 - x*) / a (the LP relaxation of the
    # separation knapsack), and by x* (largest first, heavy first on ties)
    for order in (np.lexsort((-a, (1.0 - xs) / a)), np.lexsort((-a, -xs))):
        cover = _minimal_cover(a, b, xs, order)
        if cover is None:
            continue
        res = _lift(a, b, xs, cover, max_lift)
        viol = float(res[0] @ xs) - res[1]
        if best is None or viol > best[0]:
            best = (viol, res)
    res = _gns_cover(a, b, xs, max_lift)
    if res is not None:
        viol = float(res[0] @ xs) - res[1]
        if best is None or viol > best[0]:
            best = (viol, res)
    return None if best is None else best[1]


class _Lifter:
    """Sequential lifting of ``alpha @ x <= r`` with an exact dynamic
    program: ``W[v]`` is the least weight of the placed columns reaching
    value at least ``v``. Capacities are compared with a relative tolerance
    that only ever weakens the inequality."""

    def __init__(self, a, alpha, r):
        self.a = a
        self.alpha = alpha
        self.r = r
        self.W = np.array([0.0])
        for j in np.flatnonzero(alpha):
            self._place(float(a[j]), int(alpha[j]))

    def _place(self, w, c):
        W = np.concatenate([self.W, np.full(c, np.inf)])
        v = np.arange(W.size)
        self.W = np.minimum(W, W[np.maximum(v - c, 0)] + w)

    def _best(self, cap):
        """Largest value reachable with weight at most ``cap`` (-1: none)."""
        return int(np.searchsorted(self.W, cap * (1 + _TOL) + _TOL,
                                   side="right")) - 1

    def up(self, j, cap):
        """Lift column ``j`` (fixed at 0 so far) at capacity ``cap``."""
        if cap - self.a[j] < -_TOL * (1 + abs(cap)):
            c = self.r                  # x_j = 1 infeasible here
        else:
            c = self.r - max(self._best(cap - self.a[j]), 0)
        if c > 0:
            self.alpha[j] = c
            self._place(float(self.a[j]), int(c))

    def down(self, j, cap):
        """Lift column ``j`` (fixed at 1 so far): ``cap`` is the capacity
        once it is free; the right-hand side grows by its coefficient."""
        c = max(self._best(cap) - self.r, 0)
        self.alpha[j] = c
        self.r += c
        if c > 0:
            self._place(float(self.a[j]), int(c))


def _gns_cover(a, b, xs, max_lift):
    """Cover with the columns at 1 fixed (Gu, Nemhauser and Savelsbergh
    1998): a minimal cover of the fractional columns for the capacity left
    by the columns at 1; up-lift the other fractional columns, down-lift the
    columns at 1, then up-lift the columns at 0."""
    one = xs >= 1.0 - 1e-9
    zero = xs <= 1e-9
    frac = ~one & ~zero
    cap = b - float(a[one].sum())
    if cap < 0 or not frac.any():
        return None
    f = np.flatnonzero(frac)
    if a[f].sum() <= cap * (1 + _TOL) + _TOL:
        return None
    order = f[np.lexsort((-a[f], (1.0 - xs[f]) / a[f]))]
    sub = np.zeros(a.size, bool)
    sub[f] = True
    cover = _minimal_cover(np.where(sub, a, 0.0), cap, xs, order)
    if cover is None:
        return None
    alpha = np.zeros(a.size)
    alpha[cover] = 1.0
    lift = _Lifter(a, alpha, cover.size - 1)
    rest_f = np.setdiff1d(f, cover)
    for j in rest_f[np.argsort(-xs[rest_f], kind="stable")]:
        lift.up(j, cap)
    for j in np.flatnonzero(one)[np.argsort(-a[one], kind="stable")]:
        cap += a[j]
        lift.down(j, cap)
    z = np.flatnonzero(zero)
    z = z[np.argsort(-a[z], kind="stable")]
    if max_lift is not None:
        z = z[:max_lift]
    for j in z:
        lift.up(j, cap)
    return lift.alpha, lift.r


def _minimal_cover(a, b, xs, order):
    """The cover made of the first columns of ``order``, then minimal."""
    csum = np.cumsum(a[order])
    k = int(np.searchsorted(csum, b * (1 + _TOL) + _TOL, side="right"))
    if k >= a.size:
        return None
    cover = list(order[:k + 1])
    # minimal: drop columns with the smallest LP value while still a cover
    total = float(a[cover].sum())
    for j in sorted(cover, key=lambda j: (xs[j], -a[j])):
        if total - a[j] > b * (1 + _TOL) + _TOL:
            cover.remove(j)
            total -= a[j]
    return np.array(sorted(cover))


def _lift(a, b, xs, cover, max_lift):
    """Sequential exact up-lifting of ``sum_cover x <= |cover| - 1``, the
    columns with the largest LP values first."""
    alpha = np.zeros(a.size)
    alpha[cover] = 1.0
    r = cover.size - 1
    if r == 0:           # a single column heavier than b: it is fixed at 0
        return alpha, 0
    lift = _Lifter(a, alpha, r)
    rest = np.setdiff1d(np.arange(a.size), cover)
    rest = rest[np.argsort(-xs[rest], kind="stable")]
    if max_lift is not None:
        rest = rest[:max_lift]
    for j in rest:
        lift.up(j, b)
    return lift.alpha, lift.r


class CoverSeparator:
    """Lifted cover cuts from the rows whose columns are all binary.

    Parameters
    ----------
    A : sparse matrix
    row_lower, row_upper : ndarray
    is_integer : ndarray of bool
    lb, ub : ndarray
        Root column bounds (binary means integer with bounds in [0, 1];
        fixed columns move to the right-hand side).
    max_lift : int
        Columns outside the cover lifted per cut at most.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.cover import CoverSeparator
    >>> A = np.array([[5.0, 5, 5, 9]])
    >>> sep = CoverSeparator(A, np.array([-np.inf]), np.array([12.0]),
    ...                      np.ones(4, bool), np.zeros(4), np.ones(4))
    >>> x = np.array([1.0, 1, 0.4, 0])
    >>> cuts = sep.separate(x, A @ x, np.zeros(4), np.ones(4))
    >>> [(c.activity(x), c.rhs) for c in cuts]
    [(-2.4, -2.000000003)]
    """

    def __init__(self, A, row_lower, row_upper, is_integer, lb, ub, max_lift=2000):
        A = sp.csr_matrix(A)
        self.A = A
        self.rl = np.asarray(row_lower, float)
        self.ru = np.asarray(row_upper, float)
        self.n = A.shape[1]
        self.max_lift = max_lift
        lb = np.ceil(np.asarray(lb, float) - 1e-9)
        ub = np.floor(np.asarray(ub, float) + 1e-9)
        binary = np.asarray(is_integer, bool) & (lb >= 0) & (ub <= 1)
        bad = ~binary[A.indices]
        m = A.shape[0]
        ok = np.ones(m, bool)
        if bad.any():
            rows = np.repeat(np.arange(m), np.diff(A.indptr))
            ok[np.unique(rows[bad])] = False
        ok &= np.diff(A.indptr) >= 2
        # rows with equal absolute coefficients and sides that are multiples
        # of them (set packing, covering, partitioning): every lifted cover
        # is implied by the row itself
        absa = np.abs(A.data)
        rows = np.repeat(np.arange(m), np.diff(A.indptr))
        amax = np.zeros(m)
        np.maximum.at(amax, rows, absa)
        amin = np.full(m, np.inf)
        np.minimum.at(amin, rows, absa)
        with np.errstate(invalid="ignore", divide="ignore"):
            mult = [np.where(np.isfinite(side), side / amax, 0.0)
                    for side in (self.rl, self.ru)]
        unit = (amax == amin) & np.all([m_ == np.round(m_) for m_ in mult], axis=0)
        ok &= ~unit
        self.rows = np.flatnonzero(ok)

    def separate(self, x, act, lb, ub, stop=None):
        """Lifted cover cuts violated by ``x``; a list of
        :class:`~optsolve.milp.cuts.Cut`. ``stop``, a callable, is asked
        at every row and ends the round early when it returns True."""
        A = self.A
        cuts = []
        lb = np.ceil(np.asarray(lb, float) - 1e-9)
        ub = np.floor(np.asarray(ub, float) + 1e-9)
        for k, r in enumerate(self.rows):
            if stop is not None and stop():
                break
            i0, i1 = A.indptr[r], A.indptr[r + 1]
            cols, vals = A.indices[i0:i1], A.data[i0:i1]
            for sign, side in ((1.0, self.ru[r]), (-1.0, self.rl[r])):
                if not np.isfinite(side):
                    continue
                cut = self._row(cols, sign * vals, sign * side, x, lb, ub)
                if cut is not None:
                    cuts.append(cut)
        return cuts

    def _row(self, cols, a, b, x, lb, ub):
        """Cover cut from ``a @ x[cols] <= b`` or None."""
        fixed = lb[cols] == ub[cols]
        if fixed.any():
            b -= float(a[fixed] @ lb[cols[fixed]])
            cols, a = cols[~fixed], a[~fixed]
        keep = a != 0
        cols, a = cols[keep], a[keep]
        if cols.size < 2:
            return None
        neg = a < 0
        w = np.abs(a)
        cap = b + float(w[neg].sum())          # a x = |a| (1 - x') for a < 0
        if cap < 0:
            return None
        xs = np.where(neg, 1.0 - x[cols], x[cols])
        xs = np.clip(xs, 0.0, 1.0)
        # a quick test: a violated cover needs LP weight close to capacity
        if float(w @ xs) < cap * 0.5 or float(xs.sum()) < 1.0 - 1e-6:
            return None
        res = lifted_cover(w, cap, xs, self.max_lift)
        if res is None:
            return None
        alpha, rr = res
        if float(alpha @ xs) <= rr + 1e-6:
            return None
        # alpha @ x' <= rr, x' = 1 - x on neg: as a >= cut over x
        full = np.zeros(self.n)
        # -alpha x' is -alpha x, or alpha x - alpha on complemented columns
        coef = np.where(neg, alpha, -alpha)
        np.add.at(full, cols, coef)
        rhs = -rr + float(alpha[neg].sum())
        cut = finish_cut(full, rhs, x, lb, ub)
        if cut is not None:
            cut.family = "cover"
        return cut
