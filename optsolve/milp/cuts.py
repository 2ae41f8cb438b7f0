"""Root cutting planes: Gomory mixed-integer, c-MIR and lifted cover cuts.

A few rounds at the root node, before branching. This module holds the
Gomory mixed-integer cuts from the optimal tableau (Gomory 1960; the
mixed-integer form and its numerics follow Cornuejols, "Revival of the Gomory
cuts in the 1990's", 2007, and the safeguards of Wesselmann and Suhl 2012 and
of SCIP's ``sepa_gomory``), the shared :class:`Cut` and its safety checks,
the selection across families (:func:`select_cuts`) and the round driver
(:class:`RootSeparator`). The other families live in
:mod:`optsolve.milp.cuts_mir` (complemented mixed-integer rounding on rows and
aggregations of rows, with variable-bound substitution) and
:mod:`optsolve.milp.cuts_cover` (lifted knapsack covers).

Gomory derivation. Let ``r = A x`` be the row activities (the slack columns of the
LP), ``L <= r <= U``. For any multiplier vector ``u`` the equation

    (u^T A) x - u^T r = 0

holds at every point, so its validity never depends on the numerical quality
of ``u``: HiGHS's ``getBasisInverseRow`` only makes the other basic columns
vanish. Each variable other than the basic integer one is shifted to the
bound it is closest to in the LP solution (``y = x - l`` or ``y = u - x``,
``y >= 0``) and the Gomory mixed-integer formula is applied to
``x_b + sum a_j y_j = b``. A slack is treated as integer when its row has
only integer columns with integer coefficients and integer sides. The cut
is substituted back into the space of the original columns and added to the
LP as a row; the :class:`~optsolve.milp.problem.Problem` is never changed.

Safeguards: the fractional part of the right-hand side must lie in
``[0.01, 0.99]``; tiny coefficients are removed by relaxing the right-hand
side with the column's bound (the cut stays valid); cuts with a dynamism
(largest over smallest absolute coefficient) above ``1e6``, with free columns
needed in the substitution, with a coefficient above ``1e9``, or with a
violation below ``1e-4`` of their norm are dropped; every right-hand side is
relaxed by ``1e-9 (1 + |rhs|)``. The same checks (:func:`_finish`) apply to
every family. Selection is greedy by efficacy (violation over Euclidean norm)
across all families with a parallelism filter (cosine below 0.98).

Management (:class:`RootSeparator`): rounds while the bound moves (two rounds
in a row that each gain less than ``1e-3`` of the rounds' total gain stop
them), cuts slack at the round's LP optimum deleted after every round, and
at most ``max(50, m)`` cut rows held for ``m`` original rows, so node LPs
stay cheap.
"""
from __future__ import annotations

import math
import time

import highspy
import numpy as np
import scipy.sparse as sp

from optsolve.milp.lp import tableau_ready

__all__ = ["Cut", "gomory_cuts", "select_cuts", "integral_rows", "RootSeparator"]

_MIN_FRAC = 0.01
_MAX_DYNAMISM = 1e6
_MAX_COEF = 1e9
_MIN_EFFICACY = 1e-4
_ZERO = 1e-11
_MAX_PARALLEL = 0.98


class Cut:
    """A cut ``coef @ x >= rhs`` over the original columns.

    Attributes
    ----------
    idx : ndarray of int
        Columns with a nonzero coefficient.
    val : ndarray of float
        Their coefficients.
    rhs : float
        Right-hand side.
    efficacy : float
        Violation at the separated point divided by the Euclidean norm.
    family : str
        The separator that found it: ``"gomory"``, ``"mir"`` or ``"cover"``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import Cut
    >>> cut = Cut(np.array([0, 2]), np.array([1.0, 1.0]), 1.0, 0.5)
    >>> cut.activity(np.array([0.25, 9.0, 0.25]))     # violated: 0.5 < 1
    0.5
    """

    __slots__ = ("idx", "val", "rhs", "efficacy", "norm", "family")

    def __init__(self, idx, val, rhs, efficacy, family="gomory"):
        self.family = family
        self.idx = idx
        self.val = val
        self.rhs = rhs
        self.efficacy = efficacy
        self.norm = float(np.sqrt(val @ val))

    def activity(self, x):
        """``coef @ x``."""
        return float(self.val @ x[self.idx])

    def __repr__(self):
        return f"Cut(nnz={self.idx.size}, rhs={self.rhs:.6g}, efficacy={self.efficacy:.3g})"


def integral_rows(A, row_lower, row_upper, is_integer):
    """Rows whose activity is integral at every integer point: integer
    columns only, integer coefficients, integer finite sides.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import integral_rows
    >>> A = np.array([[1.0, 2.0], [0.5, 1.0]])
    >>> integral_rows(A, np.array([-np.inf, 0]), np.array([3.0, 1.0]),
    ...               np.array([True, True])).tolist()
    [True, False]
    """
    A = sp.csr_matrix(A)
    m = A.shape[0]
    ok = np.ones(m, dtype=bool)
    cont = ~np.asarray(is_integer, dtype=bool)
    bad = (cont[A.indices]) | (A.data != np.round(A.data))
    if bad.any():
        rows = np.repeat(np.arange(m), np.diff(A.indptr))
        ok[np.unique(rows[bad])] = False
    for side in (row_lower, row_upper):
        fin = np.isfinite(side)
        ok &= ~fin | (side == np.round(side))
    return ok


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
    return _finish(full, rhs, x, lb, ub)


def _finish(full, rhs, x, lb, ub):
    """Clean tiny coefficients (relaxing the rhs), check dynamism and
    efficacy; return a :class:`Cut` or None."""
    amax = float(np.max(np.abs(full))) if full.size else 0.0
    if amax == 0.0 or amax > _MAX_COEF or not math.isfinite(rhs) \
            or abs(rhs) > _MAX_COEF * 1e3:
        return None
    tiny = (full != 0) & (np.abs(full) < amax / _MAX_DYNAMISM)
    if tiny.any():
        t = np.flatnonzero(tiny)
        a = full[t]
        # a v <= max(a l, a u): removing the term relaxes the >= cut
        bnd = np.where(a > 0, ub[t], lb[t])
        if not np.all(np.isfinite(bnd)):
            return None
        rhs -= float(a @ bnd)
        full[t] = 0.0
    idx = np.flatnonzero(full)
    if idx.size == 0:
        return None
    val = full[idx]
    rhs -= 1e-9 * (1.0 + abs(rhs))
    norm = float(np.sqrt(val @ val))
    eff = (rhs - float(val @ x[idx])) / norm
    if eff < _MIN_EFFICACY * max(1.0, abs(rhs) / norm):
        return None
    return Cut(idx, val, rhs, eff)


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


def select_cuts(cuts, max_cuts, max_parallel=_MAX_PARALLEL, family_share=None):
    """Greedy selection by efficacy, skipping cuts almost parallel to an
    accepted one (cosine above ``max_parallel``), across all families.

    With ``family_share``, one family takes at most that fraction of
    ``max_cuts`` (rounded up): a family whose cuts have a high efficacy but
    move the bound little (covers on many knapsack rows) cannot crowd out
    the others.

    The cosines come from one sparse product of the normalised candidates,
    so a few thousand candidates cost milliseconds.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import Cut, select_cuts
    >>> a = Cut(np.array([0, 1]), np.array([1.0, 1.0]), 1.0, 0.5)
    >>> b = Cut(np.array([0, 1]), np.array([2.0, 2.0]), 2.0, 0.4)  # parallel
    >>> c = Cut(np.array([1, 2]), np.array([1.0, -1.0]), 0.0, 0.3)
    >>> [cut.efficacy for cut in select_cuts([c, b, a], max_cuts=10)]
    [0.5, 0.3]
    """
    cuts = sorted(cuts, key=lambda c: -c.efficacy)
    if not cuts or max_cuts <= 0:
        return []
    ncol = 1 + max(int(c.idx.max()) for c in cuts)
    data = np.concatenate([c.val / c.norm for c in cuts])
    ind = np.concatenate([c.idx for c in cuts])
    ptr = np.concatenate([[0], np.cumsum([c.idx.size for c in cuts])])
    S = sp.csr_matrix((data, ind, ptr), shape=(len(cuts), ncol))
    G = (S @ S.T).tocsr()
    blocked = np.zeros(len(cuts), bool)
    taken = np.zeros(len(cuts), bool)
    chosen = []
    cap = math.inf if family_share is None else \
        max(1, math.ceil(family_share * max_cuts))
    count = {}
    for i, c in enumerate(cuts):
        if blocked[i] or count.get(c.family, 0) >= cap:
            continue
        chosen.append(c)
        taken[i] = True
        count[c.family] = count.get(c.family, 0) + 1
        if len(chosen) >= max_cuts:
            break
        g0, g1 = G.indptr[i], G.indptr[i + 1]
        near = G.indices[g0:g1][G.data[g0:g1] > max_parallel]
        blocked[near] = True
    return chosen


class RootSeparator:
    """Rounds of root cuts (Gomory mixed-integer, c-MIR, lifted knapsack
    cover), added as rows to an :class:`~optsolve.milp.lp.LPRelaxation`.

    Each round asks every family for cuts violated by the current LP point
    (a family that found none in two rounds in a row is not asked again),
    selects across families by efficacy with a parallelism filter, adds at
    most ``max_cuts`` of them and re-solves. Rounds stop after ``rounds``,
    when no cut is found, when the bound stalls (two rounds in a row each raise
    it by less than ``1e-3`` of the gain of all rounds so far), or when the
    LP holds ``max_rows`` cuts.
    Cuts slack at the last root LP are then deleted.

    Parameters
    ----------
    lp : LPRelaxation
        Solved to optimality at the root bounds.
    A, row_lower, row_upper : the original rows.
    is_integer : ndarray of bool
    rounds : int
        Maximum number of rounds.
    max_cuts : int
        Cuts added per round at most (default: the number of integer
        columns, clipped to [20, 200]).
    drop_slack : bool
        Delete the cuts that are slack at the last root LP.
    families : tuple of str
        Separators to run, among ``"gomory"``, ``"mir"`` and ``"cover"``.
    family_share : float
        Largest fraction of one round's cuts taken from one family (default
        one over the number of families that found cuts in the round, see
        :func:`select_cuts`).
    max_rows : int
        Cuts held by the LP at most (default ``max(50, m)`` for ``m``
        original rows), so node LPs do not grow much.

    Attributes
    ----------
    cuts : list of Cut
        The cuts held by the LP after the rounds (cuts slack at the final
        root LP are deleted again).
    added : int
        Cuts added over all rounds.
    bounds : list of float
        Root LP objective before the first and after each round.
    family_added : dict
        Cuts added per family.
    family_found : dict
        Violated candidates found per family, before selection.
    times : dict
        Seconds spent separating per family (and ``"lp"`` re-solving).

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import RootSeparator
    >>> from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation
    >>> from scipy.sparse import csr_matrix
    >>> c = np.array([-5.0, -4, -3]); A = csr_matrix([[2.0, 3, 1]])
    >>> rl, ru = np.array([-np.inf]), np.array([4.0])
    >>> lb, ub = np.zeros(3), np.ones(3)
    >>> lp = LPRelaxation(c, A, rl, ru, lb, ub)
    >>> lp.solve()
    0
    >>> sep = RootSeparator(lp, A, rl, ru, np.ones(3, bool), rounds=5)
    >>> sep.run(lb, ub, LP_OPTIMAL)
    0
    >>> round(sep.bounds[0], 4), round(sep.bounds[-1], 4)   # MILP optimum -8
    (-9.3333, -8.0)
    """

    FAMILIES = ("gomory", "mir", "cover")

    def __init__(self, lp, A, row_lower, row_upper, is_integer, rounds=10,
                 max_cuts=None, tol=1e-6, drop_slack=True,
                 families=FAMILIES, max_rows=None, family_share=None):
        self.lp = lp
        self.A = sp.csr_matrix(A)
        self.rl = np.asarray(row_lower, float)
        self.ru = np.asarray(row_upper, float)
        self.is_integer = np.asarray(is_integer, bool)
        self.int_rows = integral_rows(self.A, self.rl, self.ru, self.is_integer)
        self.rounds = rounds
        self.max_cuts = max_cuts if max_cuts is not None else \
            max(20, min(200, int(self.is_integer.sum())))
        self.tol = tol
        self.drop_slack = drop_slack
        families = tuple(families)
        unknown = set(families) - set(self.FAMILIES)
        if unknown:
            raise ValueError(f"`families` has unknown names {sorted(unknown)}; "
                             f"known: {list(self.FAMILIES)}")
        self.families = families
        self.family_share = family_share
        self.max_rows = max_rows if max_rows is not None else \
            max(50, self.A.shape[0])
        self.cuts = []
        self.added = 0
        self.bounds = []
        self.family_added = {f: 0 for f in families}
        self.family_found = {f: 0 for f in families}
        self.times = {f: 0.0 for f in families + ("lp",)}
        self._mir = None
        self._cover = None
        self._idle = {f: 0 for f in families}
        self.stall_rule = "progress"

    def _rows(self):
        if not self.cuts:
            return self.A, self.rl, self.ru, self.int_rows
        n = self.A.shape[1]
        data = np.concatenate([c.val for c in self.cuts])
        ind = np.concatenate([c.idx for c in self.cuts])
        ptr = np.concatenate([[0], np.cumsum([c.idx.size for c in self.cuts])])
        C = sp.csr_matrix((data, ind, ptr), shape=(len(self.cuts), n))
        k = len(self.cuts)
        return (sp.vstack([self.A, C], format="csr"),
                np.concatenate([self.rl, [c.rhs for c in self.cuts]]),
                np.concatenate([self.ru, np.full(k, np.inf)]),
                np.concatenate([self.int_rows, np.zeros(k, bool)]))

    def separate(self, lb, ub, stop=None):
        """Violated candidates of every family at the current LP point
        (``stop``: see :meth:`run`)."""
        from optsolve.milp.cuts_cover import CoverSeparator
        from optsolve.milp.cuts_mir import MIRSeparator
        lp = self.lp
        x, act, _, _ = lp.solution()
        m0 = self.A.shape[0]
        cands = []
        for fam in self.families:
            if self._idle[fam] >= 2:       # found nothing twice in a row
                continue
            t0 = time.perf_counter()
            if fam == "gomory":
                A, rl, ru, irows = self._rows()
                found = gomory_cuts(lp.h, A, rl, ru, lb, ub, self.is_integer,
                                    irows, x, act, tol=self.tol, stop=stop)
            elif fam == "mir":
                if self._mir is None:
                    self._mir = MIRSeparator(self.A, self.rl, self.ru,
                                             self.is_integer)
                found = self._mir.separate(x, act[:m0], lb, ub, tol=self.tol,
                                           stop=stop)
            else:
                if self._cover is None:
                    self._cover = CoverSeparator(self.A, self.rl, self.ru,
                                                 self.is_integer, lb, ub)
                found = self._cover.separate(x, act[:m0], lb, ub, stop=stop)
            self.times[fam] += time.perf_counter() - t0
            self.family_found[fam] += len(found)
            self._idle[fam] = 0 if found else self._idle[fam] + 1
            cands.extend(found)
        return cands

    def run(self, lb, ub, optimal_status, stop=None):
        """Separate and re-solve up to ``rounds`` times; return the status
        of the last LP solve (``optimal_status`` when no cut was added).

        ``stop``, a callable (the search's time limit or Ctrl-C), is asked
        before each round and inside the c-MIR loop; when it returns True
        the rounds end and the cuts already in the LP stay."""
        lp = self.lp
        status = optimal_status
        self.bounds.append(lp.obj)
        stall = 0
        for _ in range(self.rounds):
            if stop is not None and stop():
                break
            room = min(self.max_cuts, self.max_rows - len(self.cuts))
            if room <= 0:
                break
            cands = self.separate(lb, ub, stop)
            if stop is not None and stop():
                break
            share = self.family_share
            if share is None and cands:
                share = 1.0 / len({c.family for c in cands})
            chosen = select_cuts(cands, room, family_share=share)
            if not chosen:
                break
            lp.add_cuts(chosen)
            self.cuts.extend(chosen)
            self.added += len(chosen)
            for c in chosen:
                self.family_added[c.family] += 1
            before = lp.obj
            t0 = time.perf_counter()
            status = lp.solve()
            self.times["lp"] += time.perf_counter() - t0
            if status != optimal_status:
                break
            self.bounds.append(lp.obj)
            gain = lp.obj - before
            if self._stalled(gain, before):
                stall += 1
                if stall >= 2:
                    break
            else:
                stall = 0
            if self.drop_slack:
                self._drop_slack_cuts()
                status = lp.status
                if status != optimal_status:
                    break
        if status == optimal_status and self.cuts and self.drop_slack:
            self._drop_slack_cuts()
            status = lp.status
        return status

    def _stalled(self, gain, before):
        """A round that raised the bound by little: ``stall_rule`` "obj"
        measures the gain against the objective value, "progress" against
        the gain of all rounds so far (objective offsets do not matter)."""
        if self.stall_rule == "obj":
            return gain <= 1e-4 * max(1.0, abs(before))
        return gain <= max(1e-9 * (1.0 + abs(before)),
                           1e-3 * (before - self.bounds[0]))

    def _drop_slack_cuts(self):
        """Delete the cuts whose slack is basic and positive at the final
        root LP: they only make every node LP larger. The basis stays valid
        (only basic rows go) and the LP is re-solved (no pivots)."""
        lp = self.lp
        m0 = self.A.shape[0]
        _, act, _, _ = lp.solution()
        _, row_status = lp.basis_status()
        rhs = np.array([c.rhs for c in self.cuts])
        slack = act[m0:] - rhs
        drop = (row_status[m0:] == 1) & (slack > 1e-6 * (1 + np.abs(rhs)))
        if not drop.any():
            return
        rows = (m0 + np.flatnonzero(drop)).astype(np.int32)
        lp.delete_rows(rows)
        self.cuts = [c for c, d in zip(self.cuts, drop) if not d]
        lp.solve()
