"""Clique cuts from a conflict graph on binary literals.

Two *literals* (a binary column ``x_j`` or its complement ``1 - x_j``)
*conflict* when no feasible point sets both to 1. A set of pairwise
conflicting literals, a clique ``Q``, gives the valid inequality
``sum_{l in Q} l <= 1`` (Padberg 1973; Atamtuerk, Nemhauser and
Savelsbergh, "Conflict graphs in solving integer programming problems",
EJOR 2000).

**Conflict graph** (:class:`ConflictGraph`). Each side of each row is
written as ``sum a_j x_j <= b``; binary columns with a negative coefficient
are complemented (literal ``1 - x_j`` with weight ``|a_j|``), the other
columns contribute their least activity over their bounds (a row whose
least activity is infinite is skipped). With the binary weights sorted
``w_1 >= w_2 >= ...`` and ``s = b - (least activity of the rest)``, two
literals conflict when ``w_i + w_k > s``; the first ``k`` literals with
``w_{k-1} + w_k > s`` are a clique (a set packing row gives itself), and
each later literal ``t`` with ``w_1 + w_t > s`` forms a clique with the
prefix of literals ``i`` with ``w_i + w_t > s`` (SCIP's clique extraction
from linear rows). The table holds the cliques, not the edges: a literal's
neighbours are the literals of the cliques it is in.

**Separation** (:class:`CliqueSeparator`). Over the literals with a
positive LP value, greedy: from each fractional literal (largest value
first) add the neighbour of largest value adjacent to all members so far,
until none is left; a clique of LP weight above ``1`` is a violated cut. A
violated clique is then extended by literals of value 0 adjacent to all its
members (a larger clique: the same violation now, a tighter LP later), which
also *merges* row cliques: the extended clique dominates each row it
covers. Validity needs nothing from the LP point: every clique is a set of
pairwise conflicts implied by single rows and the bounds.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import finish_cut

__all__ = ["ConflictGraph", "CliqueSeparator"]

_TOL = 1e-9
_MAX_EXTRA = 32          # cliques per row beyond the prefix clique


def _binaries(is_integer, lb, ub):
    lb = np.ceil(np.asarray(lb, float) - 1e-9)
    ub = np.floor(np.asarray(ub, float) + 1e-9)
    return np.asarray(is_integer, bool) & (lb == 0) & (ub == 1)


class ConflictGraph:
    """Cliques of conflicting binary literals implied by single rows.

    Literal ``2 j`` is ``x_j``, literal ``2 j + 1`` is ``1 - x_j``.

    Parameters
    ----------
    A, row_lower, row_upper : the rows (any matrix) and their sides
    is_integer, lb, ub : ndarray
        Integrality and column bounds (binary: integer with bounds exactly
        0 and 1).

    Attributes
    ----------
    cliques : list of ndarray
        Literal indices of each clique (at least two).
    M : csr_matrix
        Clique-literal incidence, ``len(cliques) x 2 n``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.clique import ConflictGraph
    >>> A = np.array([[3.0, 3, 2, 1], [1, 0, 0, -1]])   # 3a+3b+2c+d <= 4
    >>> g = ConflictGraph(A, np.array([-np.inf, -np.inf]),   # a - d <= 0
    ...                   np.array([4.0, 0.0]), np.ones(4, bool),
    ...                   np.zeros(4), np.ones(4))
    >>> [sorted(q.tolist()) for q in g.cliques]   # {a, b, c}, {a, not d}
    [[0, 2, 4], [0, 7]]
    """

    def __init__(self, A, row_lower, row_upper, is_integer, lb, ub):
        A = sp.csr_matrix(A)
        n = A.shape[1]
        self.n = n
        lb = np.asarray(lb, float)
        ub = np.asarray(ub, float)
        binary = _binaries(is_integer, lb, ub)
        cliques = []
        rl = np.asarray(row_lower, float)
        ru = np.asarray(row_upper, float)
        rows = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
        nbin = np.bincount(rows, weights=binary[A.indices],
                           minlength=A.shape[0])
        for r in np.flatnonzero(nbin >= 2):
            i0, i1 = A.indptr[r], A.indptr[r + 1]
            cols, vals = A.indices[i0:i1], A.data[i0:i1]
            for sign, side in ((1.0, ru[r]), (-1.0, rl[r])):
                if np.isfinite(side):
                    cliques.extend(self._row(cols, sign * vals, sign * side,
                                             binary, lb, ub))
        self.cliques = cliques
        if cliques:
            ind = np.concatenate(cliques)
            ptr = np.r_[0, np.cumsum([q.size for q in cliques])]
            self.M = sp.csr_matrix((np.ones(ind.size), ind, ptr),
                                   shape=(len(cliques), 2 * n))
        else:
            self.M = sp.csr_matrix((0, 2 * n))

    @staticmethod
    def _row(cols, a, b, binary, lb, ub):
        """Cliques of ``a @ x[cols] <= b``."""
        isb = binary[cols] & (a != 0)
        rest = ~isb
        if rest.any():
            ar = a[rest]
            low = np.where(ar > 0, lb[cols[rest]], ub[cols[rest]])
            with np.errstate(invalid="ignore"):
                t = ar * low
            if not np.all(np.isfinite(t)):
                return []
            b = b - float(t.sum())
        cb, ab = cols[isb], a[isb]
        neg = ab < 0
        w = np.abs(ab)
        s = b + float(w[neg].sum())          # a x = -|a| + |a| (1 - x)
        lits = 2 * cb + neg
        order = np.argsort(-w, kind="stable")
        w, lits = w[order], lits[order]
        if w.size < 2 or w[0] + w[1] <= s + _TOL * (1 + abs(s)):
            return []
        tol = _TOL * (1 + abs(s))
        pair = w[:-1] + w[1:] > s + tol
        k = int(np.argmin(pair)) + 1 if not pair.all() else w.size
        out = [lits[:k].copy()]
        for t in range(k, min(w.size, k + _MAX_EXTRA)):
            p = int(np.searchsorted(-(w[:k] + w[t]), -(s + tol), side="left"))
            if p == 0:
                break
            out.append(np.r_[lits[:p], lits[t]])
        return out


class CliqueSeparator:
    """Clique cuts violated by an LP point, from a :class:`ConflictGraph`.

    Parameters
    ----------
    A, row_lower, row_upper, is_integer, lb, ub
        As for :class:`ConflictGraph` (root bounds).
    max_seeds : int
        Fractional literals tried as a clique's first member per round.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts.clique import CliqueSeparator
    >>> A = np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]])   # a triangle
    >>> sep = CliqueSeparator(A, np.full(3, -np.inf), np.ones(3),
    ...                       np.ones(3, bool), np.zeros(3), np.ones(3))
    >>> x = np.full(3, 0.5)
    >>> [(c.activity(x), round(c.rhs, 6)) for c in sep.separate(x, None, np.zeros(3), np.ones(3))]
    [(-1.5, -1.0)]
    """

    def __init__(self, A, row_lower, row_upper, is_integer, lb, ub,
                 max_seeds=300):
        self.graph = ConflictGraph(A, row_lower, row_upper, is_integer, lb, ub)
        self.n = sp.csr_matrix(A).shape[1]
        self.max_seeds = max_seeds
        self.MT = self.graph.M.T.tocsr()      # literal -> cliques

    def separate(self, x, act, lb, ub, stop=None):
        """Violated clique cuts at ``x`` (list of
        :class:`~optsolve.milp.cuts.Cut`); ``act`` is not used."""
        g = self.graph
        if not g.cliques:
            return []
        n = self.n
        lb = np.asarray(lb, float)
        ub = np.asarray(ub, float)
        v = np.empty(2 * n)
        xc = np.clip(x, 0.0, 1.0)
        v[0::2], v[1::2] = xc, 1.0 - xc
        live = np.repeat(lb < ub, 2)
        inq = np.diff(self.MT.indptr) > 0
        S = np.flatnonzero(live & inq & (v > 1e-6))
        if S.size < 2:
            return []
        frac = (v[S] < 1 - 1e-6)
        seeds = S[frac]
        if seeds.size == 0:
            return []
        B = g.M[:, S]
        G = (B.T @ B).tocsr()             # adjacency among the support
        pos = np.full(2 * n, -1)
        pos[S] = np.arange(S.size)
        vs = v[S]
        seeds = seeds[np.argsort(-v[seeds], kind="stable")][:self.max_seeds]
        cuts, seen = [], set()
        for s0 in seeds:
            if stop is not None and stop():
                break
            q = self._greedy(G, vs, int(pos[s0]), S.size)
            if q is None:
                continue
            lits = S[q]
            key = tuple(sorted(lits.tolist()))
            if key in seen:
                continue
            seen.add(key)
            lits = self._extend(lits, live)
            cut = self._cut(lits, x, lb, ub)
            if cut is not None:
                cuts.append(cut)
        return cuts

    @staticmethod
    def _greedy(G, vs, i, size):
        """A clique of the support graph from position ``i``, adding the
        common neighbour of largest value; its positions if its weight
        exceeds one."""
        members = [i]
        cand = np.zeros(size, bool)
        cand[G.indices[G.indptr[i]:G.indptr[i + 1]]] = True
        cand[i] = False
        weight = vs[i]
        while cand.any():
            c = np.flatnonzero(cand)
            k = int(c[np.argmax(vs[c])])
            members.append(k)
            weight += vs[k]
            nb = np.zeros(size, bool)
            nb[G.indices[G.indptr[k]:G.indptr[k + 1]]] = True
            cand &= nb
            cand[k] = False
        if weight <= 1.0 + 1e-6 or len(members) < 2:
            return None
        return np.array(members)

    def _extend(self, lits, live, max_new=200):
        """Add literals adjacent to every member (of any LP value): a
        larger clique, merging the row cliques it covers. At most
        ``max_new`` common neighbours are considered (those in the most
        cliques with the members first)."""
        M = self.graph.M
        # T[t, i] > 0: literal t shares a clique with member i
        T = (self.MT @ M[:, lits]).tocsr()
        T.data[:] = 1.0
        common = np.flatnonzero((np.asarray(T.sum(axis=1)).ravel() == lits.size)
                                & live)
        common = np.setdiff1d(common, lits)
        if common.size == 0:
            return lits
        common = common[:max_new]
        # the common neighbours need not conflict with each other: add them
        # one at a time, each adjacent to those added before
        B = M[:, common]
        G = (B.T @ B).tocsr()
        chosen = np.zeros(common.size, bool)
        for k in range(common.size):
            nb = G.indices[G.indptr[k]:G.indptr[k + 1]]
            if np.count_nonzero(chosen[nb]) == np.count_nonzero(chosen):
                chosen[k] = True
        return np.r_[lits, common[chosen]]

    def _cut(self, lits, x, lb, ub):
        """``sum lits <= 1`` as a >= cut over the columns."""
        cols, neg = lits // 2, (lits % 2).astype(bool)
        if np.unique(cols).size != cols.size:     # x_j and 1 - x_j together
            return None
        full = np.zeros(self.n)
        full[cols] = np.where(neg, 1.0, -1.0)
        rhs = float(neg.sum()) - 1.0
        cut = finish_cut(full, rhs, x, lb, ub)
        if cut is not None:
            cut.family = "clique"
        return cut
