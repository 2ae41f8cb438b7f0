"""What every cut family shares: the :class:`Cut` record, its safety
checks (:func:`finish_cut`), the rows whose slack is integral
(:func:`integral_rows`) and the selection across families
(:func:`select_cuts`)."""
from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp

__all__ = ["Cut", "integral_rows", "finish_cut", "select_cuts"]

_MAX_DYNAMISM = 1e6
_MAX_COEF = 1e9
_MIN_EFFICACY = 1e-4
_MAX_PARALLEL = 0.98


class Cut:
    """A cut ``coef @ x >= rhs`` over the original columns.

    Attributes
    ----------
    idx : ndarray of int
        Columns with a nonzero coefficient.
    val : ndarray of float
        Their coefficients.
    rhs : float
        Right-hand side.
    efficacy : float
        Violation at the separated point divided by the Euclidean norm.
    family : str
        The separator that found it: ``"gomory"``, ``"mir"`` or ``"cover"``.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import Cut
    >>> cut = Cut(np.array([0, 2]), np.array([1.0, 1.0]), 1.0, 0.5)
    >>> cut.activity(np.array([0.25, 9.0, 0.25]))     # violated: 0.5 < 1
    0.5
    """

    __slots__ = ("idx", "val", "rhs", "efficacy", "norm", "family")

    def __init__(self, idx, val, rhs, efficacy, family="gomory"):
        self.family = family
        self.idx = idx
        self.val = val
        self.rhs = rhs
        self.efficacy = efficacy
        self.norm = float(np.sqrt(val @ val))

    def activity(self, x):
        """``coef @ x``."""
        return float(self.val @ x[self.idx])

    def __repr__(self):
        return f"Cut(nnz={self.idx.size}, rhs={self.rhs:.6g}, efficacy={self.efficacy:.3g})"


def integral_rows(A, row_lower, row_upper, is_integer):
    """Rows whose activity is integral at every integer point: integer
    columns only, integer coefficients, integer finite sides.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import integral_rows
    >>> A = np.array([[1.0, 2.0], [0.5, 1.0]])
    >>> integral_rows(A, np.array([-np.inf, 0]), np.array([3.0, 1.0]),
    ...               np.array([True, True])).tolist()
    [True, False]
    """
    A = sp.csr_matrix(A)
    m = A.shape[0]
    ok = np.ones(m, dtype=bool)
    cont = ~np.asarray(is_integer, dtype=bool)
    bad = (cont[A.indices]) | (A.data != np.round(A.data))
    if bad.any():
        rows = np.repeat(np.arange(m), np.diff(A.indptr))
        ok[np.unique(rows[bad])] = False
    for side in (row_lower, row_upper):
        fin = np.isfinite(side)
        ok &= ~fin | (side == np.round(side))
    return ok




def finish_cut(full, rhs, x, lb, ub):
    """Clean tiny coefficients (relaxing the rhs), check dynamism and
    efficacy; return a :class:`Cut` or None."""
    amax = float(np.max(np.abs(full))) if full.size else 0.0
    if amax == 0.0 or amax > _MAX_COEF or not math.isfinite(rhs) \
            or abs(rhs) > _MAX_COEF * 1e3:
        return None
    tiny = (full != 0) & (np.abs(full) < amax / _MAX_DYNAMISM)
    if tiny.any():
        t = np.flatnonzero(tiny)
        a = full[t]
        # a v <= max(a l, a u): removing the term relaxes the >= cut
        bnd = np.where(a > 0, ub[t], lb[t])
        if not np.all(np.isfinite(bnd)):
            return None
        rhs -= float(a @ bnd)
        full[t] = 0.0
    idx = np.flatnonzero(full)
    if idx.size == 0:
        return None
    val = full[idx]
    rhs -= 1e-9 * (1.0 + abs(rhs))
    norm = float(np.sqrt(val @ val))
    eff = (rhs - float(val @ x[idx])) / norm
    if eff < _MIN_EFFICACY * max(1.0, abs(rhs) / norm):
        return None
    return Cut(idx, val, rhs, eff)




def select_cuts(cuts, max_cuts, max_parallel=_MAX_PARALLEL, family_share=None):
    """Greedy selection by efficacy, skipping cuts almost parallel to an
    accepted one (cosine above ``max_parallel``), across all families.

    With ``family_share``, one family takes at most that fraction of
    ``max_cuts`` (rounded up): a family whose cuts have a high efficacy but
    move the bound little (covers on many knapsack rows) cannot crowd out
    the others.

    The cosines come from one sparse product of the normalised candidates,
    so a few thousand candidates cost milliseconds.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import Cut, select_cuts
    >>> a = Cut(np.array([0, 1]), np.array([1.0, 1.0]), 1.0, 0.5)
    >>> b = Cut(np.array([0, 1]), np.array([2.0, 2.0]), 2.0, 0.4)  # parallel
    >>> c = Cut(np.array([1, 2]), np.array([1.0, -1.0]), 0.0, 0.3)
    >>> [cut.efficacy for cut in select_cuts([c, b, a], max_cuts=10)]
    [0.5, 0.3]
    """
    cuts = sorted(cuts, key=lambda c: -c.efficacy)
    if not cuts or max_cuts <= 0:
        return []
    ncol = 1 + max(int(c.idx.max()) for c in cuts)
    data = np.concatenate([c.val / c.norm for c in cuts])
    ind = np.concatenate([c.idx for c in cuts])
    ptr = np.concatenate([[0], np.cumsum([c.idx.size for c in cuts])])
    S = sp.csr_matrix((data, ind, ptr), shape=(len(cuts), ncol))
    if S.nnz > 0.05 * S.shape[0] * S.shape[1]:
        # dense candidates (Gomory cuts on large rows): BLAS is far faster
        D = S.toarray()
        G = sp.csr_matrix(D @ D.T)
    else:
        G = (S @ S.T).tocsr()
    blocked = np.zeros(len(cuts), bool)
    taken = np.zeros(len(cuts), bool)
    chosen = []
    cap = math.inf if family_share is None else \
        max(1, math.ceil(family_share * max_cuts))
    count = {}
    for i, c in enumerate(cuts):
        if blocked[i] or count.get(c.family, 0) >= cap:
            continue
        chosen.append(c)
        taken[i] = True
        count[c.family] = count.get(c.family, 0) + 1
        if len(chosen) >= max_cuts:
            break
        g0, g1 = G.indptr[i], G.indptr[i + 1]
        near = G.indices[g0:g1][G.data[g0:g1] > max_parallel]
        blocked[near] = True
    return chosen


