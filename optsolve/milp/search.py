"""The tree search of branch and bound over HiGHS LP relaxations.

The search (Land and Doig 1960; the design follows Achterberg's SCIP thesis,
2007): node selection with plunging (:mod:`optsolve.milp.nodesel`, the open
nodes in :class:`~optsolve.milp.tree.Tree`), pruning by bound with an
integrality-aware cutoff, incumbents from integral LP solutions and from
the heuristics (:mod:`optsolve.milp.heuristics`), root cuts
(:mod:`optsolve.milp.cuts`), node propagation, reduced-cost fixing from the
root LP, and a pluggable branching rule (:mod:`optsolve.milp.branching`).

All LP work runs in one :class:`~optsolve.milp.lp.LPRelaxation`; a node
stores only its bound changes relative to the root and its parent's basis.
What the search found is read through :meth:`Search.summary`.
"""
from __future__ import annotations

import math

import numpy as np

from optsolve._runtime import OptimizeResult, Progress
from optsolve.milp.branching import NodeState, Pseudocosts
from optsolve.milp.cuts import RootSeparator
from optsolve.milp.heuristics import Locks, SubMIPs, node_heuristics
from optsolve.milp.lp import (LP_CUTOFF, LP_ERROR, LP_INFEASIBLE,
                              LP_INTERRUPTED, LP_ITERATION_LIMIT, LP_OPTIMAL,
                              LP_TIME_LIMIT, LP_UNBOUNDED, LPRelaxation,
                              solution_arrays)
from optsolve.milp.nodesel import Node, make_selector
from optsolve.milp.propagation import Propagator
from optsolve.milp.restart import restart_due
from optsolve.milp.tree import Tree
from optsolve.milp.work import SearchSummary, Work, relative_gap

__all__ = ["Search"]

# strong branching may tighten a node and re-solve it this many times
_MAX_NODE_ROUNDS = 5


class Search:
    """Branch and bound on ``work`` (a :class:`~optsolve.milp.work.Work`)
    with the checked options ``opts``, a ``Deadline`` and an
    ``InterruptGuard``. :meth:`run` searches until the tree is closed or a
    limit is reached; :meth:`summary` says what it found. Branching rules
    see it only through :class:`~optsolve.milp.branching.NodeState`."""

    def __init__(self, work: Work, opts, deadline, guard):
        self.work = work
        self.o = opts
        self.deadline = deadline
        self.guard = guard
        self.rule = opts["branching"]
        self.tree = Tree(make_selector(opts["node_selection"]),
                         work.objective_integral)
        self.tol = opts["integrality_tolerance"]
        self.lp = LPRelaxation(work.c, work.A, work.row_lower, work.row_upper,
                               work.lb, work.ub, deadline, guard=guard)
        self.pseudocosts = Pseudocosts(work.c.size)
        self.glb = work.lb.copy()
        self.gub = work.ub.copy()
        self.incumbent = None
        self.incumbent_obj = math.inf
        self.cutoff = math.inf
        self.root_bound = -math.inf
        self.nodes = 0
        self.max_depth = 0
        self.current_lower = math.inf  # bound of the node being processed
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
        self.submip_lp_time = 0.0   # HiGHS's time in the sub-MIPs' LPs
        self._started = False
        self.restart_requested = False
        self.restarts = 0

    # -- bounds ------------------------------------------------------------
    def global_lower(self):
        """Valid lower bound on the optimum (minimisation)."""
        return self.tree.lower_bound(self.incumbent_obj, self.current_lower)

    def approx_global_lower(self):
        """:meth:`global_lower` or a recent value of it (for plunging and
        display)."""
        return self.tree.approx_lower_bound(self.incumbent_obj,
                                            self.current_lower, self.nodes)

    def _set_incumbent(self, x, obj, source):
        if obj >= self.incumbent_obj:
            return False
        self.incumbents_found += 1
        self.accept_incumbent(x, obj)
        self._reduced_cost_fixing()
        self._report(force=True, char=source)
        self._call_back("incumbent")
        return True

    def accept_incumbent(self, x, obj):
        """Make ``x`` (objective ``obj``) the incumbent and derive the
        cutoff, without telling anyone (a restart carries its incumbent)."""
        self.incumbent = x
        self.incumbent_obj = obj
        inc = obj
        # relative to the user's value (offset included), as mip_gap reports it
        tol = max(self.o["mip_abs_gap"], self.o["mip_rel_gap"] * abs(self._ext(inc)))
        cutoff = inc - tol
        if self.work.objective_integral:
            cutoff = min(cutoff, inc - 1.0 + 1e-6 * max(1.0, abs(inc)))
        # never prune a node that could hold a strictly better solution by
        # more than the requested gap
        self.cutoff = cutoff
        self.lp.set_cutoff(cutoff)

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
    def summary(self):
        """The :class:`SearchSummary` of the search so far."""
        sep = self.separator
        return SearchSummary(
            x=self.user_x(self.incumbent), objective=self.incumbent_obj,
            dual_bound=self.global_lower(), root_bound=self.root_bound,
            gap_closed=self._gap_closed(), limit=self.limit,
            dropped=self.dropped, sense=self.sense, offset=self.offset,
            nodes=self.nodes, max_depth=self.max_depth,
            lp_iterations=self.lp.iterations,
            sb_lp_iterations=self.lp.sb_iterations,
            heuristic_lp_iterations=self.heuristic_iterations,
            lp_time=self.lp.run_time + self.submip_lp_time,
            incumbents_found=self.incumbents_found,
            propagated_bounds=self.propagated,
            submip_calls=self.submips.calls,
            submip_solutions=self.submips.found,
            cuts=len(sep.cuts) if sep is not None else 0,
            cuts_added=sep.added if sep is not None else 0,
            cut_rounds=len(sep.bounds) - 1 if sep is not None else 0,
            # never an empty dict: OptimizeResult's repr fails on one
            cuts_by_family=(dict(sep.family_added) if sep is not None else
                            {f: 0 for f in self.o["cut_families"]} or None),
            cut_time=sum(sep.times.values()) if sep is not None else 0.0,
            branching=getattr(self.rule, "name", type(self.rule).__name__),
            presolve=self.presolve_stats, restarts=self.restarts)

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

    def _user_gap(self, dual):
        """The relative gap of the user's values (offset and presolve's
        constant included), as the result reports it and mip_rel_gap means."""
        if self.incumbent is None:
            return math.inf
        primal = self._ext(self.incumbent_obj)
        return relative_gap(abs(primal), abs(primal) - (self.incumbent_obj - dual))

    def _report(self, force=False, char=" "):
        if self.progress.level <= 0:
            return
        dual = self.global_lower() if force else self.approx_global_lower()
        gap = self._user_gap(dual)
        pb = self._ext(self.incumbent_obj)
        db = self._ext(dual)
        self.progress.line(self.deadline.elapsed(), self.nodes, self.tree.open_count(),
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
            mip_gap=self._user_gap(dual),
            nodes_left=self.tree.open_count(),
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
                or self._user_gap(dual) <= self.o["mip_rel_gap"])

    def run(self):
        """Process nodes until none is left, the gap closes or a limit is
        reached (``self.limit``)."""
        w = self.work
        if np.any(self.glb > self.gub):
            return
        self.progress.message(
            f"branch and bound: {w.A.shape[0]} rows, {w.c.size} columns "
            f"({w.int_cols.size} integer), {w.A.nnz} nonzeros, branching "
            f"{getattr(self.rule, 'name', type(self.rule).__name__)}")
        if not self._started:            # (a declined restart resumes)
            self._started = True
            self.tree.pending = Node(-math.inf, -math.inf, 0, np.empty(0, np.int64),
                                     np.empty(0), np.empty(0), None)
        self.restart_requested = False
        best_bound_sel = self.tree.nodesel.bound_ordered
        while True:
            if self._limits_reached():
                break
            if self.incumbent is not None and (best_bound_sel or self.nodes % 50 == 0) \
                    and self._gap_closed():
                break
            node = self.tree.pop(self.cutoff)
            if node is None:
                break
            self.current_lower = node.lower
            self._process(node)
            self.current_lower = math.inf
            if self.root_unbounded:
                return
            if node.depth == 0 and restart_due(self):
                self.restart_requested = True
                break
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
        obj = self._lp_bound(node, self._solve_lp(node, lb, ub, rnd), rnd)
        if obj is None:
            return False
        snap = lp.snapshot()
        x, = solution_arrays(snap, "col_value")
        ic = w.int_cols
        xi = x[ic]
        fi = xi - np.floor(xi)
        fracmask = (fi > self.tol) & (fi < 1.0 - self.tol)
        if node.depth == 0:
            self.root_bound = obj
            self.root_info = (obj, solution_arrays(snap, "col_dual")[0],
                              lb.copy(), ub.copy())
            self._reduced_cost_fixing()      # against a carried incumbent
        if not fracmask.any():
            y = x.copy()
            y[ic] = np.round(xi)
            if not w.feasible(y):
                y = x
            self._set_incumbent(y, float(w.c @ y), "*")
            self.tree.prune(obj)
            return False
        candidates = ic[fracmask]
        frac = fi[fracmask]
        basis = lp.get_basis()
        if self.locks is not None and rnd == 0:
            node_heuristics(self, node, x, candidates, lb, ub, basis)
            if obj >= self.cutoff:
                self.tree.prune(obj)
                return False
        state = NodeState(self, x, obj, lb, ub, candidates, frac, node.depth,
                          snap, basis)
        j, k = self._select(state)
        if rnd + 1 < _MAX_NODE_ROUNDS and state.child_bounds:
            tightened = self._domain_reductions(node, state, lb, ub)
            if tightened is None:      # both children of some column pruned
                return False
            if tightened:
                lp.set_bounds(lb, ub)
                return True
        self._branch(node, state, j, float(frac[k]), x[j], obj, basis)
        return False

    def _solve_lp(self, node, lb, ub, rnd):
        """The LP status of the node, after the root cut rounds at the root."""
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
        return status

    def _lp_bound(self, node, status, rnd):
        """The node's bound from its LP ``status``, or None when the LP ends
        the node (a limit, a failure, infeasible, cut off)."""
        if status in (LP_TIME_LIMIT, LP_INTERRUPTED):
            if rnd == 0:
                self.nodes -= 1
            node.lower = max(node.lower, self.current_lower) \
                if math.isfinite(self.current_lower) else node.lower
            self.tree.push(node)          # keep its bound in the tree
            self.limit = "time" if status == LP_TIME_LIMIT else "interrupt"
            return None
        if status == LP_UNBOUNDED and node.depth == 0:
            self.root_unbounded = True
            return None
        if status in (LP_ERROR, LP_ITERATION_LIMIT, LP_UNBOUNDED):
            self.dropped += 1
            self.tree.prune(node.lower)   # keep the bound honest
            return None
        if status == LP_INFEASIBLE:
            return None
        obj = self.lp.obj
        if status == LP_CUTOFF:
            # the gain that cut the child off is the largest kind: keeping it
            # out of the pseudocosts would bias them low (a lower estimate)
            if rnd == 0 and node.var >= 0 and math.isfinite(obj):
                self.pseudocosts.update(node.var, node.direction,
                                        obj - node.parent_obj, node.distance)
            self.tree.prune(max(obj, self.cutoff))
            return None
        if rnd == 0 and node.var >= 0:
            self.pseudocosts.update(node.var, node.direction, obj - node.parent_obj,
                                    node.distance)
        if node.depth > self.max_depth:
            self.max_depth = node.depth
        obj = max(obj, node.lower)
        self.current_lower = obj
        if obj >= self.cutoff:
            self.tree.prune(obj)
            return None
        return obj

    def _select(self, state):
        """The branching rule's column and its position among the
        candidates; a rule's wrong answer raises ValueError."""
        j = self.rule.select(state)
        try:
            j = int(j)
        except (TypeError, ValueError):
            raise ValueError(f"branching rule returned {j!r}, not a column index") from None
        k = np.flatnonzero(state.candidates == j)
        if k.size == 0:
            raise ValueError(f"branching rule returned column {j}, which is not a "
                             "fractional integer column of the node")
        return j, int(k[0])

    def _domain_reductions(self, node, state, lb, ub):
        """Fix the side of each strong-branched column whose other child is
        pruned. Returns the number of bounds changed, or None when the node
        is pruned (both children of a column pruned)."""
        changed = 0
        cut = self.cutoff
        for col, (down, up) in state.child_bounds.items():
            d_out, u_out = down >= cut, up >= cut
            if d_out and u_out:
                self.tree.prune(min(down, up))
                return None
            if d_out:
                self.tree.prune(down)
                lb[col] = math.ceil(state.x[col])
                changed += 1
            elif u_out:
                self.tree.prune(up)
                ub[col] = math.floor(state.x[col])
                changed += 1
        if changed and node.depth == 0:
            # root reductions hold for the whole problem
            np.maximum(self.glb, lb, out=self.glb)
            np.minimum(self.gub, ub, out=self.gub)
        return changed

    def _branch(self, node, state, j, f, v, obj, basis):
        # every strong-branched column splits the node into two children
        # whose bounds are proven: the smaller one bounds the whole subtree
        proved = obj
        if state.child_bounds:
            proved = max(obj, max(min(b) for b in state.child_bounds.values()))
        down_b, up_b = state.child_bounds.get(j, (proved, proved))
        down_b = max(down_b, proved)
        up_b = max(up_b, proved)
        pc = self.pseudocosts
        est_gain_dn = pc.value(j, 0) * f
        est_gain_up = pc.value(j, 1) * (1 - f)
        est_dn, est_up = self.tree.nodesel.estimates(state, obj, est_gain_dn, est_gain_up)
        children = self.tree.children(node, j, v, f, (down_b, up_b), (est_dn, est_up),
                                      state.lb, state.ub, self.glb, self.gub,
                                      basis, obj, self.cutoff)
        if children:
            self.tree.add_children(children, self.incumbent_obj,
                                   self.approx_global_lower)
