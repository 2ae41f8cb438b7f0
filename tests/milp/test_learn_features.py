"""The bipartite node state of optsolve.milp.learn.features, feature by
feature on a tiny inline MILP, and its invariances."""
import numpy as np
import pytest
import scipy.sparse as sp

from optsolve.milp import Problem
from optsolve.milp.branching import Pseudocost
from optsolve.milp.generators import set_cover
from optsolve.milp.learn import CONS_FEATURES, VAR_FEATURES, FeatureCache

S5, S2, S26 = np.sqrt(5.0), np.sqrt(2.0), np.sqrt(26.0)
INF = np.inf


def tiny():
    # x0 binary, x1 integer in [0, 5], x2 continuous >= 0, x3 integer >= -2
    #  r0:      2 x0 + x1        <= 4    (one-sided, upper)
    #  r1: 1 <=        x1 - 2 x2 <= 3    (two-sided)
    #  r2: 1 <=   x0        + x3 <= 1    (equality: two-sided too)
    #  r3: -1 <=         x2 + x3         (one-sided, lower)
    A = np.array([[2, 1, 0, 0], [0, 1, -2, 0], [1, 0, 0, 1], [0, 0, 1, 1.0]])
    return Problem([-3, 4, 0, 1], A, [-INF, 1, 1, -1], [4, 3, 1, INF],
                   [0, 0, 0, -2], [1, 5, INF, INF], [1, 1, 0, 1])


def node_arrays(scale_rows=None, scale_obj=1.0):
    """A hand-made node of tiny(): x1 branched down to 3."""
    x = np.array([0.5, 3.0, 0.0, 0.5])
    lb = np.array([0, 0, 0, -2.0])
    ub = np.array([1, 3, INF, INF])
    status = np.array([1, 2, 4, 1], np.int8)     # basic, upper, nonbasic, basic
    rc = np.array([0, -1.5, 2, 0]) * scale_obj
    act = np.array([4, 3, 1, 0.5])               # r0, r1 (upper), r2 tight
    dual = np.array([-0.5, -1, 2, 0]) * scale_obj
    if scale_rows is not None:
        act = act * scale_rows
        dual = dual / scale_rows
    return x, lb, ub, status, rc, act, dual


def test_names():
    assert len(VAR_FEATURES) == 19 and len(CONS_FEATURES) == 5


def test_static_parts_and_two_sided_split():
    f = FeatureCache(tiny())
    # lower sides first (r1, r2, r3), then upper sides (r0, r1, r2)
    assert f.rows.tolist() == [1, 2, 3, 0, 1, 2]
    assert f.sign.tolist() == [-1, -1, -1, 1, 1, 1]
    edges = {(int(i), int(j)): v for (i, j), v in
             zip(f.edge_index.T, f.edge_attr[:, 0])}
    want = {(0, 1): -1 / S5, (0, 2): 2 / S5,      # -(x1 - 2 x2) >= ... as <=
            (1, 0): -1 / S2, (1, 3): -1 / S2,
            (2, 2): -1 / S2, (2, 3): -1 / S2,
            (3, 0): 2 / S5, (3, 1): 1 / S5,
            (4, 1): 1 / S5, (4, 2): -2 / S5,
            (5, 0): 1 / S2, (5, 3): 1 / S2}
    assert edges.keys() == want.keys()
    for k, v in want.items():
        assert edges[k] == pytest.approx(v, rel=1e-12)


def test_each_feature_by_hand():
    f = FeatureCache(tiny())
    x, lb, ub, status, rc, act, dual = node_arrays()
    s = f.compute(x, lb, ub, status, rc, act, dual, None, [0, 3])
    # columns: type(4) obj has_lb has_ub at_lb at_ub frac basis(4) rc age
    # value incumbent average
    want_var = np.array([
        [1, 0, 0, 0, -3 / S26, 1, 1, 0, 0, .5, 0, 1, 0, 0, 0, 0, .5, 0, 0],
        [0, 1, 0, 0, 4 / S26, 1, 1, 0, 1, 0, 0, 0, 1, 0, -1.5 / S26, 0, 3, 0, 0],
        [0, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 2 / S26, 1 / 6, 0, 0, 0],
        [0, 1, 0, 0, 1 / S26, 1, 0, 0, 0, .5, 0, 1, 0, 0, 0, 0, .5, 0, 0]])
    np.testing.assert_allclose(s.var, want_var, rtol=1e-12, atol=1e-15)
    # cosine, bias, tight, age, dual; rows as in test_static_parts...
    want_cons = np.array([
        [-4 / (S5 * S26), -1 / S5, 0, 0, 1 / (S5 * S26)],
        [2 / (S2 * S26), -1 / S2, 1, 0, -2 / (S2 * S26)],
        [-1 / (S2 * S26), 1 / S2, 0, 1 / 6, 0],
        [-2 / (S5 * S26), 4 / S5, 1, 0, -0.5 / (S5 * S26)],
        [4 / (S5 * S26), 3 / S5, 1, 0, -1 / (S5 * S26)],
        [-2 / (S2 * S26), 1 / S2, 1, 0, 2 / (S2 * S26)]])
    np.testing.assert_allclose(s.cons, want_cons, rtol=1e-12, atol=1e-15)
    assert s.candidates.tolist() == [0, 3]


def test_ages_and_incumbent_average():
    f = FeatureCache(tiny())
    a = node_arrays()
    f.compute(*a, None, [0])
    inc1 = np.array([1, 2, 0, 0.0])
    s = f.compute(*a, inc1, [0])
    assert s.var[2, 15] == pytest.approx(2 / 7)       # x2 nonbasic at 0 twice
    assert s.cons[2, 3] == pytest.approx(2 / 7)       # r3 slack twice
    np.testing.assert_array_equal(s.var[:, 17], inc1)
    np.testing.assert_array_equal(s.var[:, 18], inc1)
    s = f.compute(*a, inc1, [0])                      # same incumbent: no new entry
    np.testing.assert_array_equal(s.var[:, 18], inc1)
    inc2 = np.array([0, 3, 1, 1.0])
    x, lb, ub, status, rc, act, dual = a
    x = x.copy()
    x[2] = 1.0                                        # x2 leaves 0: age resets
    act = act.copy()
    act[3] = -1.0                                     # r3 becomes tight
    s = f.compute(x, lb, ub, status, rc, act, dual, inc2, [0])
    np.testing.assert_array_equal(s.var[:, 17], inc2)
    np.testing.assert_allclose(s.var[:, 18], [.5, 2.5, .5, .5])
    assert s.var[2, 15] == 0 and s.cons[2, 3] == 0 and s.cons[2, 2] == 1


def test_invariant_to_row_and_objective_scaling():
    p = tiny()
    base = FeatureCache(p).compute(*node_arrays(), None, [0])
    k = np.array([3.0, 0.25, 7.0, 2.0])
    q = Problem(4.5 * p.c, sp.diags(k) @ p.A, k * p.row_lower, k * p.row_upper,
                p.lb, p.ub, p.integrality)
    s = FeatureCache(q).compute(*node_arrays(scale_rows=k, scale_obj=4.5),
                                None, [0])
    np.testing.assert_allclose(s.cons[:, :4], base.cons[:, :4], rtol=1e-12,
                               atol=1e-15)
    # the paper's dual / (||a|| ||c||) scales as 1 / k^2 with its row
    np.testing.assert_allclose(s.cons[:, 4] * k[FeatureCache(p).rows] ** 2,
                               base.cons[:, 4], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s.var, base.var, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s.edge_attr, base.edge_attr, rtol=1e-12)


def test_column_permutation_permutes_features():
    p = tiny()
    perm = np.array([2, 0, 3, 1])
    base = FeatureCache(p).compute(*node_arrays(), None, [0])
    q = Problem(p.c[perm], p.A[:, perm], p.row_lower, p.row_upper, p.lb[perm],
                p.ub[perm], p.integrality[perm])
    x, lb, ub, status, rc, act, dual = node_arrays()
    s = FeatureCache(q).compute(x[perm], lb[perm], ub[perm], status[perm],
                                rc[perm], act, dual, None, [1])
    np.testing.assert_array_equal(s.var, base.var[perm])
    np.testing.assert_array_equal(s.cons, base.cons)
    got = sorted(zip(s.edge_index[0], perm[s.edge_index[1]], s.edge_attr[:, 0]))
    want = sorted(zip(base.edge_index[0], base.edge_index[1], base.edge_attr[:, 0]))
    assert got == want


class Recorder(Pseudocost):
    """Pseudocost branching that keeps each node's state and features."""

    def __init__(self):
        self.cache = None
        self.seen = []

    def select(self, state):
        if self.cache is None:
            self.cache = FeatureCache(state.problem)
        s = self.cache(state)
        assert self.cache(state) is s          # one LP counted per node
        self.seen.append((state.x.copy(), state.candidates.copy(),
                          state.frac.copy(), s))
        return super().select(state)


def test_in_the_search():
    p = set_cover(50, 100, 0.06, seed=2)
    rule = Recorder()
    res = p.solve(branching=rule, cuts=False, presolve=False, heuristics=False,
                  submip=False)
    assert res.status == 0 and len(rule.seen) >= 2
    m2 = int(np.isfinite(p.row_lower).sum() + np.isfinite(p.row_upper).sum())
    for x, cand, frac, s in rule.seen:
        assert s.var.shape == (100, 19) and s.cons.shape == (m2, 5)
        assert s.edge_index.shape == (2, p.A.nnz) and s.edge_attr.shape == (p.A.nnz, 1)
        assert np.isfinite(s.var).all() and np.isfinite(s.cons).all()
        np.testing.assert_array_equal(s.var[:, 16], x)
        np.testing.assert_allclose(s.var[cand, 9], frac)
        assert np.all(s.var[:, 10:14].sum(axis=1) == 1)
    assert rule.cache.lps == len(rule.seen)
