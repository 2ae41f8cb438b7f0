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
"""
from __future__ import annotations

import math

import numpy as np

from optsolve.milp.lp import LP_OPTIMAL

__all__ = ["Locks", "simple_rounding", "fractional_diving", "SubMIPs"]

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
