"""The bipartite state of a node (Gasse et al., NeurIPS 2019, table 1).

Columns and one-sided rows are the two node sets of a bipartite graph; an
edge joins a row to each column it holds. A two-sided row ``lo <= a x <= hi``
(equalities included) becomes two rows in ``<=`` form: ``-a x <= -lo`` and
``a x <= hi``; the features of the first are those of the negated row.

Variable features (19 columns, in :data:`VAR_FEATURES` order): the column
type one-hot (binary, integer, implicit integer, continuous), ``c_j/||c||``,
whether the node's lower and upper bounds are finite, whether the LP value
sits at either bound, the fractional part of the LP value (0 for continuous
columns), the basis status one-hot (lower, basic, upper, zero), the reduced
cost over ``||c||``, the age (successive LPs seen with the column nonbasic at
0) over ``LPs seen + 5``, the LP value, the incumbent's value and the
column's average over the incumbents seen.

Constraint features (5, :data:`CONS_FEATURES`): the cosine between the row
and the objective, ``rhs/||a||``, whether the row is tight, the age
(successive LPs seen with the row not tight) over ``LPs seen + 5``, and
``dual / (||a|| ||c||)`` (as in the paper: it scales as ``1/k**2`` when a row
is scaled by ``k``; every other feature is invariant to positive scalings of
rows and of the objective). Edge feature: ``a_ij / ||a||``.

Everything that depends only on the problem is computed once, when a
:class:`FeatureCache` is built at the root; the rest, per node, is a few
vectorised numpy passes. Ages and incumbent averages count only the nodes
the cache is shown (the nodes branched on), not every LP the search solves.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

__all__ = ["VAR_FEATURES", "CONS_FEATURES", "BipartiteState", "FeatureCache"]

VAR_FEATURES = ("type_binary", "type_integer", "type_implicit_integer",
                "type_continuous", "objective", "has_lb", "has_ub",
                "at_lb", "at_ub", "frac", "basis_lower", "basis_basic",
                "basis_upper", "basis_zero", "reduced_cost", "age",
                "value", "incumbent_value", "incumbent_average")
CONS_FEATURES = ("objective_cosine", "bias", "tight", "age", "dual")
_TOL = 1e-6


class BipartiteState(NamedTuple):
    """The graph at one node.

    Attributes
    ----------
    cons : ndarray, shape (m2, 5)
        Features of the one-sided rows.
    edge_index : ndarray of int64, shape (2, nnz)
        ``(row, column)`` of each edge, rows in the one-sided numbering.
    edge_attr : ndarray, shape (nnz, 1)
        Normalised coefficient of each edge.
    var : ndarray, shape (n, 19)
        Features of the columns.
    candidates : ndarray of int
        The branching candidates (column indices).
    """
    cons: np.ndarray
    edge_index: np.ndarray
    edge_attr: np.ndarray
    var: np.ndarray
    candidates: np.ndarray


def _safe_norm(v):
    return np.where(v > 0, v, 1.0)


class FeatureCache:
    """Static features of a problem and the running statistics of a tree.

    Build one per tree (at the root) from the problem the search works on
    (``state.problem``: minimisation form) and call it with each
    :class:`~optsolve.milp.branching.NodeState`.

    Parameters
    ----------
    problem : object
        With ``c``, ``A`` (CSR), ``row_lower``, ``row_upper``, ``lb``, ``ub``
        and ``integrality`` (0 continuous, 1 integer, 2 semi-continuous,
        3 semi-integer).
    """

    def __init__(self, problem):
        c = np.asarray(problem.c, dtype=float)
        A = sp.csr_matrix(problem.A)
        n = c.size
        m = A.shape[0]
        lo = np.asarray(problem.row_lower, dtype=float)
        hi = np.asarray(problem.row_upper, dtype=float)
        self.n, self.m = n, m
        self.c_norm = float(_safe_norm(np.linalg.norm(c)))
        row_norm = _safe_norm(np.sqrt(A.multiply(A).sum(axis=1)).A1)
        lhs = np.flatnonzero(np.isfinite(lo))
        rhs = np.flatnonzero(np.isfinite(hi))
        #: original row of each one-sided row, and its sign in ``<=`` form
        self.rows = np.concatenate([lhs, rhs])
        self.sign = np.concatenate([-np.ones(lhs.size), np.ones(rhs.size)])
        self.side = np.concatenate([lo[lhs], hi[rhs]])
        self.side_scale = 1.0 + np.abs(self.side)
        norm = row_norm[self.rows]
        self.dual_scale = self.sign / (norm * self.c_norm)
        S = sp.diags(self.sign / norm) @ A[self.rows]
        S = sp.csr_matrix(S)
        S.sort_indices()
        self.matrix = S
        counts = np.diff(S.indptr)
        self.edge_index = np.vstack([np.repeat(np.arange(self.rows.size), counts),
                                     S.indices]).astype(np.int64)
        self.edge_attr = S.data.reshape(-1, 1).copy()
        cons = np.zeros((self.rows.size, len(CONS_FEATURES)))
        cons[:, 0] = self.sign * (A @ c)[self.rows] / (norm * self.c_norm)
        cons[:, 1] = self.sign * self.side / norm
        self._cons = cons

        integ = np.asarray(problem.integrality)
        is_int = (integ == 1) | (integ == 3)
        lb0 = np.asarray(problem.lb, dtype=float)
        ub0 = np.asarray(problem.ub, dtype=float)
        binary = is_int & (lb0 >= 0) & (ub0 <= 1)
        var = np.zeros((n, len(VAR_FEATURES)))
        var[:, 0] = binary
        var[:, 1] = is_int & ~binary
        var[:, 3] = ~is_int
        var[:, 4] = c / self.c_norm
        self._var = var
        self.is_int = is_int

        self.lps = 0
        self.col_age = np.zeros(n)
        self.row_age = np.zeros(m)
        self.incumbents = 0
        self.incumbent_sum = np.zeros(n)
        self._last_incumbent = None
        self._last = (None, None)

    def __call__(self, state):
        """The :class:`BipartiteState` of ``state`` (a ``NodeState``).

        Calling twice with the same state returns the same object and
        counts the LP once.
        """
        if self._last[0] is state:
            return self._last[1]
        x = np.asarray(state.x, dtype=float)
        lb = np.asarray(state.lb, dtype=float)
        ub = np.asarray(state.ub, dtype=float)
        col_status, _ = state.basis_status()
        out = self.compute(x, lb, ub, col_status, state.reduced_costs,
                           state.row_activity, state.row_dual, state.incumbent,
                           state.candidates)
        self._last = (state, out)
        return out

    def compute(self, x, lb, ub, col_status, reduced_costs, row_activity,
                row_dual, incumbent, candidates):
        """The state from plain arrays (what ``__call__`` reads off a
        ``NodeState``); updates ages and incumbent averages."""
        self.lps += 1
        var = self._var.copy()
        has_lb = np.isfinite(lb)
        has_ub = np.isfinite(ub)
        var[:, 5] = has_lb
        var[:, 6] = has_ub
        var[:, 7] = has_lb & (np.abs(x - np.where(has_lb, lb, 0.0)) <= _TOL)
        var[:, 8] = has_ub & (np.abs(x - np.where(has_ub, ub, 0.0)) <= _TOL)
        f = x - np.floor(x)
        f[(f < _TOL) | (f > 1.0 - _TOL) | ~self.is_int] = 0.0
        var[:, 9] = f
        status = np.asarray(col_status, dtype=np.int64)
        status = np.where(status == 4, 0, status)   # "nonbasic" reads as lower
        var[np.arange(self.n), 10 + np.clip(status, 0, 3)] = 1.0
        var[:, 14] = np.asarray(reduced_costs, dtype=float)[:self.n] / self.c_norm
        at_zero = (np.abs(x) <= _TOL) & (status != 1)
        self.col_age = np.where(at_zero, self.col_age + 1.0, 0.0)
        var[:, 15] = self.col_age / (self.lps + 5)
        var[:, 16] = x
        if incumbent is not None:
            if self._last_incumbent is None or \
                    not np.array_equal(incumbent, self._last_incumbent):
                self._last_incumbent = np.array(incumbent, dtype=float)
                self.incumbents += 1
                self.incumbent_sum += self._last_incumbent
            var[:, 17] = self._last_incumbent
            var[:, 18] = self.incumbent_sum / self.incumbents

        act = np.asarray(row_activity, dtype=float)[:self.m]
        cons = self._cons.copy()
        tight = np.abs(act[self.rows] - self.side) <= _TOL * self.side_scale
        cons[:, 2] = tight
        row_tight = np.zeros(self.m, dtype=bool)
        row_tight[self.rows[tight]] = True
        self.row_age = np.where(row_tight, 0.0, self.row_age + 1.0)
        cons[:, 3] = self.row_age[self.rows] / (self.lps + 5)
        cons[:, 4] = np.asarray(row_dual, dtype=float)[:self.m][self.rows] \
            * self.dual_scale
        return BipartiteState(cons, self.edge_index, self.edge_attr, var,
                              np.asarray(candidates, dtype=np.int64))
