"""The global cut pool: cuts taken out of the LP (slack at a round's LP
optimum) are kept here and offered again whenever a later LP point violates
them, so a cut found once is never separated again from scratch (SCIP's
global cut pool, Achterberg's thesis 2007, sec. 8.4)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp.cuts.base import Cut

__all__ = ["CutPool"]


class CutPool:
    """Globally valid cuts not in the LP, checked against LP points.

    Parameters
    ----------
    n : int
        Number of columns.
    capacity : int
        Cuts held at most; the oldest leave first.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.milp.cuts import Cut
    >>> from optsolve.milp.cuts.pool import CutPool
    >>> pool = CutPool(2)
    >>> pool.add([Cut(np.array([0, 1]), np.array([1.0, 1.0]), 1.0, 0.5)])
    >>> pool.separate(np.array([0.9, 0.9])), len(pool)      # satisfied
    ([], 1)
    >>> [c.rhs for c in pool.separate(np.array([0.2, 0.3]))], len(pool)
    ([1.0], 0)
    """

    def __init__(self, n, capacity=10000):
        self.n = n
        self.capacity = capacity
        self.cuts = []

    def __len__(self):
        return len(self.cuts)

    def add(self, cuts):
        """Keep ``cuts`` (a list of :class:`Cut`)."""
        self.cuts.extend(cuts)
        if len(self.cuts) > self.capacity:
            self.cuts = self.cuts[-self.capacity:]

    def separate(self, x, min_efficacy=1e-4):
        """The pool's cuts violated at ``x`` with an efficacy of at least
        ``min_efficacy``; they leave the pool (the caller adds them to the
        LP or gives them back with :meth:`add`)."""
        if not self.cuts:
            return []
        cuts = self.cuts
        data = np.concatenate([c.val for c in cuts])
        ind = np.concatenate([c.idx for c in cuts])
        ptr = np.r_[0, np.cumsum([c.idx.size for c in cuts])]
        C = sp.csr_matrix((data, ind, ptr), shape=(len(cuts), self.n))
        rhs = np.array([c.rhs for c in cuts])
        norm = np.array([c.norm for c in cuts])
        eff = (rhs - C @ x) / norm
        hit = eff >= min_efficacy * np.maximum(1.0, np.abs(rhs) / norm)
        out = []
        for i in np.flatnonzero(hit):
            cuts[i].efficacy = float(eff[i])
            out.append(cuts[i])
        self.cuts = [c for c, h in zip(cuts, hit) if not h]
        return out
