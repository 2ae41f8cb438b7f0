"""Generators of satisfiable (or mostly satisfiable) formulas for training.

Each takes a size and a seed and is deterministic given them. Planted
families hide an assignment and only emit clauses it satisfies, so they are
satisfiable by construction; ``filtered_ksat`` is uniform random k-SAT whose
satisfiability the labeller decides (unsatisfiable ones are dropped there).

Every generator returns an :class:`optsolve.sat.CNF`.
"""
from __future__ import annotations

from itertools import combinations

import numpy as np

from optsolve.sat import CNF

__all__ = ["planted_ksat", "filtered_ksat", "planted_colouring", "planted_xor",
           "FAMILIES", "generate"]


def _random_clauses(rng, nvars, nclauses, k):
    """(nclauses, k) literals over distinct variables, random signs."""
    # k distinct variables per clause: the k smallest of random keys would be
    # O(n) per clause; resampling the rows with a repeat is cheaper
    v = rng.integers(1, nvars + 1, size=(nclauses, k))
    while True:
        s = np.sort(v, axis=1)
        bad = np.any(s[:, 1:] == s[:, :-1], axis=1)
        if not bad.any():
            break
        v[bad] = rng.integers(1, nvars + 1, size=(int(bad.sum()), k))
    signs = rng.choice(np.array([-1, 1]), size=(nclauses, k))
    return (v * signs).astype(np.int32)


def _cnf(rows, nvars):
    rows = np.asarray(rows, dtype=np.int32)
    n, k = rows.shape
    return CNF.from_arrays(rows.ravel(), np.arange(0, n * k + 1, k), nvars)


def planted_ksat(nvars, ratio=4.2, k=3, seed=0):
    """Random k-SAT with a planted solution: uniform clauses, rejecting those
    the hidden assignment falsifies (satisfiable by construction).

    Examples
    --------
    >>> from optsolve.sat import solve
    >>> solve(planted_ksat(50, seed=1)).status
    'SAT'
    """
    rng = np.random.default_rng([seed, 1])
    hidden = rng.choice(np.array([-1, 1]), size=nvars + 1)
    return _cnf(_planted_rows(rng, hidden, int(round(ratio * nvars)), k), nvars)


def _planted_rows(rng, hidden, m, k):
    """m random k-clauses that the signs `hidden[1:]` satisfy."""
    nvars = len(hidden) - 1
    out = np.empty((0, k), dtype=np.int32)
    while len(out) < m:
        c = _random_clauses(rng, nvars, 2 * (m - len(out)) + 8, k)
        ok = np.any(np.sign(c) == hidden[np.abs(c)], axis=1)
        out = np.concatenate([out, c[ok]])
    return out[:m]


def filtered_ksat(nvars, ratio=4.1, k=3, seed=0):
    """Uniform random k-SAT (satisfiable or not: the labeller filters).

    Examples
    --------
    >>> filtered_ksat(20, ratio=4.0, seed=3).nclauses
    80
    """
    rng = np.random.default_rng([seed, 2])
    return _cnf(_random_clauses(rng, nvars, int(round(ratio * nvars)), k), nvars)


def planted_colouring(nvertices, colours=3, degree=4.0, seed=0):
    """k-colouring of a random graph built around a hidden colouring (edges
    only join vertices of different colours), with mean degree ``degree``.
    Variable ``v * colours + c + 1`` says vertex v has colour c; the two
    ends of one edge are fixed to their hidden colours, which breaks the
    colour symmetry (entirely for three colours) in their component.

    Examples
    --------
    >>> from optsolve.sat import solve
    >>> cnf = planted_colouring(30, seed=2)
    >>> cnf.nvars, solve(cnf).status
    (90, 'SAT')
    """
    rng = np.random.default_rng([seed, 3])
    hidden = rng.integers(0, colours, size=nvertices)
    m = int(round(degree * nvertices / 2))
    a = rng.integers(0, nvertices, size=4 * m + 8)
    b = rng.integers(0, nvertices, size=4 * m + 8)
    ok = hidden[a] != hidden[b]
    a, b = a[ok][:m], b[ok][:m]
    key = np.unique(np.minimum(a, b) * nvertices + np.maximum(a, b))
    a, b = key // nvertices, key % nvertices

    def x(v, c):
        return v * colours + c + 1

    clauses = [[x(v, c) for c in range(colours)] for v in range(nvertices)]
    clauses += [[-x(v, c), -x(v, d)] for v in range(nvertices)
                for c, d in combinations(range(colours), 2)]
    for u, v in zip(a.tolist(), b.tolist()):
        for c in range(colours):
            clauses.append([-x(u, c), -x(v, c)])
    if len(a):  # two adjacent vertices fixed: no colour permutation is left there
        clauses += [[x(int(a[0]), int(hidden[a[0]]))], [x(int(b[0]), int(hidden[b[0]]))]]
    return CNF.from_clauses(clauses, nvars=nvertices * colours)


def planted_xor(nvars, xor_ratio=0.6, clause_ratio=2.0, seed=0):
    """Parity constraints (3 variables each, 4 clauses) plus random 3-clauses,
    all satisfied by a hidden assignment.

    Examples
    --------
    >>> from optsolve.sat import solve
    >>> solve(planted_xor(40, seed=5)).status
    'SAT'
    """
    rng = np.random.default_rng([seed, 4])
    hidden = rng.choice(np.array([-1, 1]), size=nvars + 1)
    nx = int(round(xor_ratio * nvars))
    v = np.abs(_random_clauses(rng, nvars, nx, 3))
    parity = (hidden[v] > 0).sum(axis=1) % 2  # x1 ^ x2 ^ x3 under the hidden assignment
    rows = []
    # x1 ^ x2 ^ x3 = p forbids the 4 sign patterns of the other parity
    for s1 in (1, -1):
        for s2 in (1, -1):
            for s3 in (1, -1):
                # clause (s1 x1, s2 x2, s3 x3) forbids x_i = (s_i < 0); that
                # assignment's parity is the number of negative signs, mod 2
                forbidden = ((s1 < 0) + (s2 < 0) + (s3 < 0)) % 2
                sel = parity != forbidden
                rows.append(v[sel] * np.array([s1, s2, s3]))
    rows.append(_planted_rows(rng, hidden, int(round(clause_ratio * nvars)), 3))
    return _cnf(np.concatenate(rows), nvars)


# family name -> (generator, size argument drawn from [lo, hi], extra kwargs)
FAMILIES = {
    "planted3": (planted_ksat, {"ratio": 5.0}),
    "filtered3": (filtered_ksat, {"ratio": 4.2}),
    "colour3": (planted_colouring, {"colours": 3, "degree": 4.5}),
    "xor3": (planted_xor, {}),
}


def generate(family, size, seed):
    """The formula of ``family`` (a key of :data:`FAMILIES`) with the given
    size and seed."""
    try:
        fn, kwargs = FAMILIES[family]
    except KeyError:
        raise ValueError(f"`family` must be one of {sorted(FAMILIES)}, "
                         f"got {family!r}") from None
    return fn(int(size), seed=int(seed), **kwargs)
