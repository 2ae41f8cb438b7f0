"""Seeded generators of the four instance classes of Gasse et al. (2019).

Each returns a :class:`~optsolve.milp.Problem`; the defaults are the
learn2branch training sizes, tests use small ones.

* :func:`set_cover` -- Balas and Ho (1980) style: rows x columns, each
  column covers rows with the given density, costs in 1..100.
* :func:`combinatorial_auction` -- bids on bundles of items after
  Leyton-Brown et al.'s *arbitrary* relationships (bidders' private values,
  bundles grown by item compatibility, superadditive prices, substitutable
  bids tied by a dummy item); maximise revenue, each item sold at most once.
* :func:`capacitated_facility_location` -- Cornuejols, Sridharan and Thizy
  (1991): customers and facilities in the unit square, fractional
  assignment, binary opening, capacity ratio 5, with the tightening rows
  ``x_ij <= y_j`` and total capacity >= demand.
* :func:`independent_set` -- maximum independent set on a Barabasi-Albert
  graph with clique inequalities from a greedy clique partition.
"""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from optsolve.milp.problem import Problem

__all__ = ["set_cover", "combinatorial_auction",
           "capacitated_facility_location", "independent_set",
           "knapsack", "GENERATORS"]


def _rng(seed):
    return np.random.default_rng(seed)


def set_cover(n_rows=500, n_cols=1000, density=0.05, max_cost=100, seed=0):
    """Minimum-cost set cover: ``min c @ x, A x >= 1, x binary``.

    Examples
    --------
    >>> from optsolve.milp.generators import set_cover
    >>> p = set_cover(20, 40, 0.1, seed=1)
    >>> p.num_rows, p.num_cols, p.solve().status
    (20, 40, 0)
    """
    if not (0 < density <= 1) or n_rows < 1 or n_cols < 2:
        raise ValueError("`density` must be in (0, 1] and sizes positive")
    rng = _rng(seed)
    nnz = max(int(n_rows * n_cols * density), 2 * n_rows)
    # every column covers at least one row, every row is covered by >= 2 columns
    rows = [rng.permutation(n_rows)[:min(n_rows, n_cols)] if n_cols <= n_rows else
            rng.integers(0, n_rows, n_cols)]
    cols = [np.arange(min(n_rows, n_cols)) if n_cols <= n_rows else np.arange(n_cols)]
    rows.append(np.repeat(np.arange(n_rows), 2))
    cols.append(np.concatenate([rng.choice(n_cols, 2, replace=False)
                                for _ in range(n_rows)]))
    extra = max(0, nnz - sum(len(r) for r in rows))
    rows.append(rng.integers(0, n_rows, extra))
    cols.append(rng.integers(0, n_cols, extra))
    r = np.concatenate(rows)
    c_ = np.concatenate(cols)
    A = sp.csr_matrix((np.ones(r.size), (r, c_)), shape=(n_rows, n_cols))
    A.data[:] = 1.0
    cost = rng.integers(1, max_cost + 1, n_cols).astype(float)
    return Problem(cost, A, np.ones(n_rows), np.full(n_rows, np.inf), 0, 1, 1,
                   name=f"setcover_{n_rows}x{n_cols}_{seed}")


def combinatorial_auction(n_items=100, n_bids=500, seed=0, add_prob=0.65,
                          additivity=0.2, value_deviation=0.5, max_sub_bids=5):
    """Winner determination: ``max p @ x``, each item in at most one
    accepted bid, ``x`` binary.

    Bidders draw private values around common item values; each bundle
    grows from a first item by item compatibility weighted by the bidder's
    interests, with a superadditive price ``sum of values + size**(1 +
    additivity)`` (Leyton-Brown et al.'s *arbitrary* relationships, as
    generated in learn2branch). A bidder's substitutable bids share a dummy
    item, so at most one of them wins.

    Examples
    --------
    >>> from optsolve.milp.generators import combinatorial_auction
    >>> p = combinatorial_auction(10, 30, seed=2)
    >>> p.sense, p.num_cols, p.solve().status
    ('maximize', 30, 0)
    """
    if n_items < 2 or n_bids < 1:
        raise ValueError("`n_items` must be >= 2 and `n_bids` >= 1")
    rng = _rng(seed)
    max_value = 100.0
    values = 1 + (max_value - 1) * rng.random(n_items)
    compat = np.triu(rng.random((n_items, n_items)), k=1)
    compat = compat + compat.T
    compat /= compat.sum(axis=1, keepdims=True)

    def grow(first, interests, private):
        bundle = [first]
        while rng.random() < add_prob and len(bundle) < n_items:
            w = interests * compat[bundle].mean(axis=0)
            w[bundle] = 0
            if w.sum() <= 0:
                break
            bundle.append(int(rng.choice(n_items, p=w / w.sum())))
        bundle = sorted(set(bundle))
        price = private[bundle].sum() + len(bundle) ** (1 + additivity)
        return bundle, price

    bids = []          # (bundle, price, bidder)
    bidder = 0
    while len(bids) < n_bids:
        interests = rng.random(n_items)
        private = values + max_value * value_deviation * (2 * interests - 1)
        first = int(rng.choice(n_items, p=interests / interests.sum()))
        bundle, price = grow(first, interests, private)
        if price <= 0:
            continue
        mine = [(bundle, price)]
        # substitutable bids sharing an item with the first one, dearest
        # first, within the bidder's budget and above a resale value
        subs = [grow(int(item), interests, private) for item in bundle]
        budget = 1.5 * price
        resale = 0.5 * values[bundle].sum()
        for sub, sub_price in sorted(subs, key=lambda t: -t[1]):
            if len(mine) > max_sub_bids or len(bids) + len(mine) >= n_bids:
                break
            if not 0 < sub_price <= budget or values[sub].sum() < resale:
                continue
            if all(sub != b for b, _ in mine):
                mine.append((sub, sub_price))
        bids += [(b, pr, bidder) for b, pr in mine]
        bidder += 1
    bids = bids[:n_bids]
    rows, cols = [], []
    dummy = {}
    for k, (bundle, _, who) in enumerate(bids):
        rows.append(np.array(bundle))
        cols.append(np.full(len(bundle), k))
        dummy.setdefault(who, []).append(k)
    extra = n_items
    for who, ks in dummy.items():
        if len(ks) > 1:
            rows.append(np.full(len(ks), extra))
            cols.append(np.array(ks))
            extra += 1
    r = np.concatenate(rows)
    c_ = np.concatenate(cols)
    A = sp.csr_matrix((np.ones(r.size), (r, c_)), shape=(extra, n_bids))
    A = A[np.diff(A.indptr) > 0]
    m = A.shape[0]
    prices = np.round(np.array([pr for _, pr, _ in bids]), 2)
    return Problem(prices, A, np.full(m, -np.inf), np.ones(m), 0, 1, 1,
                   sense="maximize", name=f"cauction_{n_items}x{n_bids}_{seed}")


def capacitated_facility_location(n_customers=100, n_facilities=100, ratio=5.0,
                                  seed=0):
    """Capacitated facility location (Cornuejols et al. 1991).

    Columns: ``x_ij`` (fraction of customer ``i`` served by ``j``,
    continuous) then ``y_j`` (facility open, binary). Rows: demand
    ``sum_j x_ij = 1``, capacity ``sum_i d_i x_ij <= s_j y_j``, total
    capacity ``sum_j s_j y_j >= sum_i d_i``, tightening ``x_ij <= y_j``.

    Examples
    --------
    >>> from optsolve.milp.generators import capacitated_facility_location
    >>> p = capacitated_facility_location(8, 5, seed=0)
    >>> p.num_cols, int(p.is_integer.sum())
    (45, 5)
    """
    if n_customers < 1 or n_facilities < 1 or ratio <= 0:
        raise ValueError("sizes must be positive and `ratio` > 0")
    rng = _rng(seed)
    nc, nf = n_customers, n_facilities
    cx, cy = rng.random(nc), rng.random(nc)
    fx, fy = rng.random(nf), rng.random(nf)
    demand = rng.integers(5, 36, nc).astype(float)
    cap = rng.integers(10, 161, nf).astype(float)
    fixed = (rng.integers(100, 111, nf) * np.sqrt(cap)
             + rng.integers(0, 91, nf)).astype(float)
    cap = cap * ratio * demand.sum() / cap.sum()
    cap = np.floor(cap)
    dist = np.sqrt((cx[:, None] - fx[None, :]) ** 2 + (cy[:, None] - fy[None, :]) ** 2)
    trans = np.round(10 * dist * demand[:, None], 4)
    nx = nc * nf
    xidx = np.arange(nx).reshape(nc, nf)
    yidx = nx + np.arange(nf)
    blocks_r, blocks_c, blocks_v = [], [], []
    lo, hi = [], []
    row = 0
    # demand rows
    blocks_r.append(np.repeat(np.arange(nc), nf))
    blocks_c.append(xidx.ravel())
    blocks_v.append(np.ones(nx))
    lo += [1.0] * nc
    hi += [1.0] * nc
    row += nc
    # capacity rows: sum_i d_i x_ij - s_j y_j <= 0
    blocks_r.append(row + np.tile(np.arange(nf), nc))
    blocks_c.append(xidx.ravel())
    blocks_v.append(np.repeat(demand, nf))
    blocks_r.append(row + np.arange(nf))
    blocks_c.append(yidx)
    blocks_v.append(-cap)
    lo += [-np.inf] * nf
    hi += [0.0] * nf
    row += nf
    # total capacity
    blocks_r.append(np.full(nf, row))
    blocks_c.append(yidx)
    blocks_v.append(cap)
    lo.append(demand.sum())
    hi.append(np.inf)
    row += 1
    # tightening x_ij - y_j <= 0
    blocks_r.append(row + np.arange(nx))
    blocks_c.append(xidx.ravel())
    blocks_v.append(np.ones(nx))
    blocks_r.append(row + np.arange(nx))
    blocks_c.append(np.tile(yidx, nc))
    blocks_v.append(-np.ones(nx))
    lo += [-np.inf] * nx
    hi += [0.0] * nx
    row += nx
    A = sp.csr_matrix((np.concatenate(blocks_v),
                       (np.concatenate(blocks_r), np.concatenate(blocks_c))),
                      shape=(row, nx + nf))
    c = np.concatenate([trans.ravel(), fixed])
    integ = np.concatenate([np.zeros(nx, np.uint8), np.ones(nf, np.uint8)])
    return Problem(c, A, lo, hi, 0, 1, integ,
                   name=f"facilities_{nc}x{nf}_{seed}")


def _barabasi_albert(n, m, rng):
    """Edges of a Barabasi-Albert graph (each new node attaches to m)."""
    edges = [(i, j) for i in range(m + 1) for j in range(i + 1, m + 1)]
    degree = np.zeros(n)
    for i, j in edges:
        degree[i] += 1
        degree[j] += 1
    for v in range(m + 1, n):
        p = degree[:v] / degree[:v].sum()
        targets = rng.choice(v, m, replace=False, p=p)
        for t in targets:
            edges.append((int(t), v))
            degree[t] += 1
        degree[v] += m
    return edges


def independent_set(n_nodes=500, affinity=4, seed=0):
    """Maximum independent set on a Barabasi-Albert graph with clique
    inequalities (greedy clique partition, as learn2branch).

    Examples
    --------
    >>> from optsolve.milp.generators import independent_set
    >>> p = independent_set(30, 4, seed=0)
    >>> p.sense, p.num_cols, p.solve().status
    ('maximize', 30, 0)
    """
    if affinity < 1 or n_nodes <= affinity:
        raise ValueError("`n_nodes` must exceed `affinity` >= 1")
    rng = _rng(seed)
    edges = _barabasi_albert(n_nodes, affinity, rng)
    nbrs = [set() for _ in range(n_nodes)]
    for i, j in edges:
        nbrs[i].add(j)
        nbrs[j].add(i)
    # greedy clique partition: highest degree first
    left = set(range(n_nodes))
    cliques = []
    for v in sorted(range(n_nodes), key=lambda v: -len(nbrs[v])):
        if v not in left:
            continue
        clique = {v}
        for u in sorted(nbrs[v] & left, key=lambda u: -len(nbrs[u])):
            if all(u in nbrs[w] for w in clique):
                clique.add(u)
        left -= clique
        cliques.append(sorted(clique))
    covered = set()
    for cl in cliques:
        for a in range(len(cl)):
            for b in range(a + 1, len(cl)):
                covered.add((cl[a], cl[b]))
    rows = [cl for cl in cliques if len(cl) > 1]
    rows += [[i, j] for i, j in ((min(e), max(e)) for e in edges)
             if (i, j) not in covered]
    r = np.concatenate([np.full(len(cl), k) for k, cl in enumerate(rows)])
    c_ = np.concatenate([np.array(cl) for cl in rows])
    A = sp.csr_matrix((np.ones(r.size), (r, c_)), shape=(len(rows), n_nodes))
    return Problem(np.ones(n_nodes), A, np.full(len(rows), -np.inf),
                   np.ones(len(rows)), 0, 1, 1, sense="maximize",
                   name=f"indset_{n_nodes}_{affinity}_{seed}")


def knapsack(n_items=30, n_constraints=1, tightness=0.5, seed=0):
    """Multi-dimensional 0-1 knapsack: ``max p @ x, W x <= t * W.sum(1)``.

    Examples
    --------
    >>> from optsolve.milp.generators import knapsack
    >>> knapsack(10, seed=3).solve().status
    0
    """
    if n_items < 1 or n_constraints < 1 or not 0 < tightness < 1:
        raise ValueError("sizes must be positive and `tightness` in (0, 1)")
    rng = _rng(seed)
    W = rng.integers(1, 100, (n_constraints, n_items)).astype(float)
    p = (np.round(W.mean(axis=0)) + rng.integers(0, 30, n_items)).astype(float)
    cap = np.floor(tightness * W.sum(axis=1))
    return Problem(p, W, np.full(n_constraints, -np.inf), cap, 0, 1, 1,
                   sense="maximize", name=f"knapsack_{n_items}_{seed}")


#: The four learn2branch classes at their training sizes, by name.
GENERATORS = {
    "setcover": set_cover,
    "cauctions": combinatorial_auction,
    "facilities": capacitated_facility_location,
    "indset": independent_set,
}
