"""Rules pick what their definition says; partitions, trees and message
passing on sparse quadratics."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from optsolve import ConvergenceWarning
from optsolve.optimize.bcd import LabelPropagation, LeastSquares, Quadratic, bcd, lattice_graph
from optsolve.optimize.bcd._forest import forest_structure, greedy_forest, tree_solve
from optsolve.optimize.bcd._scores import ws_scores
from optsolve.optimize.bcd.partitions import fixed_partition
from optsolve.optimize.bcd.rules import FixedBlockScorer, coordinate_scores


# --------------------------------------------------------- hand-made rules


@pytest.mark.parametrize("positive", [False, True])
@pytest.mark.parametrize("rule", ["gs", "gsl"])
def test_fused_working_set_scores_match_the_definitions(rule, positive):
    # the one-pass Numba scores of the working-set solver against the
    # minimum-norm subgradient and coordinate_scores written in NumPy
    rng = np.random.default_rng(3)
    p, alpha = 200, 0.5
    w = np.where(rng.random(p) < 0.3, rng.standard_normal(p), 0.0)
    if positive:
        w = np.abs(w)
    g = rng.standard_normal(p)
    L = rng.random(p) + 0.1
    L[:5] = 0.0                      # all-zero columns score 0
    keep = rng.random(p) < 0.8
    w[~keep] = 0.0                   # screened coordinates sit at zero
    q = g + alpha
    if positive:
        s = np.where(w > 0, q, np.minimum(q, 0.0))
    else:
        s = np.where(w > 0, q, np.where(w < 0, g - alpha,
                                         np.sign(g) * np.maximum(np.abs(g) - alpha, 0.0)))
    want = coordinate_scores(rule, w, g, s, L, alpha, positive)
    want = np.where(w != 0, np.inf, want)
    want[~keep] = -np.inf
    score = np.empty(p)
    v_max, n_supp, n_viol = ws_scores(w, g, keep, L, alpha, positive, rule == "gsl", score)
    np.testing.assert_allclose(score, want, rtol=1e-12)
    assert v_max == pytest.approx(np.max(np.abs(s[keep])))
    assert n_supp == np.count_nonzero(w)
    assert n_viol == np.count_nonzero(s[keep & (w == 0)])


@pytest.mark.filterwarnings("ignore::optsolve.ConvergenceWarning")  # max_iter on purpose
def test_gs_and_gsl_disagree_as_defined():
    # g = (3, 2), L = (100, 1): GS takes coordinate 0, GSL (|g|/sqrt(L)) takes 1
    x = np.zeros(2)
    g = np.array([3.0, 2.0])
    L = np.array([100.0, 1.0])
    assert np.argmax(coordinate_scores("gs", x, g, g, L, 0.0)) == 0
    assert np.argmax(coordinate_scores("gsl", x, g, g, L, 0.0)) == 1
    # the same choice in a real run: the first block update moves coordinate 1
    A = np.diag([100.0, 1.0])
    prob = Quadratic(A, -g)  # gradient at 0 is A*0 - b = g
    res = bcd(prob, rule="gsl", blocks="variable", max_iter=1, tol=0.0)
    assert res.x[0] == 0.0 and res.x[1] == pytest.approx(-2.0)
    res = bcd(prob, rule="gs", blocks="variable", max_iter=1, tol=0.0)
    assert res.x[1] == 0.0 and res.x[0] == pytest.approx(-0.03)


def test_gs_s_ignores_coordinates_inside_the_l1_ball():
    # at x = 0 with alpha = 1, |g| = (0.9, 1.5): only coordinate 1 violates
    x = np.zeros(2)
    g = np.array([0.9, 1.5])
    s = np.array([0.0, 0.5])  # minimum-norm subgradient
    L = np.ones(2)
    assert np.argmax(coordinate_scores("gs", x, g, s, L, 1.0)) == 1
    # GS-r: prox step sizes (0, 0.5); GS-q: decrease 0.5 * L * d^2 = (0, 0.125)
    np.testing.assert_allclose(coordinate_scores("gs-r", x, g, s, L, 1.0), [0.0, 0.5])
    np.testing.assert_allclose(coordinate_scores("gs-q", x, g, s, L, 1.0), [0.0, 0.125])


def test_gs_q_prefers_larger_decrease_than_gs_r():
    # d = (-1, -0.5) for L = (1, 16) without penalty: GS-r picks 0, GS-q picks 1
    x = np.zeros(2)
    L = np.array([1.0, 16.0])
    g = np.array([1.0, 8.0])
    assert np.argmax(coordinate_scores("gs-r", x, g, g, L, 0.0)) == 0
    assert np.argmax(coordinate_scores("gs-q", x, g, g, L, 0.0)) == 1


def test_block_scores_follow_definitions():
    blocks = [np.array([0, 1]), np.array([2, 3])]
    coord_L = np.array([1.0, 1.0, 4.0, 4.0])
    block_L = np.array([1.0, 100.0])
    sc = FixedBlockScorer(blocks, coord_L, block_L)
    g = np.array([1.0, 1.0, 2.0, 0.0])
    x = np.zeros(4)
    np.testing.assert_allclose(sc.scores("gs", x, g, g, 0.0), [2.0, 4.0])          # ||g_b||^2
    np.testing.assert_allclose(sc.scores("gsl", x, g, g, 0.0), [2.0, 0.04])        # / L_b
    np.testing.assert_allclose(sc.scores("gsd", x, g, g, 0.0), [2.0, 1.0])         # sum |g|/sqrt(L_i)
    C = [np.linalg.cholesky(np.eye(2)), np.linalg.cholesky(4 * np.eye(2))]
    sc = FixedBlockScorer(blocks, coord_L, block_L, C)
    np.testing.assert_allclose(sc.scores("gsq", x, g, g, 0.0), [2.0, 1.0])         # g^T H^-1 g


@pytest.mark.filterwarnings("ignore::optsolve.ConvergenceWarning")  # max_iter on purpose
def test_cyclic_visits_blocks_in_order():
    A = np.diag([1.0, 2.0, 3.0])
    prob = Quadratic(A, np.ones(3))
    xs = []
    for k in range(1, 4):
        xs.append(bcd(prob, rule="cyclic", blocks="contiguous", max_iter=k, tol=0.0).x)
    assert np.count_nonzero(xs[0]) == 1 and xs[0][0] != 0
    assert np.count_nonzero(xs[1]) == 2 and xs[1][1] != 0
    np.testing.assert_allclose(xs[2], [1.0, 0.5, 1 / 3])


@pytest.mark.filterwarnings("ignore::optsolve.ConvergenceWarning")  # max_iter on purpose
def test_lipschitz_sampling_frequencies():
    L = np.array([1.0, 9.0])
    prob = Quadratic(np.diag(L), np.zeros(2))
    rng = np.random.default_rng(0)
    hits = np.zeros(2)
    for _ in range(300):
        x0 = rng.standard_normal(2)
        res = bcd(prob, x0, rule="lipschitz", blocks="contiguous", max_iter=1, tol=0.0,
                  random_state=rng)
        hits += res.x == 0.0  # the updated coordinate is solved exactly
    assert 0.8 < hits[1] / hits.sum() < 0.97


def test_sorted_partition_groups_similar_curvature():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 6)) * np.array([1, 10, 1, 10, 1, 10.0])
    blocks = fixed_partition(LeastSquares(X, np.zeros(20)), "sorted", 3, rng)
    assert sorted(map(tuple, blocks)) == [(0, 2, 4), (1, 3, 5)]


# --------------------------------------------------------- trees, message passing


def _random_tree_matrix(m, rng):
    parent = np.array([-1] + [int(rng.integers(i)) for i in range(1, m)])
    r = np.arange(1, m)
    W = sp.coo_matrix((rng.uniform(0.5, 2, m - 1), (r, parent[1:])), shape=(m, m))
    W = (W + W.T).tocsr()
    A = sp.diags(np.asarray(W.sum(axis=1)).ravel() + rng.uniform(0.1, 1, m)) - W
    return A.tocsr()


def test_message_passing_solves_a_tree_exactly():
    rng = np.random.default_rng(0)
    A = _random_tree_matrix(300, rng)
    rhs = rng.standard_normal(300)
    block = np.arange(300, dtype=np.int64)
    mark = np.full(300, -1, dtype=np.int64)
    order, parent, diag, offd = forest_structure(block, A.indptr.astype(np.int64),
                                                 A.indices.astype(np.int64), A.data, mark)
    x = tree_solve(order, parent, diag, offd, rhs)
    np.testing.assert_allclose(A @ x, rhs, atol=1e-10)
    # a tree-shaped quadratic is solved in one block update
    res = bcd(Quadratic(A, rhs), blocks="tree", block_size=300, tol=1e-12)
    assert res.nit == 1 and res.success


def test_greedy_forest_blocks_are_acyclic():
    A = lattice_graph(8)
    rng = np.random.default_rng(1)
    mark = np.full(64, -1, dtype=np.int64)
    blk = greedy_forest(rng.permutation(64).astype(np.int64), 64,
                        A.indptr.astype(np.int64), A.indices.astype(np.int64), mark)
    sub = A[blk][:, blk]
    n_edges = sub.nnz // 2
    n_comp = sp.csgraph.connected_components(sub)[0]
    assert n_edges == blk.size - n_comp  # a forest: edges = nodes - components
    assert blk.size > 32 and np.all(mark == -1)


@pytest.mark.parametrize("blocks,rule", [("tree", "gs"), ("tree", "gsl"), ("forest", "cyclic"),
                                         ("forest", "gsl"), ("colour", "cyclic"),
                                         ("colour", "random")])
def test_label_propagation_matches_sparse_solve(blocks, rule):
    rng = np.random.default_rng(0)
    W = lattice_graph(10)
    labels = np.full(100, np.nan)
    pick = rng.choice(100, 8, replace=False)
    labels[pick] = rng.choice([-1.0, 1.0], 8)
    prob = LabelPropagation(W, labels, label_weight=10.0)
    ref = spsolve(prob.A.tocsc(), prob.b)
    res = bcd(prob, rule=rule, blocks=blocks, block_size=50, tol=1e-10, random_state=0)
    assert res.success
    np.testing.assert_allclose(res.x, ref, atol=1e-7)
    for b in fixed_partition(prob, "forest", 50, rng) if blocks == "forest" else []:
        sub = prob.A[b][:, b]
        assert (sub.nnz - b.size) // 2 == b.size - sp.csgraph.connected_components(sub)[0]


def test_maintained_gradient_stays_exact():
    rng = np.random.default_rng(0)
    W = lattice_graph(6)
    labels = np.where(rng.random(36) < 0.2, 1.0, np.nan)
    labels[0] = -1.0
    prob = LabelPropagation(W, labels, label_weight=5.0)
    with pytest.warns(ConvergenceWarning):
        res = bcd(prob, rule="gsl", blocks="variable", block_size=4, max_iter=200, tol=0.0)
    assert res.limit == "max_iter"
    # the reported measure equals the gradient computed from scratch
    g = prob.A @ res.x - prob.b
    assert res.grad_norm == pytest.approx(np.max(np.abs(g)), rel=1e-9, abs=1e-12)


# --------------------------------------------- greedy selection by a max tree


def test_max_tree_tracks_the_argmax_under_updates():
    from optsolve.optimize.bcd.solvers.greedy_quadratic._kernels import max_tree, max_tree_update
    rng = np.random.default_rng(4)
    score = rng.random(37)
    tree = max_tree(score)
    for _ in range(300):
        i = int(rng.integers(37))
        score[i] = rng.random() * rng.choice([0.0, 1.0, 2.0])
        max_tree_update(tree, score, i)
        assert tree[1] == int(np.argmax(score))   # ties: the smaller index, as argmax


@pytest.mark.parametrize("rule", ["gs", "gsl"])
def test_greedy_sparse_quadratic_tree_equals_scan_and_solves(rule):
    from optsolve.optimize.bcd.solvers.greedy_quadratic._kernels import (greedy_cd_sparse_quadratic,
                                                                  max_tree)
    rng = np.random.default_rng(5)
    W = lattice_graph(12)
    labels = np.full(144, np.nan)
    labels[rng.choice(144, 10, replace=False)] = rng.choice([-1.0, 1.0], 10)
    prob = LabelPropagation(W, labels, label_weight=10.0, reg=0.1)
    L = prob.coord_lipschitz
    weight = np.ones(144) if rule == "gs" else 1 / np.sqrt(L)
    runs = []
    for use_tree in (True, False):
        x = np.zeros(144)
        g = prob._state(x)
        score = np.abs(g) * weight
        tree = max_tree(score)
        greedy_cd_sparse_quadratic(*prob.graph, L, prob._l2,
                                   weight, x, g, 700, use_tree, tree, score)
        # maintained to rounding (700 updates; fastmath kernels: CPU-dependent bits)
        np.testing.assert_allclose(g, prob._state(x), atol=1e-10 * np.abs(prob.b).max())
        runs.append(x)
    np.testing.assert_array_equal(runs[0], runs[1])   # the same coordinates, in order
    # through bcd (the tree path) to the sparse direct solve
    res = bcd(prob, rule=rule, blocks="variable", block_size=1, tol=1e-10)
    assert res.success and res.nit > 0
    np.testing.assert_allclose(res.x, spsolve(prob.A.tocsc(), prob.b), atol=1e-8)
    # the limits still stop it where asked, with a status
    with pytest.warns(ConvergenceWarning):
        short = bcd(prob, rule=rule, blocks="variable", block_size=1, max_iter=37, tol=1e-14)
    assert short.status == 1 and short.limit == "max_iter" and short.nit == 37
