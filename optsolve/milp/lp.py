"""LP relaxations in HiGHS: one ``Highs`` object per search.

The branch and bound keeps a single :class:`highspy.Highs` holding the LP
relaxation. Moving to a node changes only the column bounds that differ from
the ones loaded (``changeColsBounds`` on the difference); when the next node
is a child of the node just solved, HiGHS re-solves warm from the basis it
already holds (dual simplex after a bound change needs tens of iterations, not
hundreds). When the search jumps elsewhere in the tree, the node's stored
parent basis is restored with ``setBasis``. The incumbent becomes a cutoff
(HiGHS's ``objective_bound``), so the dual simplex stops as soon as a node
cannot beat it.

HiGHS's ``time_limit`` counts the object's whole life, so each solve sets it
to the run time already spent plus what the caller has left.

Ctrl-C: HiGHS runs with the GIL released, so Python's SIGINT handler only
runs when Python code runs on the main thread. With a ``guard`` (an
:class:`~optsolve._runtime.InterruptGuard`), a simplex-interrupt callback
(called by HiGHS at every iteration) gives the handler that chance and asks
HiGHS to stop once the guard is interrupted; the solve then ends with
:data:`LP_INTERRUPTED`. A Python exception must never unwind through HiGHS
(it leaves the object broken: the next solve crashes), so the callback
cannot raise and a second Ctrl-C is deferred until HiGHS returns.
"""
from __future__ import annotations

import math
import time

import highspy
import numpy as np

__all__ = ["LPRelaxation", "tableau_ready", "solution_arrays", "LP_OPTIMAL", "LP_INFEASIBLE", "LP_UNBOUNDED",
           "LP_CUTOFF", "LP_ITERATION_LIMIT", "LP_TIME_LIMIT", "LP_ERROR",
           "LP_INTERRUPTED"]

LP_OPTIMAL = 0
LP_INFEASIBLE = 1
LP_UNBOUNDED = 2
LP_CUTOFF = 3
LP_ITERATION_LIMIT = 4
LP_TIME_LIMIT = 5
LP_ERROR = 6
LP_INTERRUPTED = 7

_MS = highspy.HighsModelStatus
_STATUS = {
    _MS.kOptimal: LP_OPTIMAL,
    _MS.kInfeasible: LP_INFEASIBLE,
    _MS.kUnbounded: LP_UNBOUNDED,
    _MS.kObjectiveBound: LP_CUTOFF,
    _MS.kObjectiveTarget: LP_CUTOFF,
    _MS.kIterationLimit: LP_ITERATION_LIMIT,
    _MS.kTimeLimit: LP_TIME_LIMIT,
    _MS.kInterrupt: LP_INTERRUPTED,
}
_UNBOUNDED_OR_INFEASIBLE = _MS.kUnboundedOrInfeasible
# bounds go to HiGHS as they are (set_bounds)
assert highspy.kHighsInf == math.inf
_BIG_ITER = 2**31 - 1


def _interrupt_callback(callback_type, message, data_out, data_in, guard):
    # assigned either way: HiGHS keeps the flag from one solve to the next
    data_in.user_interrupt = guard.interrupted


def tableau_ready(h):
    """Whether ``h`` holds a simplex basis factor that HiGHS's tableau calls
    (``getBasicVariables``, ``getBasisInverseRow``, ``getReducedRow``, ...)
    may read.

    HiGHS solves an LP without rows or without nonzeros directly, never
    setting up the simplex solver; asking for the tableau then reads
    uninitialised memory (a segfault in highspy 1.16). Only an optimal
    simplex solve of a model with a nonzero leaves a valid factor.
    """
    return (h.getNumRow() > 0 and h.getNumNz() > 0
            and h.getModelStatus() == _MS.kOptimal and h.getBasis().valid)


def _highs_lp(c, A, row_lower, row_upper, lb, ub):
    """A :class:`highspy.HighsLp` (column-wise) for min c@x over the box/rows."""
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n, m = c.size, A.shape[0]
    lp.num_col_ = n
    lp.num_row_ = m
    lp.col_cost_ = c
    lp.col_lower_ = np.where(np.isneginf(lb), -inf, lb)
    lp.col_upper_ = np.where(np.isposinf(ub), inf, ub)
    lp.row_lower_ = np.where(np.isneginf(row_lower), -inf, row_lower)
    lp.row_upper_ = np.where(np.isposinf(row_upper), inf, row_upper)
    csc = A.tocsc()
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.start_ = csc.indptr.astype(np.int32)
    lp.a_matrix_.index_ = csc.indices.astype(np.int32)
    lp.a_matrix_.value_ = csc.data.astype(np.float64)
    return lp


class LPRelaxation:
    """The LP relaxation of a minimisation problem, kept in one HiGHS object.

    Parameters
    ----------
    c, A, row_lower, row_upper, lb, ub
        The relaxation (minimisation; ``A`` CSR).
    deadline : optsolve._runtime.Deadline, optional
        Wall-clock budget shared with the search.
    guard : optsolve._runtime.InterruptGuard, optional
        Installed by the caller; once it is interrupted, solves end with
        :data:`LP_INTERRUPTED` (Ctrl-C, see the module notes).

    Attributes
    ----------
    iterations : int
        Simplex iterations of node solves (including heuristics).
    sb_iterations : int
        Simplex iterations spent in strong branching.
    solves : int
        Number of LP solves.
    run_time : float
        Seconds spent inside HiGHS's solves (the rest of a node's time is
        the search's own).
    """

    def __init__(self, c, A, row_lower, row_upper, lb, ub, deadline=None,
                 guard=None):
        self.n = c.size
        self.m = A.shape[0]
        self.deadline = deadline
        self.guard = guard
        h = highspy._Highs()  # the raw binding: no per-run callback set-up
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual simplex: warm after bound changes
        h.setOptionValue("threads", 1)
        h.passModel(_highs_lp(c, A, row_lower, row_upper, lb, ub))
        if guard is not None:
            h.setCallback(_interrupt_callback, guard)
            h.startCallback(highspy.cb.HighsCallbackType.kCallbackSimplexInterrupt)
        self.h = h
        self.lb = np.array(lb, dtype=np.float64)
        self.ub = np.array(ub, dtype=np.float64)
        self.cutoff = math.inf
        self.iterations = 0
        self.sb_iterations = 0
        self.solves = 0
        self.run_time = 0.0
        self._time_limit = math.inf
        self._iter_limit = None
        self.status = None
        self.obj = math.nan

    # -- bounds ---------------------------------------------------------
    def set_bounds(self, lb, ub):
        """Load the column bounds ``lb``, ``ub``, changing only what differs."""
        diff = np.flatnonzero((lb != self.lb) | (ub != self.ub))
        if diff.size:
            lo = lb[diff]
            hi = ub[diff]
            # HiGHS's infinity is IEEE inf (checked at import): no conversion
            self.h.changeColsBounds(diff.size, diff.astype(np.int32), lo, hi)
            self.lb[diff] = lo
            self.ub[diff] = hi
        return diff.size

    def set_col_bounds(self, j, lo, hi):
        """Change one column's bounds."""
        self.h.changeColBounds(int(j), float(lo), float(hi))
        self.lb[j] = lo
        self.ub[j] = hi

    def set_cutoff(self, value):
        """Stop the dual simplex once the objective exceeds ``value``."""
        value = float(value)
        if value != self.cutoff:
            self.cutoff = value
            self.h.setOptionValue("objective_bound",
                                  value if math.isfinite(value) else highspy.kHighsInf)

    # -- solving --------------------------------------------------------
    def _set_iteration_limit(self, limit):
        if limit != self._iter_limit:
            self.h.setOptionValue("simplex_iteration_limit",
                                  _BIG_ITER if limit is None else int(limit))
            self._iter_limit = limit

    def solve(self, iteration_limit=None, strong=False):
        """Solve the LP; return one of the ``LP_*`` status codes.

        The objective is in :attr:`obj` afterwards (for ``LP_CUTOFF`` it is
        the dual bound at which the solve stopped, which exceeds the cutoff).
        """
        h = self.h
        guard = self.guard
        if guard is not None and guard.interrupted:
            self.status = LP_INTERRUPTED
            return LP_INTERRUPTED
        if self.deadline is not None and self.deadline.limit is not None:
            rem = self.deadline.remaining()
            if rem <= 0:
                self.status = LP_TIME_LIMIT
                return LP_TIME_LIMIT
            # HiGHS's clock runs only inside its solves, so the limit set
            # earlier drifts late by our own time since: reset it once the
            # drift passes 1% of what is left (setting it each solve costs)
            limit = h.getRunTime() + rem
            if self._time_limit - limit > 0.01 * rem or limit > self._time_limit:
                h.setOptionValue("time_limit", limit)
                self._time_limit = limit
        self._set_iteration_limit(iteration_limit)
        t0 = time.perf_counter()
        if guard is None:
            h.run()
        else:
            with guard.deferred():
                h.run()
        self.run_time += time.perf_counter() - t0
        # two fields, not getInfo(): its copy of the whole record cost more
        # than a small node's own work
        it = max(0, int(h.getInfoValue("simplex_iteration_count")[1]))
        if strong:
            self.sb_iterations += it
        else:
            self.iterations += it
        self.solves += 1
        ms = h.getModelStatus()
        status = _STATUS.get(ms)
        if status is None:
            if ms == _UNBOUNDED_OR_INFEASIBLE:
                status = LP_INFEASIBLE \
                    if h.getInfoValue("primal_solution_status")[1] == 0 \
                    else LP_UNBOUNDED
            else:
                status = LP_ERROR
        self.last_iterations = it
        self.obj = float(h.getInfoValue("objective_function_value")[1])
        self.status = status
        return status

    def solve_robust(self):
        """Solve; on a failure retry once from scratch, then by the primal
        simplex."""
        status = self.solve()
        if status == LP_ERROR:
            self.h.clearSolver()
            status = self.solve()
        if status == LP_ERROR:
            # the dual simplex ends 'unknown' on some unbounded LPs (its
            # dual is infeasible); the primal simplex proves unboundedness
            self.h.clearSolver()
            self.h.setOptionValue("simplex_strategy", 4)
            try:
                status = self.solve()
            finally:
                self.h.setOptionValue("simplex_strategy", 1)
        return status

    def add_cuts(self, cuts):
        """Append cuts (objects with ``idx``, ``val``, ``rhs``; meaning
        ``val @ x[idx] >= rhs``) as rows; the current basis is kept (the new
        rows' slacks enter it basic)."""
        if not cuts:
            return
        k = len(cuts)
        starts = np.concatenate([[0], np.cumsum([c.idx.size for c in cuts])[:-1]])
        self.h.addRows(k, np.array([c.rhs for c in cuts], dtype=np.float64),
                       np.full(k, highspy.kHighsInf),
                       int(sum(c.idx.size for c in cuts)),
                       starts.astype(np.int32),
                       np.concatenate([c.idx for c in cuts]).astype(np.int32),
                       np.concatenate([c.val for c in cuts]).astype(np.float64))
        self.m += k

    def delete_rows(self, rows):
        """Delete rows (indices into the current LP), e.g. slack cuts."""
        rows = np.asarray(rows, dtype=np.int32)
        if rows.size:
            self.h.deleteRows(rows.size, rows)
            self.m -= rows.size

    # -- results --------------------------------------------------------
    def primal(self):
        """Column values of the last solve."""
        return np.asarray(self.h.getSolution().col_value, dtype=np.float64)

    def solution(self):
        """``(x, row_activity, row_dual, col_dual)`` of the last solve."""
        s = self.h.getSolution()
        return (np.asarray(s.col_value, dtype=np.float64),
                np.asarray(s.row_value, dtype=np.float64),
                np.asarray(s.row_dual, dtype=np.float64),
                np.asarray(s.col_dual, dtype=np.float64))

    def snapshot(self):
        """The last solve's solution, kept apart from later solves: its
        arrays are read by :func:`solution_arrays` only when needed (turning
        HiGHS's vectors into arrays costs more than the node's own work)."""
        return self.h.getSolution()


    def get_basis(self):
        """The current basis (a :class:`highspy.HighsBasis`, cheap to keep)."""
        return self.h.getBasis()

    def set_basis(self, basis):
        """Restore a basis saved with :meth:`get_basis`."""
        # an invalid basis (from an LP HiGHS solved without the simplex)
        # would be rejected anyway; HiGHS then keeps the one it holds
        if basis is not None and basis.valid:
            self.h.setBasis(basis)

    def basis_status(self):
        """``(col_status, row_status)`` as int8 arrays (HiGHS codes: 0 lower,
        1 basic, 2 upper, 3 zero/free, 4 nonbasic)."""
        b = self.h.getBasis()
        if not b.valid or len(b.col_status) != self.n \
                or len(b.row_status) != self.m:
            # no basis: every variable reads as nonbasic at its lower bound
            return np.zeros(self.n, np.int8), np.zeros(self.m, np.int8)
        col = np.fromiter((int(s) for s in b.col_status), dtype=np.int8,
                          count=self.n)
        row = np.fromiter((int(s) for s in b.row_status), dtype=np.int8,
                          count=self.m)
        return col, row

    def strong_branch(self, j, value, iteration_limit, basis):
        """Solve both children of branching column ``j`` at ``value``.

        Returns ``(down, up)``: each a pair ``(status, objective)``. The
        column bounds and ``basis`` are restored afterwards; iterations are
        counted in :attr:`sb_iterations`.
        """
        lo, hi = self.lb[j], self.ub[j]
        out = []
        for new_lo, new_hi in ((lo, math.floor(value)), (math.ceil(value), hi)):
            self.h.changeColBounds(int(j), float(new_lo), float(new_hi))
            st = self.solve(iteration_limit=iteration_limit, strong=True)
            out.append((st, self.obj))
            self.h.changeColBounds(int(j), float(lo), float(hi))
            self.set_basis(basis)
            if st in (LP_TIME_LIMIT, LP_INTERRUPTED):
                out.append((st, self.obj))
                break
        self._set_iteration_limit(None)
        return out[0], out[1]


def solution_arrays(snap, *names):
    """Arrays ``names`` (``col_value``, ``row_value``, ``row_dual``,
    ``col_dual``) of a :meth:`LPRelaxation.snapshot`."""
    return tuple(np.asarray(getattr(snap, k), dtype=np.float64) for k in names)
