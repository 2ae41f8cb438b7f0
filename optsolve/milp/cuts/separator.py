"""The root round driver: :class:`RootSeparator` (management in
:mod:`optsolve.milp.cuts`)."""
from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import integral_rows, select_cuts
from optsolve.milp.cuts.gomory import gomory_cuts
from optsolve.milp.cuts.pool import CutPool

__all__ = ["RootSeparator"]


class RootSeparator:
    """Rounds of root cuts (Gomory mixed-integer, c-MIR, lifted knapsack
    cover, clique, zero-half), added as rows to an
    :class:`~optsolve.milp.lp.LPRelaxation`.

    Each round asks every family for cuts violated by the current LP point
    (a family that found none in two rounds in a row is not asked again)
    and the cut pool for the cuts it holds that the point violates, selects
    across them by efficacy with a parallelism filter, adds at most
    ``max_cuts`` and re-solves; the candidates not selected go to the pool
    (but for the Gomory cuts, dense and tied to one LP point).
    Rounds stop after ``rounds``, when no cut is found, when the bound
    stalls (``stall_rounds`` rounds in a row each raise it by less than
    ``stall_gain`` of the gain of all rounds so far), when the LP holds
    ``max_rows`` cuts, or when the rounds have taken their time budget,
    ``max(min_budget, budget_factor * t)`` seconds for a root LP that took
    ``t`` seconds (the effort follows the size of the LP, and a loop that
    keeps finding cuts cannot dwarf the search). Cuts slack at a round's LP
    optimum go to the pool, and those slack at the last root LP are deleted.

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
        Separators to run, among ``"gomory"``, ``"mir"``, ``"cover"``,
        ``"clique"`` and ``"zerohalf"``.
    family_share : float
        Largest fraction of one round's cuts taken from one family (default
        one over the number of families that found cuts in the round, see
        :func:`select_cuts`).
    max_rows : int
        Cuts held by the LP at most (default ``max(100, m)`` for ``m``
        original rows), so node LPs do not grow much.
    budget_factor, min_budget : float
        The time budget of the rounds (see above; ``budget_factor=inf``:
        none).
    stall_rounds : int
        Stalled rounds in a row that end the loop (rounds that gain nothing
        are common on degenerate LPs before the bound moves again).
    stall_gain : float
        A round is stalled when it raises the bound by less than this
        fraction of the gain of all rounds so far.

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
    pool : CutPool
        Cuts found but not in the LP (slack or not selected).
    pool_added : int
        Cuts added back from the pool by :meth:`pool_round` (in the tree).
    stop_reason : str or None
        Why the rounds ended: ``"rounds"``, ``"budget"``, ``"stall"``,
        ``"rows"``, ``"no cuts"`` (None: a limit or a non-optimal LP).

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

    FAMILIES = ("gomory", "mir", "cover", "clique", "zerohalf")
    #: the families of the ``cut_families`` option's default
    DEFAULT_FAMILIES = FAMILIES

    def __init__(self, lp, A, row_lower, row_upper, is_integer, rounds=10,
                 max_cuts=None, tol=1e-6, drop_slack=True,
                 families=FAMILIES, max_rows=None, family_share=None,
                 budget_factor=50.0, min_budget=1.0, stall_rounds=5,
                 stall_gain=1e-2):
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
            max(100, self.A.shape[0])
        self.cuts = []
        self.added = 0
        self.bounds = []
        self.family_added = {f: 0 for f in families}
        self.family_found = {f: 0 for f in families}
        self.times = {f: 0.0 for f in families + ("lp",)}
        self._seps = {}
        self.budget_factor = budget_factor
        self.min_budget = min_budget
        self.budget = min_budget
        self.stall_rounds = stall_rounds
        self.stall_gain = stall_gain
        self.stop_reason = None
        self.pool = CutPool(self.A.shape[1])
        self.pool_added = 0
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
            else:
                kw = dict(tol=self.tol) if fam == "mir" else {}
                found = self._separator(fam, lb, ub).separate(
                    x, act[:m0], lb, ub, stop=stop, **kw)
            self.times[fam] += time.perf_counter() - t0
            self.family_found[fam] += len(found)
            self._idle[fam] = 0 if found else self._idle[fam] + 1
            cands.extend(found)
        return cands

    def _separator(self, fam, lb, ub):
        """The separator object of family ``fam``, built at its first use
        from the original rows and the root bounds."""
        sep = self._seps.get(fam)
        if sep is None:
            if fam == "mir":
                from optsolve.milp.cuts.mir import MIRSeparator
                sep = MIRSeparator(self.A, self.rl, self.ru, self.is_integer)
            elif fam == "cover":
                from optsolve.milp.cuts.cover import CoverSeparator
                sep = CoverSeparator(self.A, self.rl, self.ru,
                                     self.is_integer, lb, ub)
            elif fam == "clique":
                from optsolve.milp.cuts.clique import CliqueSeparator
                sep = CliqueSeparator(self.A, self.rl, self.ru,
                                      self.is_integer, lb, ub)
            else:
                from optsolve.milp.cuts.zerohalf import ZeroHalfSeparator
                sep = ZeroHalfSeparator(self.A, self.rl, self.ru,
                                        self.is_integer)
            self._seps[fam] = sep
        return sep

    def run(self, lb, ub, optimal_status, stop=None):
        """Separate and re-solve up to ``rounds`` times; return the status
        of the last LP solve (``optimal_status`` when no cut was added).

        ``stop``, a callable (the search's time limit or Ctrl-C), is asked
        before each round and inside the c-MIR loop; when it returns True
        the rounds end and the cuts already in the LP stay."""
        lp = self.lp
        status = optimal_status
        self.bounds.append(lp.obj)
        self.budget = max(self.min_budget,
                          self.budget_factor * max(lp.run_time, 0.0))
        t_start = time.perf_counter()
        stall = 0
        for _ in range(self.rounds):
            if stop is not None and stop():
                break
            if time.perf_counter() - t_start > self.budget:
                self.stop_reason = "budget"
                break
            room = min(self.max_cuts, self.max_rows - len(self.cuts))
            if room <= 0:
                self.stop_reason = "rows"
                break
            x = lp.solution()[0]
            cands = self.pool.separate(x) + self.separate(lb, ub, stop)
            if stop is not None and stop():
                break
            share = self.family_share
            if share is None and cands:
                share = 1.0 / len({c.family for c in cands})
            chosen = select_cuts(cands, room, family_share=share)
            if not chosen:
                self.stop_reason = "no cuts"
                break
            taken = {id(c) for c in chosen}
            # Gomory cuts are dense and tied to one LP point: not kept
            self.pool.add([c for c in cands if id(c) not in taken
                           and c.family != "gomory"])
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
                if stall >= self.stall_rounds:
                    self.stop_reason = "stall"
                    break
            else:
                stall = 0
            if self.drop_slack:
                self._drop_slack_cuts()
                status = lp.status
                if status != optimal_status:
                    break
        else:
            self.stop_reason = "rounds"
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
                           self.stall_gain * (before - self.bounds[0]))

    def pool_round(self, max_cuts=None):
        """One round of the cut pool at a node of the tree: the pool's cuts
        that the LP point violates (selected as in a root round, at most
        ``max_cuts``, default ``max_cuts`` of the root) are added to the LP
        and it is re-solved; cuts are globally valid, so they stay for the
        rest of the search. Returns the number added (0: the LP is
        untouched and needs no re-solve).

        The search may call it at shallow nodes every so many nodes (SCIP
        separates its pool at every node up to a depth limit); the caller
        re-solves the LP when cuts were added."""
        if not self.pool.cuts:
            return 0
        room = min(self.max_cuts if max_cuts is None else max_cuts,
                   self.max_rows - len(self.cuts))
        if room <= 0:
            return 0
        x = self.lp.solution()[0]
        cands = self.pool.separate(x)
        chosen = select_cuts(cands, room)
        taken = {id(c) for c in chosen}
        self.pool.add([c for c in cands if id(c) not in taken])
        if chosen:
            self.lp.add_cuts(chosen)
            self.cuts.extend(chosen)
            self.pool_added += len(chosen)
        return len(chosen)

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
        self.pool.add([c for c, d in zip(self.cuts, drop) if d])
        self.cuts = [c for c, d in zip(self.cuts, drop) if not d]
        lp.solve()
