"""What a branching rule sees (:class:`NodeState`) and what it shares
(:class:`Pseudocosts`).

A branching rule is any object with a method ``select(state) -> int`` that
returns the index of a fractional integer column (one of
``state.candidates``). Rules may also fill ``state.child_bounds[j] =
(down, up)`` with proven lower bounds of the two children of ``j`` (``inf``
for an infeasible or cut-off child); the search uses them to prune children
without solving them.

``NodeState`` exposes what the branching literature uses, including the
features of Gasse et al. (2019): LP solution, node bounds, basis status,
reduced costs, row duals and activities, the constraint matrix, the
incumbent, pseudocosts, and strong branching on the live LP.
"""
from __future__ import annotations

import math

import numpy as np

from optsolve.milp.lp import solution_arrays

__all__ = ["NodeState", "Pseudocosts", "BranchingRule", "product_score"]

#: SCIP's epsilon in the product score max(q-, eps) * max(q+, eps).
SCORE_EPS = 1e-6


def product_score(down, up):
    """SCIP's product score of the two children's gains."""
    return np.maximum(down, SCORE_EPS) * np.maximum(up, SCORE_EPS)


class Pseudocosts:
    """Per-column average objective gain per unit of bound change.

    Uninitialised entries are estimated by the average pseudocost of the
    initialised columns in the same direction (1 when there are none), the
    usual initialisation (Linderoth and Savelsbergh 1999; SCIP).
    """

    def __init__(self, n):
        self.sum = np.zeros((2, n))   # [0] down, [1] up
        self.count = np.zeros((2, n), dtype=np.int64)
        # per-column means kept current, read at every node by the rules
        self.mean = np.zeros((2, n))
        self._total = [0.0, 0.0]      # running sum of per-column averages
        self._n = [0, 0]              # ... and their number, per direction

    def update(self, j, direction, gain, distance):
        """Record that moving column ``j`` by ``distance`` (down: 0, up: 1)
        raised the LP objective by ``gain``."""
        if distance <= 1e-9 or not math.isfinite(gain):
            return
        cnt = self.count[direction, j]
        if cnt:
            self._total[direction] -= self.mean[direction, j]
        else:
            self._n[direction] += 1
        self.sum[direction, j] += max(gain, 0.0) / distance
        self.count[direction, j] = cnt + 1
        mean = self.sum[direction, j] / (cnt + 1)
        self.mean[direction, j] = mean
        self._total[direction] += mean

    def average(self, direction):
        """Mean pseudocost over the initialised columns (1 if none)."""
        n = self._n[direction]
        return self._total[direction] / n if n else 1.0

    def value(self, j, direction):
        """The pseudocost of one column in one direction, as :meth:`values`."""
        if self.count[direction, j]:
            return float(self.mean[direction, j])
        return self.average(direction)

    def values(self, cols):
        """Pseudocosts ``(down, up)`` of ``cols`` (with the initialisation)."""
        v = self.mean[:, cols]
        unset = self.count[:, cols] == 0
        if unset.any():
            v[0][unset[0]] = self.average(0)
            v[1][unset[1]] = self.average(1)
        return v[0], v[1]

    def scores(self, cols, frac):
        """Product scores of branching on ``cols`` with fractional parts
        ``frac``."""
        down, up = self.values(cols)
        return product_score(down * frac, up * (1.0 - frac))

    def reliability(self, cols):
        """min(down count, up count) of each column."""
        c = self.count[:, cols]
        return np.minimum(c[0], c[1])


class NodeState:
    """The state of the search at the node being branched on.

    Attributes
    ----------
    problem : optsolve.milp.Problem
        The problem (minimisation form: ``c``, ``A``, row bounds).
    x : ndarray
        LP solution at the node.
    obj : float
        LP objective at the node (minimisation, without offset).
    lb, ub : ndarray
        Column bounds at the node.
    candidates : ndarray of int
        Integer columns with a fractional LP value.
    frac : ndarray
        Fractional parts ``x - floor(x)`` of the candidates.
    depth, node_number : int
        Depth of the node and number of nodes solved so far.
    incumbent : ndarray or None
        Best known solution.
    cutoff : float
        Children with a lower bound at or above this are pruned.
    pseudocosts : Pseudocosts
        Shared pseudocost table (updated by the search after each child).
    lp_iterations_per_node : float
        Average simplex iterations per node LP so far.
    lp_iterations, sb_lp_iterations : int
        Simplex iterations so far of the node LPs and of strong branching.
    child_bounds : dict
        Filled by rules that solve children: ``j -> (down, up)`` lower bounds.
    row_activity, row_dual : ndarray
        Activities and duals of the problem's rows (root cuts held in the LP
        are left out).
    reduced_costs : ndarray
        Reduced costs of the node LP, cut rows included:
        ``c - A^T row_dual - (cut duals)``.
    """

    def __init__(self, search, x, obj, lb, ub, candidates, frac, depth,
                 snapshot, basis):
        self._search = search
        self.problem = search.work
        self.x = x
        self.obj = obj
        self.lb = lb
        self.ub = ub
        self.candidates = candidates
        self.frac = frac
        self.depth = depth
        self.node_number = search.nodes
        self.incumbent = search.incumbent
        self.cutoff = search.cutoff
        self.pseudocosts = search.pseudocosts
        self.lp_iterations_per_node = search.lp.iterations / max(1, search.nodes)
        self.lp_iterations = search.lp.iterations
        self.sb_lp_iterations = search.lp.sb_iterations
        # the LP solution's other arrays are converted when a rule reads them
        self._snapshot = snapshot
        self._m = search.work.A.shape[0]
        self._arrays = {}
        self.basis = basis
        self.child_bounds = {}
        self._basis_status = None

    def _array(self, name):
        a = self._arrays.get(name)
        if a is None:
            a = self._arrays[name] = solution_arrays(self._snapshot, name)[0]
        return a

    @property
    def row_activity(self):
        """Activities of the problem's rows (cut rows left out)."""
        return self._array("row_value")[:self._m]

    @property
    def row_dual(self):
        """Duals of the problem's rows (cut rows left out)."""
        return self._array("row_dual")[:self._m]

    @property
    def reduced_costs(self):
        """Reduced costs of the node LP, cut rows included."""
        return self._array("col_dual")

    @property
    def A(self):
        """The constraint matrix (CSR)."""
        return self.problem.A

    def basis_status(self):
        """``(col_status, row_status)`` int8 arrays (0 lower, 1 basic,
        2 upper, 3 zero, 4 nonbasic), computed on first use."""
        if self._basis_status is None:
            self._basis_status = self._search.lp.basis_status()
        return self._basis_status

    def strong_branch(self, j, iteration_limit=None):
        """Solve the two children of candidate ``j`` in the live LP.

        Returns ``((down_status, down_obj), (up_status, up_obj))`` with the
        ``optsolve.milp.lp.LP_*`` status codes; the node's LP is restored
        afterwards. Work is counted as strong-branching iterations.
        """
        return self._search.strong_branch(self, j, iteration_limit)

    @property
    def time_is_up(self):
        """Whether a limit asks the rule to stop early."""
        return self._search.should_stop_early()


class BranchingRule:
    """Base class of the branching rules (optional: any object with
    ``select(state)`` works)."""

    name = "rule"

    def select(self, state):  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"
