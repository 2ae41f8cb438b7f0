"""Clique cuts, the cut pool and the root loop's budget: every clique of the
conflict graph is a set of pairwise conflicts (checked by enumerating each
row), every clique cut keeps every feasible point (enumeration, scipy's
optimum), and milp with the clique family still agrees with scipy."""
import itertools
import zlib

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint

from optsolve.milp.cuts import Cut, RootSeparator
from optsolve.milp.cuts.clique import CliqueSeparator, ConflictGraph
from optsolve.milp.cuts.pool import CutPool
from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation

from ._cut_validity import check_family, check_milp
from ._instances import as_problem, reference
from .test_cuts import _separate
from .test_cuts_families import GENERATORS, feasible_points


def conflict_rows(rng, n=9, m=4):
    """Binary rows with mixed signs and one bounded continuous column:
    knapsacks whose heavy items pairwise conflict, and implications."""
    A = rng.integers(-4, 9, (m, n)).astype(float)
    A[:, -1] = rng.integers(-2, 3, m)
    b = np.floor(np.clip(A, 0, None).sum(axis=1) * 0.35)
    integ = np.ones(n)
    integ[-1] = 0
    ub = np.ones(n)
    ub[-1] = 2.5
    return dict(c=-rng.integers(1, 20, n).astype(float), integrality=integ,
                bounds=Bounds(0, ub),
                constraints=LinearConstraint(A, -np.inf, b))


def odd_cycles(rng, n=9):
    """Edge rows x_i + x_j <= 1 of a random graph with triangles: the LP
    optimum sits at 1/2 where a clique of the graph is violated."""
    edges = {(i, (i + 1) % n) for i in range(n)}
    edges |= {(i, (i + 2) % n) for i in range(0, n, 2)}
    edges |= {tuple(sorted(rng.choice(n, 2, replace=False))) for _ in range(4)}
    A = np.zeros((len(edges), n))
    for r, (i, j) in enumerate(sorted(edges)):
        A[r, [i, j]] = 1
    return dict(c=-rng.integers(1, 10, n).astype(float), integrality=1,
                bounds=(0, 1), constraints=LinearConstraint(A, -np.inf, 1))


CLASSES = dict(GENERATORS, conflict_rows=conflict_rows, odd_cycles=odd_cycles)


def _lit_value(lit, x):
    return x[lit // 2] if lit % 2 == 0 else 1 - x[lit // 2]


def _root(p, families=("clique",), rounds=6, **kw):
    return _separate(p, rounds, families, **kw)


@pytest.mark.parametrize("seed", range(10))
def test_every_clique_is_a_set_of_pairwise_conflicts_of_one_row(seed):
    """Each pair of literals of a clique: no point of the row's box with
    both literals at 1 satisfies the row (checked for every row that could
    have produced it, by enumerating the other binaries at their best
    values and the continuous column at its best bound)."""
    rng = np.random.default_rng(seed)
    kw = conflict_rows(rng)
    p = as_problem(kw)
    g = ConflictGraph(p.A, p.row_lower, p.row_upper, p.is_integer, p.lb, p.ub)
    A = p.A.toarray()
    pts = [x for x in feasible_points(p, rng, max_int=512, objectives=2)]
    for q in g.cliques:
        assert q.size >= 2
        for x in pts:
            assert sum(_lit_value(l, x) for l in q) <= 1 + 1e-9, (q, x)
        for l1, l2 in itertools.combinations(q.tolist(), 2):
            # some row, at its least activity given both literals at 1, is
            # violated
            x_lo = np.where(A > 0, p.lb, p.ub)         # per-row minimiser
            ok = False
            for r in range(A.shape[0]):
                xr = x_lo[r].copy()
                xr[l1 // 2] = 1 - l1 % 2
                xr[l2 // 2] = 1 - l2 % 2
                if A[r] @ xr > p.row_upper[r] + 1e-9:
                    ok = True
            assert ok, (q, l1, l2)


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_clique_cuts_keep_feasible_points(cls):
    rng = np.random.default_rng(zlib.crc32(f"{cls}/clique".encode()))
    total = check_family(CLASSES[cls], "clique", rng)
    if cls in ("odd_cycles", "conflict_rows"):
        assert total > 0, "the clique family should find cuts on this class"


def test_triangle_clique_closes_the_gap():
    """Three pairwise rows x_i + x_j <= 1: the LP takes 1/2 each (1.5), the
    clique x0 + x1 + x2 <= 1 gives the optimum 1."""
    A = np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]])
    kw = dict(c=-np.ones(3), integrality=1, bounds=(0, 1),
              constraints=LinearConstraint(A, -np.inf, 1))
    sep = _root(as_problem(kw))
    assert sep.bounds[0] == pytest.approx(-1.5)
    assert sep.bounds[-1] == pytest.approx(-1.0)
    assert sep.family_added["clique"] == 1


def test_clique_extension_merges_row_cliques():
    """The rows {0,1}, {1,2}, {0,2} and {0,1,3}, {2,3}...: a violated clique
    is extended with zero-valued literals adjacent to all its members."""
    A = np.array([[1.0, 1, 0, 1], [0, 1, 1, 1], [1, 0, 1, 0], [0, 0, 1, 1]])
    sep = CliqueSeparator(A, np.full(4, -np.inf), np.ones(4), np.ones(4, bool),
                          np.zeros(4), np.ones(4))
    x = np.array([0.5, 0.5, 0.5, 0.0])
    cuts = sep.separate(x, None, np.zeros(4), np.ones(4))
    assert len(cuts) == 1
    assert sorted(cuts[0].idx.tolist()) == [0, 1, 2, 3]


def test_complemented_literals_from_negative_coefficients():
    """x0 - x1 <= 0 and x0 + x2 <= 1 give the cliques {x0, not x1} and
    {x0, x2}: a cut over complemented literals is valid."""
    A = np.array([[1.0, -1, 0], [1, 0, 1]])
    g = ConflictGraph(A, np.full(2, -np.inf), np.array([0.0, 1.0]),
                      np.ones(3, bool), np.zeros(3), np.ones(3))
    assert sorted(map(sorted, (q.tolist() for q in g.cliques))) == [[0, 3], [0, 4]]


@pytest.mark.parametrize("cls", ["odd_cycles", "conflict_rows", "multi_knapsack"])
def test_milp_with_the_clique_family_agrees_with_scipy(cls):
    check_milp(CLASSES[cls], ("gomory", "mir", "cover", "clique"), 11)


def test_pool_offers_back_only_violated_cuts():
    pool = CutPool(3, capacity=2)
    a = Cut(np.array([0, 1]), np.array([1.0, 1.0]), 1.0, 0.0)
    b = Cut(np.array([2]), np.array([1.0]), 0.5, 0.0)
    c = Cut(np.array([0]), np.array([1.0]), 0.2, 0.0)
    pool.add([a, b, c])
    assert len(pool) == 2 and pool.cuts == [b, c]      # the oldest left
    got = pool.separate(np.array([0.0, 0.0, 1.0]))
    assert got == [c] and got[0].efficacy == pytest.approx(0.2)
    assert pool.cuts == [b]


def test_slack_cuts_go_to_the_pool_and_every_cut_stays_valid():
    rng = np.random.default_rng(5)
    for _ in range(3):
        kw = GENERATORS["multi_knapsack"](rng)
        p = as_problem(kw)
        c = p.c if p.sense == "minimize" else -p.c
        lp = LPRelaxation(c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
        assert lp.solve() == LP_OPTIMAL
        sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer,
                            rounds=8)
        sep.run(p.lb, p.ub, LP_OPTIMAL)
        ref = reference(kw)
        for cut in sep.cuts + sep.pool.cuts:
            assert cut.activity(ref.x) >= cut.rhs - 1e-7 * (1 + abs(cut.rhs))


def test_time_budget_ends_the_rounds():
    rng = np.random.default_rng(3)
    kw = GENERATORS["multi_knapsack"](rng)
    p = as_problem(kw)
    sep = _root(p, RootSeparator.FAMILIES, rounds=50, budget_factor=0.0,
                min_budget=0.0)
    assert len(sep.bounds) - 1 <= 1
    assert sep.stop_reason in ("budget", "no cuts")
    sep = _root(p, RootSeparator.FAMILIES, rounds=1)
    assert sep.stop_reason in ("rounds", "no cuts", "stall")


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown names"):
        _root(as_problem(odd_cycles(np.random.default_rng(0))), ("clique", "zero"))


def test_empty_rows_and_rows_without_binaries():
    """Empty rows (last ones included) and rows of continuous columns give
    no clique (the fuzz found a crash on trailing empty rows)."""
    A = np.array([[1.0, 1, 0], [0, 0, 0], [0, 0, 1], [0, 0, 0]])
    g = ConflictGraph(A, np.full(4, -np.inf), np.array([1.0, 1, 1, 1]),
                      np.array([True, True, False]), np.zeros(3), np.ones(3))
    assert [sorted(q.tolist()) for q in g.cliques] == [[0, 2]]
    g = ConflictGraph(np.zeros((2, 2)), np.zeros(2), np.ones(2),
                      np.ones(2, bool), np.zeros(2), np.ones(2))
    assert g.cliques == [] and g.M.shape == (0, 4)


def test_pool_round_adds_back_violated_pool_cuts_at_a_node():
    """After the root rounds, a child's bound change makes pool cuts
    violated again: pool_round adds them to the LP, every one valid."""
    rng = np.random.default_rng(9)
    added = 0
    for _ in range(10):
        kw = GENERATORS["multi_knapsack"](rng)
        p = as_problem(kw)
        lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
        assert lp.solve() == LP_OPTIMAL
        sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer,
                            rounds=8)
        sep.run(p.lb, p.ub, LP_OPTIMAL)
        ref = reference(kw)
        x = lp.solution()[0]
        for j in np.argsort(-np.abs(x - np.round(x)))[:3]:
            lb, ub = p.lb.copy(), p.ub.copy()
            lb[j] = ub[j] = 1.0 - np.round(x[j])      # the other child
            lp.set_bounds(lb, ub)
            if lp.solve() != LP_OPTIMAL:
                continue
            rows = lp.m
            k = sep.pool_round()
            assert lp.m == rows + k
            added += k
        for cut in sep.cuts + sep.pool.cuts:
            assert cut.activity(ref.x) >= cut.rhs - 1e-7 * (1 + abs(cut.rhs))
    assert added > 0
