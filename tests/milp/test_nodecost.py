"""Where a node's time goes: the LP time reported apart from the search's
own (bench/milp_nodes.py reads it), and the node work it must not change."""
import math

import numpy as np

from optsolve.milp.lp import LPRelaxation

from ._instances import CLASSES, as_problem, reference


def test_lp_time_is_part_of_the_run_and_counts_every_solve():
    rng = np.random.default_rng(11)
    kw = CLASSES["general_mixed"](rng, n=20, m=12)
    p = as_problem(kw)
    res = p.solve(presolve=False, cuts=False, submip=False, mip_rel_gap=0)
    ref = reference(kw)
    assert res.status == ref.status
    if res.status == 0:
        assert math.isclose(res.fun, ref.fun, rel_tol=1e-7, abs_tol=1e-7)
    assert res.nodes >= 1
    assert 0.0 < res.lp_time <= res.time


def test_lp_relaxation_times_its_solves():
    rng = np.random.default_rng(2)
    p = as_problem(CLASSES["knapsack"](rng))
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
    assert lp.run_time == 0.0
    lp.solve()
    first = lp.run_time
    assert first > 0.0
    lp.solve()
    assert lp.run_time > first


def test_pseudocosts_kept_means_equal_the_averages_they_replace():
    from optsolve.milp.branching import Pseudocosts
    rng = np.random.default_rng(5)
    n = 9
    pc = Pseudocosts(n)
    seen = {(d, j): [] for d in (0, 1) for j in range(n)}
    for _ in range(60):
        j, d = int(rng.integers(n)), int(rng.integers(2))
        gain, dist = float(rng.random() * 3), float(rng.random())
        pc.update(j, d, gain, dist)
        if dist > 1e-9:
            seen[d, j].append(gain / dist)
    cols = np.arange(n)
    down, up = pc.values(cols)
    for d, got in ((0, down), (1, up)):
        means = [np.mean(seen[d, j]) for j in cols if seen[d, j]]
        avg = np.mean(means) if means else 1.0
        want = [np.mean(seen[d, j]) if seen[d, j] else avg for j in cols]
        assert np.allclose(got, want)
        assert all(math.isclose(pc.value(j, d), want[j]) for j in cols)
    counts = [[len(seen[d, j]) for j in cols] for d in (0, 1)]
    assert pc.reliability(cols).tolist() == np.minimum(*counts).tolist()


class _State:
    def __init__(self, depth, lp_iterations, sb_lp_iterations):
        self.depth = depth
        self.lp_iterations = lp_iterations
        self.sb_lp_iterations = sb_lp_iterations


def test_strong_branching_budget_lowers_reliability_as_scip_does():
    from optsolve.milp.branching._strong import effort_reliability
    # far below the budget: the full threshold
    assert effort_reliability(_State(20, 1000, 10), 5) == 5
    # past it (half the node iterations + 100000): only untried columns
    assert effort_reliability(_State(20, 1000, 200_000), 5) == 0
    # in between the threshold falls towards 1; shallow nodes get more room
    mid = effort_reliability(_State(20, 0, 70_000), 5)
    assert 1 < mid < 5
    assert effort_reliability(_State(0, 0, 70_000), 5) == 5


def test_reliability_zero_never_strong_branches():
    from optsolve.milp.branching import ReliabilityPseudocost
    rng = np.random.default_rng(8)
    kw = CLASSES["knapsack"](rng, n=25)
    res = as_problem(kw).solve(presolve=False, cuts=False, submip=False,
                               branching=ReliabilityPseudocost(reliability=0),
                               mip_rel_gap=0)
    assert res.sb_lp_iterations == 0
    assert math.isclose(res.fun, reference(kw).fun, rel_tol=1e-9, abs_tol=1e-9)


def test_children_store_the_moved_columns_and_the_branching_one_last():
    from optsolve.milp.nodesel import Node, make_selector
    from optsolve.milp.tree import Tree
    tree = Tree(make_selector("best-bound"), False)
    glb, gub = np.zeros(6), np.full(6, 4.0)
    lb, ub = glb.copy(), gub.copy()
    lb[4], ub[1] = 1.0, 2.0          # moved at the parent
    parent = Node(0.0, 0.0, 3, np.empty(0, np.int64), np.empty(0), np.empty(0), None)
    for j in (1, 2):                  # already moved, and not
        down, up = tree.children(parent, j, 1.5, 0.5, (0.0, 0.0), (0.0, 0.0),
                                 lb, ub, glb, gub, None, 0.0, np.inf)
        assert sorted(down.idx.tolist()) == sorted({1, 4, j})
        assert down.idx[-1] == j and up.idx[-1] == j
        assert down.hi[-1] == 1.0 and down.lo[-1] == lb[j]
        assert up.lo[-1] == 2.0 and up.hi[-1] == ub[j]
        for c in (down, up):
            k = c.idx.tolist().index(4)
            assert (c.lo[k], c.hi[k]) == (1.0, 4.0)
            assert c.depth == 4 and c.var == j
