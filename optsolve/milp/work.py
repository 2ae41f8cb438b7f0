"""The search's minimisation form: the problem it works on (:class:`Work`)
and what it reports (:class:`SearchSummary`)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np

from optsolve.milp.problem import Problem

__all__ = ["Work", "SearchSummary", "relative_gap"]


def relative_gap(primal, dual):
    """HiGHS's relative gap |primal - dual| / |primal| (inf without primal)."""
    if not math.isfinite(primal):
        return math.inf
    diff = max(0.0, primal - dual)
    if diff == 0:
        return 0.0
    return diff / abs(primal) if primal != 0 else math.inf


@dataclass
class SearchSummary:
    """What a search found and what it cost, in the search's minimisation
    form (``sense * (value) + offset`` is the user's objective).

    Attributes
    ----------
    x : ndarray or None
        The incumbent in the user's columns (after postsolve).
    objective, dual_bound, root_bound : float
        The incumbent's value (``inf`` without one), a valid lower bound on
        the optimum, the root LP bound (``-inf`` if the root was not solved).
    gap_closed : bool
        The incumbent is optimal within ``mip_abs_gap``/``mip_rel_gap``.
    limit : str or None
        ``"time"``, ``"node"``, ``"interrupt"``, ``"callback"`` or None.
    dropped : int
        Nodes whose LP failed (their bound is kept).
    sense, offset : float
        The user's sense (1 minimise, -1 maximise) and the objective offset.
    restarts : int
        Restarts after the root (0 or 1).
    The counts (nodes, LP iterations by kind, incumbents, propagated bounds,
    sub-MIPs, cuts) and ``lp_time`` are those of :func:`optsolve.milp`'s
    result.
    """

    x: Optional[np.ndarray]
    objective: float
    dual_bound: float
    root_bound: float
    gap_closed: bool
    limit: Optional[str]
    dropped: int
    sense: float
    offset: float
    nodes: int
    max_depth: int
    lp_iterations: int
    sb_lp_iterations: int
    heuristic_lp_iterations: int
    lp_time: float
    incumbents_found: int
    propagated_bounds: int
    submip_calls: int
    submip_solutions: int
    cuts: int
    cuts_added: int
    cut_rounds: int
    cuts_by_family: Optional[dict]
    cut_time: float
    branching: str
    presolve: object
    restarts: int = 0


class Work:
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
