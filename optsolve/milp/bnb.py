"""``solve_problem``: presolve, the tree search, the result.

The search itself is :class:`optsolve.milp.search.Search`; this module
runs it on the presolved problem and turns its
:class:`~optsolve.milp.search.SearchSummary` into scipy's result fields.
"""
from __future__ import annotations

import math
import time

import numpy as np

from optsolve._runtime import (INFEASIBLE, LIMIT, OTHER, STATUS_MESSAGES,
                               SUCCESS, UNBOUNDED, Deadline, InterruptGuard,
                               OptimizeResult)
from optsolve.milp import _kernels
from optsolve.milp.options import OPTIONS, options_iv
from optsolve.milp.presolve import presolve
from optsolve.milp.problem import Problem
from optsolve.milp.restart import restart
from optsolve.milp.search import Search
from optsolve.milp.work import Work

__all__ = ["OPTIONS", "MESSAGES", "solve_problem", "options_iv",
           "empty_domain_result"]

#: Result messages as :func:`scipy.optimize.milp` words them, with the HiGHS
#: model status of the same meaning (keys: status codes and ``limit``s).
MESSAGES = {
    SUCCESS: "Optimization terminated successfully. (HiGHS Status 7: Optimal)",
    INFEASIBLE: "The problem is infeasible. (HiGHS Status 8: Infeasible)",
    UNBOUNDED: "The problem is unbounded. (HiGHS Status 10: Unbounded)",
    "time": "Time limit reached. (HiGHS Status 13: Time limit reached)",
    "node": "Iteration limit reached. (HiGHS Status 14: Node limit reached)",
    "interrupt": "Interrupted. (HiGHS Status 17: Interrupted by Ctrl-C)",
    "callback": "Interrupted. (HiGHS Status 17: Stopped by the callback)",
}


def solve_problem(problem: Problem, options=None, *, start=None):
    """Branch and bound on a :class:`Problem`; see :func:`optsolve.milp`.

    ``start`` is the :func:`time.perf_counter` reading at which the user's
    call began: the time limit counts from it (default: now)."""
    # Ctrl-C is a flag from the first line on: presolve and the first call's
    # kernel loading end with the interrupt status, never a traceback
    with InterruptGuard() as guard:
        if not isinstance(problem, Problem):
            raise ValueError("`problem` must be an optsolve.milp.Problem")
        o = options_iv(options)
        deadline = Deadline(o["time_limit"])
        if start is not None:
            deadline.start = start
        stop = lambda: guard.interrupted or deadline.expired()  # noqa: E731
        _use_kernels(o, guard)
        pre = presolve(problem, stop=stop) if o["presolve"] else None
        reduced = problem if pre is None else pre.problem
        if reduced is None:              # presolve proved infeasibility
            reduced = problem
        work = Work(reduced)
        sense = 1.0 if problem.sense == "minimize" else -1.0
        search = Search(work, o, deadline, guard)
        search.sense, search.offset = sense, reduced.offset
        if pre is not None:
            search.postsolve = pre.postsolve
            search.presolve_stats = pre.stats
        if pre is None or pre.problem is not None:
            search.run()
        if search.restart_requested:
            again = restart(search, reduced, stop)
            if again is None:            # declined: go on with the tree
                search.run()
            else:
                search = again
        if search.root_unbounded:
            return _unbounded_or_infeasible(problem, o, deadline, search)
    return _result(problem, search.summary(), deadline.elapsed(), search.progress)


def _use_kernels(o, guard):
    """Node propagation and c-MIR need Numba kernels, whose first load in a
    process is long: a run with a time limit waits for them a tenth of it at
    most, then goes without them (see :mod:`optsolve.milp._kernels`)."""
    if not (o["propagation"] or (o["cuts"] and "mir" in o["cut_families"])):
        return
    tl = o["time_limit"]
    o["_kernels"] = _kernels.wait(lambda: guard.interrupted,
                                  None if tl is None else 0.1 * tl)
    if not o["_kernels"]:
        o["cut_families"] = tuple(f for f in o["cut_families"] if f != "mir")


def _unbounded_or_infeasible(problem, o, deadline, search):
    """The root LP is unbounded: the MILP is unbounded iff it is feasible
    (Meyer 1974, rational data). Decide feasibility with a zero objective."""
    feas = problem.copy()
    feas.c = np.zeros_like(problem.c)
    fo = dict(o)
    fo["time_limit"] = deadline.remaining() if deadline.limit is not None else None
    fo["callback"] = None
    fo["disp"] = False
    fo = {k: v for k, v in fo.items() if k in OPTIONS}
    inner = solve_problem(feas, fo)
    res = _result(problem, search.summary(), deadline.elapsed(), search.progress)
    res.x = res.fun = res.mip_dual_bound = res.mip_gap = None
    res.mip_node_count = None
    if inner.status == SUCCESS:
        res.status, res.message = UNBOUNDED, MESSAGES[UNBOUNDED]
    elif inner.status == INFEASIBLE:
        res.status, res.message = INFEASIBLE, MESSAGES[INFEASIBLE]
    else:
        res.status = inner.status
        res.limit = inner.limit
        res.message = ("The LP relaxation is unbounded; deciding feasibility "
                       "stopped early: " + inner.message)
    res.success = False
    res.nodes = search.nodes + inner.nodes
    return res


def empty_domain_result(start):
    """The answer for bounds no point satisfies by their values (``lb`` of
    ``+inf``, ``ub`` of ``-inf``): infeasible, as scipy reports it."""
    elapsed = time.perf_counter() - start
    return OptimizeResult(
        x=None, fun=None, status=INFEASIBLE, success=False,
        message=MESSAGES[INFEASIBLE] + " A lower bound is +inf or an upper "
        "bound -inf.", mip_node_count=None, mip_dual_bound=None, mip_gap=None,
        limit=None, nodes=0, time=elapsed)


def _reported_gap(fun, dual, sense):
    """HiGHS's |primal - dual| / |primal| on the values reported to the user
    (so that ``mip_gap == (fun - mip_dual_bound) / fun`` holds exactly, as
    scipy documents)."""
    diff = sense * (fun - dual)
    if diff <= 0:
        return 0.0
    return diff / abs(fun) if fun != 0 else math.inf


def _status(s):
    """Status, message of a search's summary ``s``."""
    if s.limit is not None:
        message = MESSAGES.get(s.limit, STATUS_MESSAGES[LIMIT])
        if s.x is None:
            message += " No feasible solution found."
        return LIMIT, message
    # the tree is exhausted or the gap closed
    if s.dropped and not (s.x is not None and s.gap_closed):
        found = ("the solution may not be optimal." if s.x is not None
                 else "no feasible solution was found.")
        return OTHER, f"The LP relaxation failed at {s.dropped} nodes; {found}"
    if s.x is not None:
        return SUCCESS, MESSAGES[SUCCESS]
    return INFEASIBLE, MESSAGES[INFEASIBLE]


def _user_bounds(problem, s, status, x):
    """``fun, mip_dual_bound, mip_gap`` of ``x`` in the user's sense and
    offset."""
    fun = problem.objective(x)
    dual = s.dual_bound
    if status == SUCCESS:
        # a closed tree proves the incumbent optimal within the gaps
        dual = min(max(dual, s.root_bound), s.objective)
    if dual >= s.objective:
        return fun, fun, 0.0         # closed: equal to the last bit
    if math.isfinite(dual):
        dual_ext = s.sense * dual + s.offset
        # the bound never passes the answer (rounding in the offset)
        dual_ext = min(dual_ext, fun) if s.sense > 0 else max(dual_ext, fun)
        return fun, dual_ext, _reported_gap(fun, dual_ext, s.sense)
    return fun, s.sense * dual, math.inf


def _result(problem, s, elapsed, progress):
    """The :class:`OptimizeResult` of a :class:`SearchSummary` ``s``."""
    status, message = _status(s)
    x = fun = dual_ext = gap = nodes = None
    if s.x is not None:
        x = s.x + 0.0                # -0.0 (from rounding negatives) -> 0.0
        fun, dual_ext, gap = _user_bounds(problem, s, status, x)
        nodes = s.nodes
    progress.message(
        f"{message} Nodes {s.nodes}, LP iterations {s.lp_iterations} "
        f"(+{s.sb_lp_iterations} strong branching, "
        f"+{s.heuristic_lp_iterations} heuristics), time {elapsed:.2f}s, "
        f"primal {fun}, dual {dual_ext}, gap "
        f"{'-' if gap is None else f'{100 * gap:.4f}%'}")
    return OptimizeResult(
        x=x, fun=fun, status=status, success=status == SUCCESS, message=message,
        mip_node_count=nodes, mip_dual_bound=dual_ext, mip_gap=gap,
        limit=s.limit, nodes=s.nodes, lp_iterations=s.lp_iterations,
        sb_lp_iterations=s.sb_lp_iterations,
        heuristic_lp_iterations=s.heuristic_lp_iterations,
        max_depth=s.max_depth, lp_time=s.lp_time,
        nodes_per_second=s.nodes / elapsed if elapsed > 0 else math.inf,
        time=elapsed,
        root_bound=(s.sense * s.root_bound + s.offset
                    if math.isfinite(s.root_bound) else None),
        incumbents_found=s.incumbents_found,
        propagated_bounds=s.propagated_bounds,
        submip_calls=s.submip_calls, submip_solutions=s.submip_solutions,
        cuts=s.cuts, cuts_added=s.cuts_added, cut_rounds=s.cut_rounds,
        cuts_by_family=s.cuts_by_family, cut_time=s.cut_time,
        branching=s.branching, presolve=s.presolve, restarts=s.restarts)
