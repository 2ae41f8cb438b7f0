"""MILP presolve: cheap reductions before the search, and the way back.

:func:`presolve` returns a smaller :class:`~optsolve.milp.problem.Problem`
with the same optimal value and a :meth:`Presolved.postsolve` that maps any
solution of it back to a solution of the original problem. Only reductions
that keep every optimal solution's *value* are used, and all of them remove
columns by fixing them, so the way back is a scatter. In rounds, until
nothing changes (the techniques of Savelsbergh 1994 and Achterberg et al.,
"Presolve reductions in mixed integer programming", 2020):

* activity-based bound tightening of integer columns (shared with the node
  propagation, :class:`~optsolve.milp.propagation.Propagator`);
* rows: empty ones checked and dropped, singleton rows turned into column
  bounds, sides that the activity bounds make redundant dropped (a row with
  no side left is dropped), infeasibility from activities detected;
* integral sides: a row over integer columns with integer coefficients has
  an activity that is a multiple of the coefficients' gcd; its sides round
  inwards to such multiples (``2 x - 2 y = 1`` is infeasible);
* dual fixing: a column whose objective pushes it down (up) and that no row
  stops from moving down (up) is fixed at that bound;
* coefficient tightening of binary columns in one-sided rows: if the row is
  redundant for one value of ``x_j``, the coefficient and the side shrink so
  that the LP relaxation gets tighter while the integer points stay the same;
* probing on binary columns, once the other reductions find nothing: each
  value of the column is propagated over all rows; an infeasible value fixes
  the column to the other, and bounds implied by both values hold (0.1 s
  and 500 fruitless probes in a row at most);
* fixed columns removed (their contribution moves into the row sides and the
  objective offset).

The user's problem is never changed.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp import _kernels
from optsolve.milp.problem import Problem
from optsolve.milp.propagation import Propagator, row_activities

__all__ = ["presolve", "Presolved"]

_FEAS_TOL = 1e-6
_INF = np.inf


class Presolved:
    """The result of :func:`presolve`.

    Attributes
    ----------
    problem : Problem or None
        The reduced problem (same sense; ``None`` when presolve proved the
        original infeasible).
    status : str
        ``"reduced"`` or ``"infeasible"``.
    columns : ndarray of int
        Original index of each column of :attr:`problem`.
    rows : ndarray of int
        Original index of each row of :attr:`problem`.
    fixed_values : ndarray
        A full-length vector holding the value of every removed column.
    stats : dict
        Counts of each reduction (``rounds``, ``fixed_columns``,
        ``removed_rows``, ``tightened_bounds``, ``dual_fixed``,
        ``singleton_rows``, ``coefficients``, ``integral_sides``; ``probed``
        columns, ``probing_fixed`` columns and ``probing_bounds``).

    Examples
    --------
    >>> from optsolve.milp import Problem
    >>> from optsolve.milp.presolve import presolve
    >>> p = Problem(c=[1, 2], A=[[1, 0]], row_lower=[1], lb=0, ub=3,
    ...             integrality=1)          # x0 >= 1 (a singleton row)
    >>> pre = presolve(p)
    >>> pre.status, pre.problem.num_rows, pre.columns.tolist()
    ('reduced', 0, [0])
    >>> pre.postsolve([1.0]).tolist()      # x1 was fixed at 0 (dual fixing)
    [1.0, 0.0]
    """

    def __init__(self, problem, status, columns, rows, fixed_values, stats):
        self.problem = problem
        self.status = status
        self.columns = columns
        self.rows = rows
        self.fixed_values = fixed_values
        self.stats = stats

    def postsolve(self, y):
        """Map a solution ``y`` of the reduced problem back to the original
        columns."""
        x = self.fixed_values.copy()
        x[self.columns] = y
        return x + 0.0              # -0.0 (from rounding) becomes 0.0

    def __repr__(self):
        if self.problem is None:
            return f"Presolved(status={self.status!r})"
        return (f"Presolved(status={self.status!r}, rows={self.problem.num_rows}, "
                f"cols={self.problem.num_cols}, stats={self.stats})")


def _activity_bounds(A, lb, ub):
    """Row minimum/maximum activity over the box (inf where unbounded)."""
    cols = A.indices
    m = A.shape[0]
    rows = np.repeat(np.arange(m), np.diff(A.indptr))
    _, _, _, _, minact, maxact, nlo, nhi = row_activities(rows, A.data, lb[cols],
                                                          ub[cols], m)
    minact[nlo > 0] = -_INF
    maxact[nhi > 0] = _INF
    return minact, maxact, rows


def _tol(v):
    return _FEAS_TOL * (1.0 + np.abs(np.where(np.isfinite(v), v, 0.0)))


class _State:
    """Working copy: CSR matrix restricted to live rows, bounds, sides."""

    def __init__(self, p: Problem):
        self.c = p.c if p.sense == "minimize" else -p.c
        A = p.A.tocsr().copy()
        A.eliminate_zeros()
        self.A = A
        self.rl = p.row_lower.copy()
        self.ru = p.row_upper.copy()
        self.lb = p.lb.copy()
        self.ub = p.ub.copy()
        self.integ = p.is_integer.copy()
        il = self.integ
        self.lb[il] = np.ceil(self.lb[il] - 1e-9) + 0.0    # no -0.0
        self.ub[il] = np.floor(self.ub[il] + 1e-9) + 0.0
        self.row_alive = np.ones(A.shape[0], bool)
        self.stats = dict(rounds=0, fixed_columns=0, removed_rows=0,
                          tightened_bounds=0, dual_fixed=0, singleton_rows=0,
                          coefficients=0, integral_sides=0, probed=0,
                          probing_fixed=0, probing_bounds=0)

    # -- one round of each reduction; each returns its number of changes or
    # -- raises _Infeasible
    def fixed_mask(self):
        return self.lb == self.ub

    def rows_pass(self):
        """Empty, singleton and redundant rows; redundant sides."""
        A, lb, ub = self.A, self.lb, self.ub
        alive = self.row_alive
        minact, maxact, rows = _activity_bounds(A, lb, ub)
        rl, ru = self.rl, self.ru
        tl, tu = _tol(rl), _tol(ru)
        with np.errstate(invalid="ignore"):
            if np.any(alive & ((minact > ru + tu) | (maxact < rl - tl))):
                raise _Infeasible
        changes = 0
        # sides that the activities make redundant
        drop_u = alive & np.isfinite(ru) & (maxact <= ru + 1e-9 * (1 + np.abs(ru)))
        drop_l = alive & np.isfinite(rl) & (minact >= rl - 1e-9 * (1 + np.abs(rl)))
        ru[drop_u] = _INF
        rl[drop_l] = -_INF
        free = alive & ~np.isfinite(rl) & ~np.isfinite(ru)
        k = int(free.sum())
        if k:
            alive[free] = False
            changes += k
            self.stats["removed_rows"] += k
        # singleton rows: one entry on an unfixed column
        fixed = self.fixed_mask()
        live_entry = ~fixed[A.indices] & alive[rows]
        cnt = np.bincount(rows[live_entry], minlength=A.shape[0])
        empty = alive & (cnt == 0)
        if empty.any():                # all columns fixed: the activity is known
            alive[empty] = False       # (feasibility was checked above)
            k = int(empty.sum())
            changes += k
            self.stats["removed_rows"] += k
        single = alive & (cnt == 1)
        if single.any():
            e = np.flatnonzero(live_entry & single[rows])
            r, j, a = rows[e], A.indices[e], A.data[e]
            # the other (fixed) columns' activity is minact minus this entry
            const = _fixed_activity(A, lb, fixed, alive)[r]
            lo = (rl[r] - const) / a
            hi = (ru[r] - const) / a
            neg = a < 0
            lo, hi = np.where(neg, hi, lo), np.where(neg, lo, hi)
            lo = np.where(np.isnan(lo), -_INF, lo)
            hi = np.where(np.isnan(hi), _INF, hi)
            ii = self.integ[j]
            lo = np.where(ii, np.ceil(lo - 1e-6), lo)
            hi = np.where(ii, np.floor(hi + 1e-6), hi)
            # several singleton rows may share a column: reduce with max/min
            np.maximum.at(lb, j, lo)
            np.minimum.at(ub, j, hi)
            bad = lb > ub + _tol(ub)
            if bad.any():
                raise _Infeasible
            # continuous columns: keep the bounds exactly ordered
            lb[:] = np.minimum(lb, ub)
            alive[r] = False
            k = int(single.sum())
            changes += k
            self.stats["singleton_rows"] += k
            self.stats["removed_rows"] += k
        return changes

    def integral_sides(self):
        """Rows over integer columns with integer coefficients: the activity
        is a multiple of the coefficients' gcd, so each side rounds inwards
        to one (an equality row with no such multiple between its sides is
        infeasible: a search on it need not end)."""
        A, alive = self.A, self.row_alive
        m = A.shape[0]
        if A.nnz == 0:
            return 0
        rows = np.repeat(np.arange(m), np.diff(A.indptr))
        a = A.data
        ok = self.integ[A.indices] & (a == np.round(a)) & (np.abs(a) < 2.0**31)
        good = alive & (np.bincount(rows[~ok], minlength=m) == 0) \
            & (np.diff(A.indptr) > 0)
        if not good.any():
            return 0
        g = np.zeros(m, np.int64)
        np.gcd.at(g, rows[good[rows]], np.abs(a[good[rows]]).astype(np.int64))
        with np.errstate(invalid="ignore"):
            frac = (np.isfinite(self.rl) & (self.rl != np.round(self.rl))) \
                | (np.isfinite(self.ru) & (self.ru != np.round(self.ru)))
        r = np.flatnonzero(good & ((g > 1) | frac))
        if r.size == 0:
            return 0
        gr = g[r].astype(float)
        rl, ru = self.rl[r], self.ru[r]
        with np.errstate(invalid="ignore"):
            q = rl / gr
            new_l = np.where(np.isfinite(rl), np.ceil(q - 1e-9 * (1 + np.abs(q))) * gr, rl)
            q = ru / gr
            new_u = np.where(np.isfinite(ru), np.floor(q + 1e-9 * (1 + np.abs(q))) * gr, ru)
        if np.any(new_l > new_u):
            raise _Infeasible
        moved = (new_l != rl) | (new_u != ru)
        self.rl[r] = new_l
        self.ru[r] = new_u
        k = int(moved.sum())
        self.stats["integral_sides"] += k
        return k

    def tighten(self, prop_rows):
        """Activity-based bound tightening of integer columns."""
        rl = np.where(self.row_alive, self.rl, -_INF)
        ru = np.where(self.row_alive, self.ru, _INF)
        prop = Propagator(self.A, rl, ru, self.integ)
        k = prop.propagate(self.lb, self.ub, passes=prop_rows)
        if k < 0:
            raise _Infeasible
        self.stats["tightened_bounds"] += k
        return k

    def dual_fix(self):
        """Fix columns that the objective and all rows push the same way."""
        A = self.A
        alive = self.row_alive
        csc = A.tocsc()
        rows = csc.indices
        pos = csc.data > 0
        neg = csc.data < 0
        live = alive[rows]
        has_lo = np.isfinite(self.rl)[rows] & live
        has_hi = np.isfinite(self.ru)[rows] & live
        down = (pos & has_lo) | (neg & has_hi)
        up = (pos & has_hi) | (neg & has_lo)
        n = A.shape[1]
        cols = np.repeat(np.arange(n), np.diff(csc.indptr))
        dlocks = np.bincount(cols, weights=down, minlength=n)
        ulocks = np.bincount(cols, weights=up, minlength=n)
        lb, ub, c = self.lb, self.ub, self.c
        free = lb < ub
        to_lb = free & (c >= 0) & (dlocks == 0) & np.isfinite(lb)
        to_ub = free & ~to_lb & (c <= 0) & (ulocks == 0) & np.isfinite(ub)
        # c == 0, no locks and no finite bound: any value, take 0 (or the
        # bound nearest to it)
        zero = free & ~to_lb & ~to_ub & (c == 0) & (dlocks == 0) & (ulocks == 0)
        ub[to_lb] = lb[to_lb]
        lb[to_ub] = ub[to_ub]
        if zero.any():
            v = np.clip(0.0, lb[zero], ub[zero])
            lb[zero] = v
            ub[zero] = v
        k = int(to_lb.sum() + to_ub.sum() + zero.sum())
        self.stats["dual_fixed"] += k
        return k

    def coefficients(self):
        """Coefficient tightening of binary columns in one-sided rows (one
        coefficient per row and round: each change moves the activities)."""
        A, lb, ub = self.A, self.lb, self.ub
        alive = self.row_alive
        minact, maxact, rows = _activity_bounds(A, lb, ub)
        cols = A.indices
        a = A.data
        binary = self.integ & (lb == 0) & (ub == 1)
        only_u = alive & np.isfinite(self.ru) & ~np.isfinite(self.rl) & np.isfinite(maxact)
        only_l = alive & np.isfinite(self.rl) & ~np.isfinite(self.ru) & np.isfinite(minact)
        # write every one-sided row as  a x <= b  (negating >= rows)
        sgn = np.where(only_l, -1.0, 1.0)
        b = np.where(only_u, self.ru, np.where(only_l, -self.rl, np.nan))
        mx = np.where(only_u, maxact, -minact)
        ok = (only_u | only_l)[rows] & binary[cols]
        if not ok.any():
            return 0
        e = np.flatnonzero(ok)
        r = rows[e]
        ae = a[e] * sgn[r]
        # maximal activity with x_j = 0 (a > 0) or x_j = 1 (a < 0)
        rest = np.where(ae > 0, mx[r] - ae, mx[r] + ae)
        d = b[r] - rest
        good = d > 1e-7 * (1.0 + np.abs(b[r]))
        # d must stay below |a| (else the row was redundant: dropped already)
        good &= d < np.abs(ae) - 1e-9
        if not good.any():
            return 0
        e, r, ae, d = e[good], r[good], ae[good], d[good]
        # the largest reduction per row
        order = np.lexsort((-d, r))
        first = np.r_[True, r[order][1:] != r[order][:-1]]
        pick = order[first]
        e, r, ae, d = e[pick], r[pick], ae[pick], d[pick]
        new_a = np.where(ae > 0, ae - d, ae + d)
        # back to the row's own sign
        A.data[e] = new_a * sgn[r]
        pos = ae > 0
        bu = b[r] - np.where(pos, d, 0.0)
        ru_rows = only_u[r]
        self.ru[r[ru_rows]] = bu[ru_rows]
        self.rl[r[~ru_rows]] = -bu[~ru_rows]
        k = e.size
        self.stats["coefficients"] += k
        return k


    def probe(self, max_probes=2000, budget=0.1, max_useless=500, stop=None):
        """Probing on binary columns (Savelsbergh 1994; Achterberg et al.
        2020, sec. 5): each side ``x_j = 0`` and ``x_j = 1`` is propagated
        over all rows; a side that is infeasible fixes ``x_j`` to the
        other, and a bound that both sides imply holds at every point. The
        binaries in the most rows first, at most ``max_probes`` of them and
        ``budget`` seconds, and none after ``max_useless`` probes in a row
        that changed nothing (SCIP's rule: probing rarely pays late)."""
        import time
        lb, ub = self.lb, self.ub
        binary = self.integ & (lb == 0) & (ub == 1)
        if not binary.any():
            return 0
        rl = np.where(self.row_alive, self.rl, -_INF)
        ru = np.where(self.row_alive, self.ru, _INF)
        prop = Propagator(self.A, rl, ru, self.integ)
        if not prop.active:
            return 0
        count = np.bincount(self.A.indices, minlength=lb.size)
        cand = np.flatnonzero(binary & (count >= 1))
        cand = cand[np.argsort(-count[cand], kind="stable")][:max_probes]
        t0 = time.perf_counter()
        fixed = tightened = useless = probed = 0
        for j in cand:
            if time.perf_counter() - t0 > budget or useless >= max_useless \
                    or (stop is not None and probed % 32 == 0 and stop()):
                break
            probed += 1
            if lb[j] == ub[j]:
                continue
            sides = []
            for v in (0.0, 1.0):
                lo, hi = lb.copy(), ub.copy()
                lo[j] = hi[j] = v
                ok = prop.propagate_from(lo, hi, [j]) >= 0 and not np.any(lo > hi)
                sides.append((lo, hi) if ok else None)
            if sides[0] is None and sides[1] is None:
                raise _Infeasible
            if sides[0] is None or sides[1] is None:
                lo, hi = sides[1] if sides[0] is None else sides[0]
                fixed += 1
            else:
                lo = np.minimum(sides[0][0], sides[1][0])
                hi = np.maximum(sides[0][1], sides[1][1])
            t = int(((lo > lb) | (hi < ub)).sum())
            tightened += t
            useless = 0 if t else useless + 1
            np.maximum(lb, lo, out=lb)
            np.minimum(ub, hi, out=ub)
        self.stats["probed"] += probed
        self.stats["probing_fixed"] += fixed
        self.stats["probing_bounds"] += tightened
        return tightened


class _Infeasible(Exception):
    pass


def _fixed_activity(A, lb, fixed, alive):
    """Activity of the fixed columns of each row."""
    v = np.where(fixed, lb, 0.0)
    return A @ v


def presolve(problem: Problem, max_rounds=20, stop=None, probing=True):
    """Reduce ``problem``; see the module docstring for the reductions.

    Parameters
    ----------
    problem : Problem
        The problem (not modified).
    max_rounds : int
        Rounds of all reductions at most (a round that changes nothing ends
        the loop).
    stop : callable, optional
        Asked before each round; True ends the rounds (a time limit or
        Ctrl-C: the reductions made so far stand).
    probing : bool
        Probe the binary columns once the other reductions stall.

    Returns
    -------
    Presolved
        The reduced problem and the map back.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp import Problem
    >>> from optsolve.milp.presolve import presolve
    >>> p = Problem(c=[-1, -1, 1], A=[[1, 1, 0], [0, 0, 1]],
    ...             row_lower=[-np.inf, 1], row_upper=[1.5, np.inf],
    ...             lb=0, ub=1, integrality=1)
    >>> pre = presolve(p)
    >>> pre.problem.num_cols, pre.problem.num_rows   # x2 fixed at 1
    (2, 1)
    >>> y = pre.problem.solve().x
    >>> x = pre.postsolve(y)
    >>> p.is_feasible(x), p.objective(x)
    (True, 0.0)
    """
    if not isinstance(problem, Problem):
        raise ValueError("`problem` must be an optsolve.milp.Problem")
    s = _State(problem)
    n = problem.num_cols
    probed = False
    try:
        if np.any(s.lb > s.ub):
            raise _Infeasible
        for rnd in range(int(max_rounds)):
            if stop is not None and stop():
                break
            s.stats["rounds"] = rnd + 1
            k = s.integral_sides()
            k += s.rows_pass()
            k += s.tighten(3)
            k += s.dual_fix()
            k += s.rows_pass()
            k += s.coefficients()
            if np.any(s.lb > s.ub):
                raise _Infeasible
            if k == 0:
                if probing and not probed:
                    probed = True
                    # propagation is a Numba kernel: a run whose limit ends
                    # before it is loaded goes without probing
                    if _kernels.wait(stop or (lambda: False)) and s.probe(stop=stop):
                        continue
                break
    except _Infeasible:
        return Presolved(None, "infeasible", np.arange(0), np.arange(0),
                         np.zeros(n), s.stats)
    fixed = s.fixed_mask()
    cols = np.flatnonzero(~fixed)
    if cols.size == 0:           # keep one (fixed) column: a Problem has one
        cols = np.array([0])
    rows = np.flatnonzero(s.row_alive)
    xf = np.where(fixed, s.lb, 0.0)
    A = s.A[rows][:, cols]
    A.eliminate_zeros()
    keep_fixed = np.zeros(n, bool)
    keep_fixed[cols] = True
    xf_out = np.where(keep_fixed, 0.0, xf)
    shift_rows = s.A @ xf_out
    rl = s.rl[rows] - shift_rows[rows]
    ru = s.ru[rows] - shift_rows[rows]
    offset = problem.offset + float(problem.c @ xf_out)
    red = Problem(problem.c[cols], sp.csr_matrix(A), rl, ru, s.lb[cols],
                  s.ub[cols], problem.integrality[cols], sense=problem.sense,
                  offset=offset, name=problem.name,
                  col_names=None if problem.col_names is None
                  else [problem.col_names[j] for j in cols],
                  row_names=None if problem.row_names is None
                  else [problem.row_names[i] for i in rows])
    s.stats["fixed_columns"] = int(fixed.sum())
    return Presolved(red, "reduced", cols, rows, xf_out, s.stats)
