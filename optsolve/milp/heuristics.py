"""Primal heuristics: simple rounding, fractional diving, RENS and RINS.

* Simple rounding (SCIP's ``simplerounding``): round every fractional
  integer column in a direction in which no row can become violated (its
  *locks* in that direction are zero). Never breaks feasibility, costs one
  pass over the candidates.
* Fractional diving: from a node's LP solution, repeatedly bound the
  least-fractional column to its nearest integer and re-solve the LP (warm),
  backtracking once on infeasibility, until the LP solution is integral or
  the dive fails. Its LP iterations are capped relative to the search's.
* Sub-MIPs (:class:`SubMIPs`): RENS at the root (Berthold 2014: integral LP
  values fixed, fractional ones restricted to their two roundings) and RINS
  in the tree (Danna, Rothberg and Le Pape 2005: the integer columns on
  which the LP and the incumbent agree fixed), each a small branch and
  bound that the search runs for them.

:func:`node_heuristics` runs them at a node of a
:class:`~optsolve.milp.search.Search`.
"""
from __future__ import annotations

import math

import numpy as np

from optsolve.milp.lp import LP_OPTIMAL
from optsolve.milp.presolve import presolve
from optsolve.milp.problem import Problem
from optsolve.milp.work import Work

__all__ = ["Locks", "simple_rounding", "fractional_diving", "SubMIPs",
           "node_heuristics"]

# sub-MIPs: node limits, the share of integer columns that must be fixed,
# and the node numbers at which RINS runs (the gap doubles after each call
# that finds nothing, up to _RINS_MAX_STEP)
_RENS_NODES = 500
_RINS_NODES = 200
_SUBMIP_MIN_FIXED = 0.3
_RINS_FIRST = 100
_RINS_MAX_STEP = 3200


class Locks:
    """Down and up locks of each column (rows that decreasing, resp.
    increasing, the column can violate)."""

    def __init__(self, A, row_lower, row_upper):
        csc = A.tocsc()
        has_lo = np.isfinite(row_lower)
        has_hi = np.isfinite(row_upper)
        rows = csc.indices
        pos = csc.data > 0
        neg = csc.data < 0
        # decreasing x_j lowers a_ij x_j when a_ij > 0: violates a lower side
        down = (pos & has_lo[rows]) | (neg & has_hi[rows])
        up = (pos & has_hi[rows]) | (neg & has_lo[rows])
        cols = np.repeat(np.arange(A.shape[1]), np.diff(csc.indptr))
        self.down = np.bincount(cols, weights=down, minlength=A.shape[1])
        self.up = np.bincount(cols, weights=up, minlength=A.shape[1])


def simple_rounding(x, candidates, locks, is_integer):
    """Round the fractional ``candidates`` of ``x`` in lock-free directions.

    Returns the rounded point (all integer columns integral) or ``None`` if
    some candidate is locked both ways. The caller still checks feasibility.
    """
    dn = locks.down[candidates] == 0
    up = locks.up[candidates] == 0
    if not np.all(dn | up):
        return None
    y = x.copy()
    xc = x[candidates]
    y[candidates] = np.where(dn, np.floor(xc), np.ceil(xc))
    yi = y[is_integer]
    y[is_integer] = np.round(yi)
    return y


def fractional_diving(lp, x, lb, ub, int_cols, int_tol, cutoff,
                      max_iterations, max_depth=None):
    """Dive from the LP solution ``x`` at bounds ``lb``, ``ub``.

    Changes the bounds loaded in ``lp`` (the caller restores them and the
    basis). Returns ``(x, obj)`` of an integral LP solution or ``None``.
    """
    lb = lb.copy()
    ub = ub.copy()
    start = lp.iterations
    depth = 0
    max_depth = max_depth or int_cols.size
    while depth < max_depth and lp.iterations - start < max_iterations:
        xi = x[int_cols]
        f = np.abs(xi - np.round(xi))
        frac = f > int_tol
        if not frac.any():
            return x, lp.obj
        # least fractional first: the rounding most likely to stay feasible
        k = int(np.argmin(np.where(frac, f, np.inf)))
        j = int(int_cols[k])
        v = x[j]
        first_down = (v - math.floor(v)) < 0.5
        ok = False
        for down in (first_down, not first_down):
            lo, hi = lb[j], ub[j]
            if down:
                hi = math.floor(v)
            else:
                lo = math.ceil(v)
            if lo > hi:
                continue
            lp.set_col_bounds(j, lo, hi)
            st = lp.solve()
            if st == LP_OPTIMAL and lp.obj < cutoff:
                lb[j], ub[j] = lo, hi
                ok = True
                break
            lp.set_col_bounds(j, lb[j], ub[j])
        if not ok:
            return None
        x = lp.primal()
        depth += 1
    return None


class SubMIPs:
    """When to run RENS and RINS, on which neighbourhood, and their counts.

    The search owns the branch and bound: it passes
    ``solve(lb, ub, node_limit) -> (ran, x)`` that runs one on the problem
    restricted to ``lb``, ``ub`` (no cuts, no sub-MIPs of its own) and
    returns whether it ran and an improving solution or None.
    """

    def __init__(self, int_cols, int_tol):
        self.int_cols = int_cols
        self.tol = int_tol
        self.calls = 0                # sub-MIPs solved
        self.found = 0                # ... that improved the incumbent
        self._rens_done = False
        self._rins_next = _RINS_FIRST
        self._rins_step = _RINS_FIRST

    def run(self, depth, nodes, x, lb, ub, incumbent, solve):
        """At a node of ``depth`` after ``nodes`` nodes, with LP solution
        ``x`` at bounds ``lb``, ``ub``: run the sub-MIP due, if any. Returns
        ``(x, char)``, an improving solution and its log character, or
        ``(None, "")``."""
        ic = self.int_cols
        xi = x[ic]
        slb, sub = lb.copy(), ub.copy()
        if depth == 0:
            if self._rens_done:
                return None, ""
            self._rens_done = True
            fix = np.abs(xi - np.round(xi)) <= self.tol
            slb[ic] = np.where(fix, np.round(xi), np.floor(xi))
            sub[ic] = np.where(fix, np.round(xi), np.ceil(xi))
            limit, char = _RENS_NODES, "R"
        else:
            if incumbent is None or nodes < self._rins_next:
                return None, ""
            inc = incumbent[ic]
            fix = np.abs(xi - inc) <= self.tol
            slb[ic] = np.where(fix, inc, slb[ic])
            sub[ic] = np.where(fix, inc, sub[ic])
            limit, char = _RINS_NODES, "I"
        if fix.sum() < _SUBMIP_MIN_FIXED * ic.size or fix.all():
            if depth > 0:
                self._rins_next = nodes + self._rins_step
            return None, ""
        ran, z = solve(slb, sub, limit)
        self.calls += ran
        self.found += z is not None
        if depth > 0:
            if z is None:
                self._rins_step = min(2 * self._rins_step, _RINS_MAX_STEP)
            self._rins_next = nodes + self._rins_step
        return z, char


def node_heuristics(search, node, x, candidates, lb, ub, basis):
    """Simple rounding, fractional diving (at the root and every
    ``dive_frequency`` nodes, its iterations capped at 5% of the search's
    plus 1000) and the sub-MIPs due at ``node`` of ``search``, whose LP
    solution is ``x`` at bounds ``lb``, ``ub`` with ``basis``; improving
    solutions become incumbents. The LP is left at ``lb``, ``ub``, ``basis``."""
    w, lp = search.work, search.lp
    y = simple_rounding(x, candidates, search.locks, w.is_integer)
    if y is not None and w.feasible(y):
        search._set_incumbent(y, float(w.c @ y), "r")
    freq = search.o["dive_frequency"]
    dive = node.depth == 0 or (freq and search.nodes % freq == 0)
    budget = 0.05 * lp.iterations + 1000 - search.heuristic_iterations
    if dive and budget > 0:
        before = lp.iterations
        out = fractional_diving(lp, x, lb, ub, w.int_cols, search.tol,
                                search.cutoff, budget)
        used = lp.iterations - before
        search.heuristic_iterations += used
        lp.iterations -= used
        lp.set_bounds(lb, ub)
        lp.set_basis(basis)
        if out is not None:
            z = out[0].copy()
            z[w.int_cols] = np.round(z[w.int_cols])
            if not w.feasible(z):
                z = out[0]
            search._set_incumbent(z, float(w.c @ z), "d")
    if search.o["submip"]:       # its own HiGHS object: this LP is untouched
        z, char = search.submips.run(node.depth, search.nodes, x, lb, ub,
                                     search.incumbent,
                                     lambda l, u, k: _sub_mip(search, l, u, k))
        if z is not None:
            search._set_incumbent(z, float(w.c @ z), char)


def _sub_mip(search, lb, ub, node_limit):
    """Branch and bound (no cuts, no sub-MIPs of its own) on the problem of
    ``search`` restricted to ``lb``, ``ub`` with its cutoff. Returns
    whether it ran (presolve may prove the restriction infeasible) and a
    feasible solution better than the incumbent, or None."""
    from optsolve.milp.branching import make_rule
    w = search.work
    sub = Problem(w.c, w.A, w.row_lower, w.row_upper, np.minimum(lb, ub), ub,
                  w.integrality)
    pre = presolve(sub, probing=False)   # called often: no probing budget
    if pre.problem is None:
        return False, None
    o = dict(search.o)
    o.update(cuts=False, submip=False, node_limit=node_limit, callback=None,
             disp=False, branching=make_rule("relpscost"), restart=False)
    # the search's own class: this module cannot import it (it imports us)
    s = type(search)(Work(pre.problem), o, search.deadline, search.guard)
    s.offset = pre.problem.offset
    if math.isfinite(search.cutoff):
        s.cutoff = search.cutoff - s.offset
        s.lp.set_cutoff(s.cutoff)
    s.run()
    search.submip_nodes += s.nodes
    search.submip_lp_time += s.lp.run_time + s.submip_lp_time
    search.heuristic_iterations += s.lp.iterations + s.lp.sb_iterations \
        + s.heuristic_iterations
    if s.incumbent is None:
        return True, None
    z = pre.postsolve(s.incumbent)
    if not w.feasible(z) or float(w.c @ z) >= search.incumbent_obj:
        return True, None
    return True, z
