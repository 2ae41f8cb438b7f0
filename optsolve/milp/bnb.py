"""Branch and bound over HiGHS LP relaxations.

The search (Land and Doig 1960; the design follows Achterberg's SCIP thesis,
2007): best-bound node selection with depth-first plunging, pruning by bound
with an integrality-aware cutoff, incumbents from integral LP solutions and
from simple rounding and fractional diving, reduced-cost fixing from the root
LP, and a pluggable branching rule (``select(state) -> column``).

All LP work runs in one :class:`~optsolve.milp.lp.LPRelaxation`; a node
stores only its bound changes relative to the root and its parent's basis.
"""
from __future__ import annotations

import heapq
import math
import time

import numpy as np

from optsolve._runtime import (INFEASIBLE, LIMIT, OTHER, STATUS_MESSAGES,
                               SUCCESS, UNBOUNDED, Deadline, InterruptGuard,
                               OptimizeResult, Progress)
from optsolve.milp import _kernels
from optsolve.milp.branching import NodeState, Pseudocosts, make_rule
from optsolve.milp.cuts import RootSeparator
from optsolve.milp.propagation import Propagator
from optsolve.milp.nodesel import Node, make_selector
from optsolve.milp.heuristics import (Locks, SubMIPs, fractional_diving,
                                     simple_rounding)
from optsolve.milp.lp import (LP_CUTOFF, LP_ERROR, LP_INFEASIBLE,
                              LP_INTERRUPTED, LP_ITERATION_LIMIT, LP_OPTIMAL,
                              LP_TIME_LIMIT, LP_UNBOUNDED, LPRelaxation)
from optsolve.milp.options import OPTIONS, options_iv
from optsolve.milp.presolve import presolve
from optsolve.milp.problem import Problem

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
_MAX_NODE_ROUNDS = 5


def _gap(primal, dual):
    """HiGHS's relative gap |primal - dual| / |primal| (inf without primal)."""
    if not math.isfinite(primal):
        return math.inf
    diff = max(0.0, primal - dual)
    if diff == 0:
        return 0.0
    return diff / abs(primal) if primal != 0 else math.inf


class _Work:
    """The minimisation form the search works on."""

    def __init__(self, p: Problem):
        self.c = p.c if p.sense == "minimize" else -p.c
        self.A = p.A
        self.row_lower = p.row_lower
        self.row_upper = p.row_upper
        integ = p.is_integer
        self.integrality = p.integrality
        self.is_integer = integ
        lb = p.lb.copy()
        ub = p.ub.copy()
        lb[integ] = np.ceil(lb[integ] - 1e-9)
        ub[integ] = np.floor(ub[integ] + 1e-9)
        self.lb = lb
        self.ub = ub
        self.int_cols = np.flatnonzero(integ)
        ci = self.c[integ]
        self.objective_integral = bool(
            self.int_cols.size and np.all(self.c[~integ] == 0)
            and np.all(ci == np.round(ci)))

    def feasible(self, x, tol=1e-6):
        if np.any(x < self.lb - tol) or np.any(x > self.ub + tol):
            return False
        act = self.A @ x
        scale = 1.0 + np.abs(act)
        return bool(np.all(act >= self.row_lower - tol * scale)
                    and np.all(act <= self.row_upper + tol * scale))


class _Search:
    def __init__(self, work: _Work, opts, deadline, guard):
        self.work = work
        self.o = opts
        self.deadline = deadline
        self.guard = guard
        self.rule = opts["branching"]
        self.nodesel = make_selector(opts["node_selection"])
        self.tol = opts["integrality_tolerance"]
        self.lp = LPRelaxation(work.c, work.A, work.row_lower, work.row_upper,
                               work.lb, work.ub, deadline, guard=guard)
        self.pseudocosts = Pseudocosts(work.c.size)
        self.glb = work.lb.copy()
        self.gub = work.ub.copy()
        self.incumbent = None
        self.incumbent_obj = math.inf
        self.cutoff = math.inf
        self.pruned_bound = math.inf
        self.root_bound = -math.inf
        self.nodes = 0
        self.max_depth = 0
        self.heap = []
        self.pending = None          # plunge child to process next
        self.current_lower = math.inf  # bound of the node being processed
        self._lower_cache = None
        self.counter = 0
        self.incumbents_found = 0
        self.heuristic_iterations = 0
        self.dropped = 0
        self.limit = None
        self.root_info = None
        self.root_unbounded = False
        self.separator = None
        self.propagator = Propagator(work.A, work.row_lower, work.row_upper,
                                     work.is_integer) if opts["propagation"] else None
        self.propagated = 0
        self.callback = opts["callback"]
        self.locks = Locks(work.A, work.row_lower, work.row_upper) \
            if opts["heuristics"] else None
        self.progress = Progress(
            opts["disp"],
            [("time", "{:>7.1f}s"), ("nodes", "{:>8d}"), ("left", "{:>7d}"),
             ("depth", "{:>5d}"), ("LP iter", "{:>9d}"),
             ("dual bound", "{:>14.6e}"), ("primal bound", "{:>14.6e}"),
             ("gap", "{:>8s}")],
            interval=opts["display_interval"])
        self.sense = 1.0
        self.offset = 0.0
        self.postsolve = None        # reduced x -> the user's x
        self.presolve_stats = None
        self.submips = SubMIPs(work.int_cols, self.tol)
        self.submip_nodes = 0

    # -- bounds and the tree -------------------------------------------
    def _open_count(self):
        return len(self.heap) + (self.pending is not None)

    def approx_global_lower(self):
        """global_lower, recomputed at most every 100 nodes unless the heap
        is ordered by bound (plunging and display only need an estimate)."""
        if self.nodesel.bound_ordered:
            return self.global_lower()
        if self._lower_cache is None or self.nodes - self._lower_cache[0] >= 100:
            self._lower_cache = (self.nodes, self.global_lower())
        return self._lower_cache[1]

    def global_lower(self):
        """Valid lower bound on the optimum (minimisation)."""
        b = min(self.pruned_bound, self.incumbent_obj, self.current_lower)
        if self.pending is not None:
            b = min(b, self.pending.lower)
        if self.heap:
            if self.nodesel.bound_ordered:
                b = min(b, self.heap[0][0])
            else:
                b = min(b, min(item[-1].lower for item in self.heap))
        if self.work.objective_integral and math.isfinite(b):
            b = math.ceil(b - 1e-9 * max(1.0, abs(b)))
        return b

    def _push(self, node):
        self.counter += 1
        heapq.heappush(self.heap, self.nodesel.key(node) + (self.counter, node))

    def _prune(self, lower):
        if self.work.objective_integral and math.isfinite(lower):
            lower = math.ceil(lower - 1e-9 * max(1.0, abs(lower)))
        if lower < self.pruned_bound:
            self.pruned_bound = lower

    def _next_node(self):
        while True:
            if self.pending is not None:
                node, self.pending = self.pending, None
            elif self.heap:
                node = heapq.heappop(self.heap)[-1]
            else:
                return None
            if node.lower >= self.cutoff:
                self._prune(node.lower)
                continue
            return node

    def _set_incumbent(self, x, obj, source):
        if obj >= self.incumbent_obj:
            return False
        self.incumbent = x
        self.incumbent_obj = obj
        self.incumbents_found += 1
        inc = obj
        tol = max(self.o["mip_abs_gap"], self.o["mip_rel_gap"] * abs(inc))
        cutoff = inc - tol
        if self.work.objective_integral:
            cutoff = min(cutoff, inc - 1.0 + 1e-6 * max(1.0, abs(inc)))
        # never prune a node that could hold a strictly better solution by
        # more than the requested gap
        self.cutoff = cutoff
        self.lp.set_cutoff(cutoff)
        self._reduced_cost_fixing()
        self._report(force=True, char=source)
        self._call_back("incumbent")
        return True

    def _reduced_cost_fixing(self):
        """Tighten integer bounds globally with the root LP's reduced costs."""
        if self.root_info is None or not math.isfinite(self.incumbent_obj):
            return
        z, d, lb0, ub0 = self.root_info
        room = self.incumbent_obj - z
        if room < 0:
            return
        ic = self.work.int_cols
        dd = d[ic]
        with np.errstate(divide="ignore", invalid="ignore"):
            at_lo = (dd > 1e-7) & np.isfinite(lb0[ic])
            new_ub = lb0[ic] + np.floor(room / np.where(at_lo, dd, 1.0) + 1e-9)
            at_hi = (dd < -1e-7) & np.isfinite(ub0[ic])
            new_lb = ub0[ic] - np.floor(room / np.where(at_hi, -dd, 1.0) + 1e-9)
        cols = ic[at_lo]
        self.gub[cols] = np.minimum(self.gub[cols], new_ub[at_lo])
        cols = ic[at_hi]
        self.glb[cols] = np.maximum(self.glb[cols], new_lb[at_hi])

    # -- output -----------------------------------------------------------
    def user_x(self, x):
        """A copy of ``x`` in the user's columns (None stays None)."""
        if x is None:
            return None
        return self.postsolve(x) if self.postsolve is not None else x.copy()

    def _ext(self, v):
        """Internal objective -> user's sense with offset."""
        if v is None or not math.isfinite(v):
            return None if v is None else self.sense * v
        return self.sense * v + self.offset

    def _report(self, force=False, char=" "):
        if self.progress.level <= 0:
            return
        dual = self.global_lower() if force else self.approx_global_lower()
        gap = _gap(self.incumbent_obj, dual)
        pb = self._ext(self.incumbent_obj)
        db = self._ext(dual)
        self.progress.line(self.deadline.elapsed(), self.nodes, self._open_count(),
                           self.max_depth, self.lp.iterations,
                           db if db is not None else math.nan,
                           pb if pb is not None else math.inf,
                           f"{100 * gap:.2f}%" if math.isfinite(gap) else "inf",
                           force=force)

    def _call_back(self, event):
        if self.callback is None:
            return
        dual = self.global_lower()
        res = OptimizeResult(
            x=self.user_x(self.incumbent),
            fun=self._ext(self.incumbent_obj) if self.incumbent is not None else None,
            mip_node_count=self.nodes,
            mip_dual_bound=self._ext(dual),
            mip_gap=_gap(self.incumbent_obj, dual),
            nodes_left=self._open_count(),
            lp_iterations=self.lp.iterations,
            time=self.deadline.elapsed(),
            event=event)
        if self.callback(res):
            self.limit = "callback"

    def should_stop_early(self):
        return self.deadline.expired() or self.guard.interrupted

    # -- strong branching ------------------------------------------------
    def strong_branch(self, state, j, iteration_limit):
        return self.lp.strong_branch(j, state.x[j], iteration_limit, state.basis)

    # -- the main loop ---------------------------------------------------
    def _limits_reached(self):
        if self.limit is not None:
            return True
        if self.guard.interrupted:
            self.limit = "interrupt"
        elif self.deadline.expired():
            self.limit = "time"
        elif self.o["node_limit"] is not None and self.nodes >= self.o["node_limit"]:
            self.limit = "node"
        return self.limit is not None

    def _gap_closed(self):
        if self.incumbent is None:
            return False
        dual = self.global_lower()
        return (self.incumbent_obj - dual <= self.o["mip_abs_gap"]
                or _gap(self.incumbent_obj, dual) <= self.o["mip_rel_gap"])

    def run(self):
        w = self.work
        if np.any(self.glb > self.gub):
            return
        self.progress.message(
            f"branch and bound: {w.A.shape[0]} rows, {w.c.size} columns "
            f"({w.int_cols.size} integer), {w.A.nnz} nonzeros, branching "
            f"{getattr(self.rule, 'name', type(self.rule).__name__)}")
        self.pending = Node(-math.inf, -math.inf, 0, np.empty(0, np.int64),
                             np.empty(0), np.empty(0), None)
        best_bound_sel = self.nodesel.bound_ordered
        while True:
            if self._limits_reached():
                break
            if self.incumbent is not None and (best_bound_sel or self.nodes % 50 == 0) \
                    and self._gap_closed():
                break
            node = self._next_node()
            if node is None:
                break
            self.current_lower = node.lower
            self._process(node)
            self.current_lower = math.inf
            if self.root_unbounded:
                return
            if self.nodes % self.o["callback_interval"] == 0:
                self._call_back("nodes")
            self._report()

    def _process(self, node):
        lb = self.glb.copy()
        ub = self.gub.copy()
        if node.idx.size:
            lb[node.idx] = np.maximum(lb[node.idx], node.lo)
            ub[node.idx] = np.minimum(ub[node.idx], node.hi)
            if np.any(lb[node.idx] > ub[node.idx]):
                return
        if self.propagator is not None:
            if node.var >= 0 and not self.o.get("_kernels", True):
                k = 0                  # no node propagation without its kernel
            elif node.var >= 0:    # only the rows the branching column touches
                k = self.propagator.propagate_from(lb, ub, (node.var,))
            else:
                k = self.propagator.propagate(lb, ub)
            if k < 0:
                self.nodes += 1        # proved infeasible without an LP
                return
            self.propagated += k
            if k and node.depth == 0:
                self.glb[:] = lb
                self.gub[:] = ub
        self.lp.set_bounds(lb, ub)
        if node.basis is not None:
            self.lp.set_basis(node.basis)
        self.nodes += 1
        # strong branching may prove children infeasible: tighten the node's
        # bounds and re-solve its LP (SCIP's domain reductions), a few rounds
        for rnd in range(_MAX_NODE_ROUNDS):
            if not self._solve_node(node, lb, ub, rnd):
                return

    def _solve_node(self, node, lb, ub, rnd):
        """One LP solve of ``node`` at bounds ``lb``, ``ub``; branches or
        prunes and returns False, or returns True after tightening the bounds
        (in place) from strong-branching results."""
        w, lp = self.work, self.lp
        status = lp.solve()
        if status in (LP_ERROR, LP_ITERATION_LIMIT):
            status = lp.solve_robust()
        if (status == LP_OPTIMAL and node.depth == 0 and rnd == 0
                and self.o["cuts"] and self.o["cut_rounds"] and self.o["cut_families"]
                and w.int_cols.size):
            self.separator = RootSeparator(lp, w.A, w.row_lower, w.row_upper,
                                           w.is_integer, self.o["cut_rounds"],
                                           tol=self.tol,
                                           families=self.o["cut_families"])
            status = self.separator.run(lb, ub, LP_OPTIMAL,
                                        stop=self.should_stop_early)
            if status in (LP_ERROR, LP_ITERATION_LIMIT):
                status = lp.solve_robust()
        if status in (LP_TIME_LIMIT, LP_INTERRUPTED):
            if rnd == 0:
                self.nodes -= 1
            node.lower = max(node.lower, self.current_lower) \
                if math.isfinite(self.current_lower) else node.lower
            self._push(node)          # keep its bound in the tree
            self.limit = "time" if status == LP_TIME_LIMIT else "interrupt"
            return False
        if status == LP_UNBOUNDED and node.depth == 0:
            self.root_unbounded = True
            return False
        if status in (LP_ERROR, LP_ITERATION_LIMIT, LP_UNBOUNDED):
            self.dropped += 1
            self._prune(node.lower)   # keep the bound honest
            return False
        if status == LP_INFEASIBLE:
            return False
        obj = lp.obj
        if status == LP_CUTOFF:
            # the gain that cut the child off is the largest kind: keeping it
            # out of the pseudocosts would bias them low (a lower estimate)
            if rnd == 0 and node.var >= 0 and math.isfinite(obj):
                self.pseudocosts.update(node.var, node.direction,
                                        obj - node.parent_obj, node.distance)
            self._prune(max(obj, self.cutoff))
            return False
        if rnd == 0 and node.var >= 0:
            self.pseudocosts.update(node.var, node.direction, obj - node.parent_obj,
                                    node.distance)
        if node.depth > self.max_depth:
            self.max_depth = node.depth
        obj = max(obj, node.lower)
        self.current_lower = obj
        if obj >= self.cutoff:
            self._prune(obj)
            return False
        x, act, rdual, cdual = lp.solution()
        ic = w.int_cols
        xi = x[ic]
        fi = xi - np.floor(xi)
        fracmask = (fi > self.tol) & (fi < 1.0 - self.tol)
        if node.depth == 0:
            self.root_bound = obj
            self.root_info = (obj, cdual.copy(), lb.copy(), ub.copy())
        if not fracmask.any():
            y = x.copy()
            y[ic] = np.round(xi)
            if not w.feasible(y):
                y = x
            self._set_incumbent(y, float(w.c @ y), "*")
            self._prune(obj)
            return False
        candidates = ic[fracmask]
        frac = fi[fracmask]
        basis = lp.get_basis()
        if self.locks is not None and rnd == 0:
            self._heuristics(node, x, obj, candidates, lb, ub, basis)
            if obj >= self.cutoff:
                self._prune(obj)
                return False
        m = w.A.shape[0]           # cut rows are not shown to the rules
        state = NodeState(self, x, obj, lb, ub, candidates, frac, node.depth,
                          act[:m], rdual[:m], cdual, basis)
        j = self.rule.select(state)
        try:
            j = int(j)
        except (TypeError, ValueError):
            raise ValueError(f"branching rule returned {j!r}, not a column index") from None
        k = np.flatnonzero(candidates == j)
        if k.size == 0:
            raise ValueError(f"branching rule returned column {j}, which is not a "
                             "fractional integer column of the node")
        if rnd + 1 < _MAX_NODE_ROUNDS and state.child_bounds:
            tightened = self._domain_reductions(node, state, lb, ub)
            if tightened is None:      # both children of some column pruned
                return False
            if tightened:
                lp.set_bounds(lb, ub)
                return True
        k = int(k[0])
        self._branch(node, state, j, float(frac[k]), x[j], obj, basis)
        return False

    def _domain_reductions(self, node, state, lb, ub):
        """Fix the side of each strong-branched column whose other child is
        pruned. Returns the number of bounds changed, or None when the node
        is pruned (both children of a column pruned)."""
        changed = 0
        cut = self.cutoff
        for col, (down, up) in state.child_bounds.items():
            d_out, u_out = down >= cut, up >= cut
            if d_out and u_out:
                self._prune(min(down, up))
                return None
            if d_out:
                self._prune(down)
                lb[col] = math.ceil(state.x[col])
                changed += 1
            elif u_out:
                self._prune(up)
                ub[col] = math.floor(state.x[col])
                changed += 1
        if changed and node.depth == 0:
            # root reductions hold for the whole problem
            np.maximum(self.glb, lb, out=self.glb)
            np.minimum(self.gub, ub, out=self.gub)
        return changed

    def _heuristics(self, node, x, obj, candidates, lb, ub, basis):
        w = self.work
        y = simple_rounding(x, candidates, self.locks, w.is_integer)
        if y is not None and w.feasible(y):
            self._set_incumbent(y, float(w.c @ y), "r")
        freq = self.o["dive_frequency"]
        dive = node.depth == 0 or (freq and self.nodes % freq == 0)
        budget = 0.05 * self.lp.iterations + 1000 - self.heuristic_iterations
        if dive and budget > 0:
            before = self.lp.iterations
            out = fractional_diving(self.lp, x, lb, ub, w.int_cols, self.tol,
                                    self.cutoff, budget)
            used = self.lp.iterations - before
            self.heuristic_iterations += used
            self.lp.iterations -= used
            self.lp.set_bounds(lb, ub)
            self.lp.set_basis(basis)
            if out is not None:
                z = out[0].copy()
                z[w.int_cols] = np.round(z[w.int_cols])
                if not w.feasible(z):
                    z = out[0]
                self._set_incumbent(z, float(w.c @ z), "d")
        if self.o["submip"]:       # its own HiGHS object: this LP is untouched
            self._sub_mip_heuristics(node, x, lb, ub)

    def _sub_mip_heuristics(self, node, x, lb, ub):
        z, char = self.submips.run(node.depth, self.nodes, x, lb, ub,
                                   self.incumbent, self._sub_mip)
        if z is not None:
            self._set_incumbent(z, float(self.work.c @ z), char)

    def _sub_mip(self, lb, ub, node_limit):
        """Branch and bound (no cuts, no sub-MIPs of its own) on the problem
        restricted to ``lb``, ``ub`` with the search's cutoff. Returns
        whether it ran (presolve may prove the restriction infeasible) and
        a feasible solution better than the incumbent, or None."""
        w = self.work
        sub = Problem(w.c, w.A, w.row_lower, w.row_upper, np.minimum(lb, ub), ub,
                      w.integrality)
        pre = presolve(sub)
        if pre.problem is None:
            return False, None
        o = dict(self.o)
        o.update(cuts=False, submip=False, node_limit=node_limit, callback=None,
                 disp=False, branching=make_rule("relpscost"))
        s = _Search(_Work(pre.problem), o, self.deadline, self.guard)
        s.offset = pre.problem.offset
        if math.isfinite(self.cutoff):
            s.cutoff = self.cutoff - s.offset
            s.lp.set_cutoff(s.cutoff)
        s.run()
        self.submip_nodes += s.nodes
        self.heuristic_iterations += s.lp.iterations + s.lp.sb_iterations \
            + s.heuristic_iterations
        if s.incumbent is None:
            return True, None
        z = pre.postsolve(s.incumbent)
        if not w.feasible(z) or float(w.c @ z) >= self.incumbent_obj:
            return True, None
        return True, z

    def _branch(self, node, state, j, f, v, obj, basis):
        # every strong-branched column splits the node into two children
        # whose bounds are proven: the smaller one bounds the whole subtree
        proved = obj
        if state.child_bounds:
            proved = max(obj, max(min(b) for b in state.child_bounds.values()))
        down_b, up_b = state.child_bounds.get(j, (proved, proved))
        down_b = max(down_b, proved)
        up_b = max(up_b, proved)
        pc_down, pc_up = self.pseudocosts.values(np.array([j]))
        est_gain_dn = float(pc_down[0]) * f
        est_gain_up = float(pc_up[0]) * (1 - f)
        est_dn, est_up = self.nodesel.estimates(state, obj, est_gain_dn, est_gain_up)
        children = []
        lb, ub = state.lb, state.ub
        moved = np.flatnonzero((lb != self.glb) | (ub != self.gub))
        pos = np.flatnonzero(moved == j)
        for direction, bound, est in ((0, down_b, est_dn), (1, up_b, est_up)):
            if bound >= self.cutoff:
                self._prune(bound)
                continue
            if pos.size:
                idx = moved
                p = int(pos[0])
            else:
                idx = np.append(moved, j)
                p = -1
            lo = lb[idx]
            hi = ub[idx]
            if direction == 0:
                hi[p] = math.floor(v)
            else:
                lo[p] = math.ceil(v)
            children.append(Node(bound, est, node.depth + 1, idx, lo, hi, basis,
                                 j, direction, f if direction == 0 else 1 - f,
                                 obj))
        if not children:
            return
        children = self.nodesel.order(children)
        if not self.nodesel.plunging:
            for c in children:
                self._push(c)
            return
        first = children[0]
        limit = math.inf
        if self.incumbent is not None:
            best = min(self.approx_global_lower(), first.lower)
            limit = best + 0.25 * (self.incumbent_obj - best)
        if first.estimate <= limit or first.lower <= limit:
            first.basis = None       # the LP already holds the parent's basis
            self.pending = first
            rest = children[1:]
        else:
            rest = children
        for c in rest:
            self._push(c)


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
        work = _Work(reduced)
        sense = 1.0 if problem.sense == "minimize" else -1.0
        search = _Search(work, o, deadline, guard)
        search.sense, search.offset = sense, reduced.offset
        if pre is not None:
            search.postsolve = pre.postsolve
            search.presolve_stats = pre.stats
        if pre is None or pre.problem is not None:
            search.run()
        if search.root_unbounded:
            return _unbounded_or_infeasible(problem, o, deadline, search)
    return _result(problem, search, deadline)


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
    res = _result(problem, search, deadline)
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


def _result(problem, search, deadline):
    elapsed = deadline.elapsed()
    inc = search.incumbent
    dual = search.global_lower()
    if search.limit is None:
        # the tree is exhausted or the gap closed
        if inc is not None:
            if search.dropped and not search._gap_closed():
                status = OTHER
                message = (f"The LP relaxation failed at {search.dropped} nodes; "
                           "the solution may not be optimal.")
            else:
                status, message = SUCCESS, MESSAGES[SUCCESS]
        elif search.dropped:
            status = OTHER
            message = (f"The LP relaxation failed at {search.dropped} nodes; "
                       "no feasible solution was found.")
        else:
            status, message = INFEASIBLE, MESSAGES[INFEASIBLE]
    else:
        status = LIMIT
        message = MESSAGES.get(search.limit, STATUS_MESSAGES[LIMIT])
        if inc is None:
            message += " No feasible solution found."
    sense = search.sense
    offset = search.offset           # the reduced problem's offset
    x = fun = dual_ext = gap = nodes = None
    if inc is not None:
        if status == SUCCESS:
            # a closed tree proves the incumbent optimal within the gaps
            dual = min(max(dual, search.root_bound), search.incumbent_obj)
        x = search.user_x(inc) + 0.0  # -0.0 (from rounding negatives) -> 0.0
        fun = problem.objective(x)
        nodes = search.nodes
        if dual >= search.incumbent_obj:
            dual_ext, gap = fun, 0.0     # closed: equal to the last bit
        elif math.isfinite(dual):
            dual_ext = sense * dual + offset
            # the bound never passes the answer (rounding in the offset)
            dual_ext = min(dual_ext, fun) if sense > 0 else max(dual_ext, fun)
            gap = _reported_gap(fun, dual_ext, sense)
        else:
            dual_ext, gap = sense * dual, math.inf
    search.progress.message(
        f"{message} Nodes {search.nodes}, LP iterations {search.lp.iterations} "
        f"(+{search.lp.sb_iterations} strong branching, "
        f"+{search.heuristic_iterations} heuristics), time {elapsed:.2f}s, "
        f"primal {fun}, dual {dual_ext}, gap "
        f"{'-' if gap is None else f'{100 * gap:.4f}%'}")
    return OptimizeResult(
        x=x, fun=fun, status=status, success=status == SUCCESS, message=message,
        mip_node_count=nodes, mip_dual_bound=dual_ext, mip_gap=gap,
        limit=search.limit, nodes=search.nodes,
        lp_iterations=search.lp.iterations,
        sb_lp_iterations=search.lp.sb_iterations,
        heuristic_lp_iterations=search.heuristic_iterations,
        max_depth=search.max_depth,
        nodes_per_second=search.nodes / elapsed if elapsed > 0 else math.inf,
        time=elapsed,
        root_bound=(sense * search.root_bound + offset
                    if math.isfinite(search.root_bound) else None),
        incumbents_found=search.incumbents_found,
        propagated_bounds=search.propagated,
        submip_calls=search.submips.calls,
        submip_solutions=search.submips.found,
        cuts=len(search.separator.cuts) if search.separator is not None else 0,
        cuts_added=search.separator.added if search.separator is not None else 0,
        cut_rounds=(len(search.separator.bounds) - 1
                    if search.separator is not None else 0),
        # never an empty dict: OptimizeResult's repr fails on one
        cuts_by_family=(dict(search.separator.family_added)
                        if search.separator is not None else
                        {f: 0 for f in search.o["cut_families"]} or None),
        cut_time=(sum(search.separator.times.values())
                  if search.separator is not None else 0.0),
        branching=getattr(search.rule, "name", type(search.rule).__name__),
        presolve=search.presolve_stats,
    )
