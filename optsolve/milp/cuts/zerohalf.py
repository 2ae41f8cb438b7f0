"""Zero-half cuts: {0, 1/2}-Chvatal-Gomory cuts of the integral rows.

For rows ``a_i x <= b_i`` over integer columns with integer coefficients
and sides, any set ``S`` of them whose sum ``sum_S a_i`` has even
coefficients after adding some bound rows (``x_j <= u_j`` or
``-x_j <= -l_j``) and whose right-hand side ``beta`` is odd gives the cut
``(1/2) (sum_S a_i +- e_j) x <= (beta - 1) / 2`` (Caprara and Fischetti,
"{0, 1/2}-Chvatal-Gomory cuts", Math. Prog. 1996). At the LP point its
violation is ``(1 - w) / 2`` with ``w`` the total slack of the rows and
bounds used, so a violated cut is a combination of total slack below 1.

Separation is the heuristic of Koster, Zymolka and Kutschka ("Algorithms to
separate {0, 1/2}-Chvatal-Gomory cuts", Algorithmica 2009), as SCIP's
``sepa_zerohalf`` uses it: rows with slack of 1 or more and columns at a
bound (their parity costs nothing) leave the mod-2 system; Gaussian
elimination over the remaining columns, pivoting on the row of least slack,
combines rows; every combination whose column part is (almost) empty and
whose right-hand side is odd, at a total slack below one, gives a cut. Rows
are bit sets (Python integers), so a combination is one XOR.

Validity needs nothing from the LP point: a cut is a sum of rows and
bounds, halved and rounded, over integer columns only.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import finish_cut, integral_rows

__all__ = ["ZeroHalfSeparator"]

_MAX_SIDE = 2.0 ** 52
_MAX_ODD = 3          # odd columns paid by bounds in a combination at most


class ZeroHalfSeparator:
    """Zero-half cuts of the integral rows.

    Parameters
    ----------
    A, row_lower, row_upper : the rows and their sides
    is_integer : ndarray of bool
    max_rows : int
        Rows of least slack kept in the mod-2 system per call.
    max_cols : int
        Columns eliminated per call at most.
    max_cuts : int
        Combinations of least slack turned into cuts per call at most.

    Examples
    --------
    The odd cycle ``x_i + x_{i+1} <= 1`` around a triangle: at ``x = 1/2``
    the sum of the three rows, halved, is ``x0 + x1 + x2 <= 1``:

    >>> import numpy as np
    >>> from optsolve.milp.cuts.zerohalf import ZeroHalfSeparator
    >>> A = np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]])
    >>> sep = ZeroHalfSeparator(A, np.full(3, -np.inf), np.ones(3),
    ...                         np.ones(3, bool))
    >>> x = np.full(3, 0.5)
    >>> [(c.val.tolist(), round(float(c.rhs), 6)) for c in
    ...  sep.separate(x, A @ x, np.zeros(3), np.ones(3))]
    [([-1.0, -1.0, -1.0], -1.0)]
    """

    def __init__(self, A, row_lower, row_upper, is_integer, max_rows=1000,
                 max_cols=1000, max_cuts=50):
        A = sp.csr_matrix(A)
        self.A = A
        self.n = A.shape[1]
        self.rl = np.asarray(row_lower, float)
        self.ru = np.asarray(row_upper, float)
        self.is_integer = np.asarray(is_integer, bool)
        ok = integral_rows(A, self.rl, self.ru, self.is_integer)
        ok &= np.diff(A.indptr) > 0
        big = np.abs(np.where(np.isfinite(self.rl), self.rl, 0)) >= _MAX_SIDE
        big |= np.abs(np.where(np.isfinite(self.ru), self.ru, 0)) >= _MAX_SIDE
        self.rows = np.flatnonzero(ok & ~big)
        self.max_rows = max_rows
        self.max_cols = max_cols
        self.max_cuts = max_cuts

    def separate(self, x, act, lb, ub, stop=None):
        """Zero-half cuts violated at ``x`` (row activities ``act``); a
        list of :class:`~optsolve.milp.cuts.Cut`."""
        if self.rows.size == 0:
            return []
        lb = np.asarray(lb, float)
        ub = np.asarray(ub, float)
        # each system row: (row, sign, slack); an equality row once
        r = self.rows
        su = self.ru[r] - act[r]
        sl = act[r] - self.rl[r]
        eq = self.rl[r] == self.ru[r]
        cand = [(r, np.ones(r.size), su, np.isfinite(su)),
                (r, -np.ones(r.size), sl, np.isfinite(sl) & ~eq)]
        rows = np.concatenate([c[0][c[3]] for c in cand])
        sign = np.concatenate([c[1][c[3]] for c in cand])
        slack = np.maximum(np.concatenate([c[2][c[3]] for c in cand]), 0.0)
        keep = slack < 1.0 - 1e-3
        rows, sign, slack = rows[keep], sign[keep], slack[keep]
        if rows.size == 0:
            return []
        order = np.argsort(slack, kind="stable")[:self.max_rows]
        rows, sign, slack = rows[order], sign[order], slack[order]
        # parity cost of each column: its distance to the nearer bound
        cost = np.minimum(np.where(np.isfinite(lb), x - lb, np.inf),
                          np.where(np.isfinite(ub), ub - x, np.inf))
        cost = np.maximum(cost, 0.0)
        live = cost > 1e-6
        A = self.A
        pos = {}
        sys_rows = []
        for k, (i, s) in enumerate(zip(rows, sign)):
            cols = A.indices[A.indptr[i]:A.indptr[i + 1]]
            vals = A.data[A.indptr[i]:A.indptr[i + 1]]
            bits = 0
            for j in cols[(np.abs(vals) % 2 == 1) & live[cols]]:
                p = pos.setdefault(int(j), len(pos))
                bits |= 1 << p
            side = self.ru[i] if s > 0 else -self.rl[i]
            sys_rows.append([bits, int(round(side)) & 1, 1 << k, float(slack[k])])
        colj = np.empty(len(pos), int)
        for j, p in pos.items():
            colj[p] = j
        found = {}

        def check(row):
            bits, odd, rset, w = row
            if not odd or w >= 1.0 - 1e-3 or bits.bit_count() > _MAX_ODD:
                return
            for p in _bits(bits):
                w += cost[colj[p]]
            if w < 1.0 - 1e-3 and rset not in found:
                found[rset] = w

        for row in sys_rows:
            check(row)
        active = list(range(len(sys_rows)))
        for p in range(min(len(pos), self.max_cols)):
            if stop is not None and stop():
                break
            bit = 1 << p
            with_bit = [k for k in active if sys_rows[k][0] & bit]
            if not with_bit:
                continue
            piv = min(with_bit, key=lambda k: sys_rows[k][3])
            pb, po, ps, pw = sys_rows[piv]
            for k in with_bit:
                if k == piv:
                    continue
                row = sys_rows[k]
                row[0] ^= pb
                row[1] ^= po
                row[2] ^= ps
                row[3] += pw
                check(row)
            active.remove(piv)
        cuts = []
        for rset in sorted(found, key=found.get)[:self.max_cuts]:
            cut = self._cut(rset, rows, sign, x, lb, ub)
            if cut is not None:
                cuts.append(cut)
        return cuts

    def _cut(self, rset, rows, sign, x, lb, ub):
        """The zero-half cut of the system rows in the bit set ``rset``."""
        ks = np.array(list(_bits(rset)))
        full = np.zeros(self.n)
        beta = 0.0
        A = self.A
        for k in ks:
            i, s = rows[k], sign[k]
            i0, i1 = A.indptr[i], A.indptr[i + 1]
            full[A.indices[i0:i1]] += s * A.data[i0:i1]
            beta += s * (self.ru[i] if s > 0 else self.rl[i])
        odd = np.flatnonzero(np.abs(full) % 2 == 1)
        for j in odd:          # pay each odd column with its nearer bound
            down = x[j] - lb[j] <= ub[j] - x[j]
            if down and np.isfinite(lb[j]):
                full[j] -= 1.0
                beta -= lb[j]
            elif np.isfinite(ub[j]):
                full[j] += 1.0
                beta += ub[j]
            else:
                full[j] -= 1.0
                beta -= lb[j]
        if not np.isfinite(beta) or int(round(beta)) % 2 == 0:
            return None
        # (full / 2) x <= (beta - 1) / 2, as a >= cut
        cut = finish_cut(-full / 2.0, -(beta - 1.0) / 2.0, x, lb, ub)
        if cut is not None:
            cut.family = "zerohalf"
        return cut


def _bits(v):
    """Positions of the set bits of the integer ``v``."""
    while v:
        low = v & -v
        yield low.bit_length() - 1
        v ^= low
