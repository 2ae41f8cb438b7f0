"""c-MIR and lifted cover cuts: every cut of every family is satisfied by
the scipy.optimize.milp optimum and by other feasible integer points
(enumerated on tiny problems, LP vertices for each binary assignment on
mixed ones); with every family on, milp still matches scipy."""
import itertools
import zlib

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, linprog

from optsolve.milp import milp
from optsolve.milp.cuts import RootSeparator
from optsolve.milp.cuts.cover import CoverSeparator, lifted_cover
from optsolve.milp.cuts.mir import MIRSeparator, VariableBounds
from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation

from ._cut_validity import check_family
from ._instances import CLASSES, as_problem, check_answer, reference, set_cover
from .test_cuts import _separate


def _root(p, families, rounds=6):
    return _separate(p, rounds, families)


def _ok(cut, x, tol=1e-7):
    return cut.activity(x) >= cut.rhs - tol * (1 + abs(cut.rhs))


# -- generators -----------------------------------------------------------

def facility(rng, nf=3, nc=4):
    """Capacitated facility location: open y_i (binary), flows x_ij >= 0
    (continuous) with x_ij <= d_j y_i, sum_i x_ij = d_j, sum_j x_ij <= s_i y_i."""
    d = rng.integers(2, 9, nc).astype(float)
    s = rng.integers(6, 16, nf).astype(float)
    s[0] = max(s[0], d.sum())                  # feasible with every open
    f = rng.integers(10, 40, nf).astype(float)
    cost = rng.integers(1, 9, (nf, nc)).astype(float)
    n = nf + nf * nc
    X = lambda i, j: nf + i * nc + j           # noqa: E731
    rows, lo, hi = [], [], []
    for j in range(nc):
        r = np.zeros(n)
        r[[X(i, j) for i in range(nf)]] = 1
        rows.append(r); lo.append(d[j]); hi.append(d[j])
    for i in range(nf):
        r = np.zeros(n)
        r[[X(i, j) for j in range(nc)]] = 1
        r[i] = -s[i]
        rows.append(r); lo.append(-np.inf); hi.append(0)
        for j in range(nc):
            r = np.zeros(n)
            r[X(i, j)] = 1
            r[i] = -d[j]
            rows.append(r); lo.append(-np.inf); hi.append(0)
    c = np.concatenate([f, cost.ravel()])
    integ = np.r_[np.ones(nf), np.zeros(nf * nc)]
    return dict(c=c, integrality=integ, bounds=Bounds(0, np.r_[np.ones(nf),
                                                               np.full(nf * nc, np.inf)]),
                constraints=LinearConstraint(np.array(rows), lo, hi))


def fixed_charge(rng, k=5):
    """Single-node fixed-charge flow: sum x_j >= D, x_j <= u_j y_j."""
    u = rng.integers(3, 12, k).astype(float)
    D = float(np.floor(u.sum() * 0.6)) + 0.5
    n = 2 * k
    A = np.zeros((k + 1, n))
    A[0, :k] = 1
    for j in range(k):
        A[1 + j, j] = 1
        A[1 + j, k + j] = -u[j]
    c = np.r_[rng.integers(1, 5, k), rng.integers(5, 30, k)].astype(float)
    return dict(c=c, integrality=np.r_[np.zeros(k), np.ones(k)],
                bounds=Bounds(0, np.r_[u, np.ones(k)]),
                constraints=LinearConstraint(A, np.r_[D, np.full(k, -np.inf)],
                                             np.r_[np.inf, np.zeros(k)]))


def multi_knapsack(rng, n=10, m=3):
    """Binary rows with mixed signs, equality-free."""
    A = rng.integers(-6, 30, (m, n)).astype(float)
    b = np.floor(np.clip(A, 0, None).sum(axis=1) * 0.4)
    return dict(c=-rng.integers(1, 30, n).astype(float), integrality=1,
                bounds=(0, 1), constraints=LinearConstraint(A, -np.inf, b))


def general_int(rng, n=6, m=3):
    """General integers in [0, 4] with one continuous column."""
    A = rng.integers(-3, 9, (m, n)).astype(float)
    b = np.floor(np.clip(A, 0, None).sum(axis=1) * 1.3) + 0.5
    integ = np.ones(n)
    integ[-1] = 0
    return dict(c=-rng.integers(1, 15, n).astype(float), integrality=integ,
                bounds=(0, 4), constraints=LinearConstraint(A, -np.inf, b))


GENERATORS = {"facility": facility, "fixed_charge": fixed_charge,
              "multi_knapsack": multi_knapsack, "general_int": general_int,
              "knapsack": CLASSES["knapsack"], "set_cover": CLASSES["set_cover"],
              "general_mixed": CLASSES["general_mixed"]}


def feasible_points(p, rng, max_int=4096, objectives=3):
    """Feasible points: every integer assignment (up to ``max_int``) with
    the continuous columns at LP vertices for a few random objectives."""
    integ = p.is_integer
    ii, cc = np.flatnonzero(integ), np.flatnonzero(~integ)
    ranges = [np.arange(p.lb[j], p.ub[j] + 1) for j in ii]
    total = int(np.prod([r.size for r in ranges]))
    if total > max_int:
        combos = (np.array([rng.choice(r) for r in ranges]) for _ in range(max_int))
    else:
        combos = (np.array(v, float) for v in itertools.product(*ranges))
    A = p.A.toarray()
    pts = []
    for v in combos:
        if cc.size == 0:
            x = np.zeros(p.num_cols)
            x[ii] = v
            if p.is_feasible(x, tol=1e-9):
                pts.append(x)
            continue
        rest = p.row_upper - A[:, ii] @ v, p.row_lower - A[:, ii] @ v
        Ac = A[:, cc]
        up, lo = np.isfinite(rest[0]), np.isfinite(rest[1])
        A_ub = np.vstack([Ac[up], -Ac[lo]])
        b_ub = np.r_[rest[0][up], -rest[1][lo]]
        for _ in range(objectives):
            res = linprog(rng.normal(size=cc.size), A_ub=A_ub, b_ub=b_ub,
                          bounds=list(zip(p.lb[cc], np.where(np.isinf(p.ub[cc]),
                                                             None, p.ub[cc]))),
                          method="highs")
            if res.status == 0:
                x = np.zeros(p.num_cols)
                x[ii], x[cc] = v, res.x
                if p.is_feasible(x, tol=1e-7):
                    pts.append(x)
    return pts


# -- every cut keeps every feasible point --------------------------------

@pytest.mark.parametrize("family", ["mir", "cover"])
@pytest.mark.parametrize("cls", sorted(GENERATORS))
def test_family_cuts_keep_feasible_points(cls, family):
    rng = np.random.default_rng(zlib.crc32(f"{cls}/{family}".encode()))
    total = check_family(GENERATORS[cls], family, rng, reps=4, max_int=80)
    if (cls, family) in {("fixed_charge", "mir"), ("facility", "mir"),
                         ("knapsack", "cover"), ("multi_knapsack", "cover")}:
        assert total > 0, "the family should find cuts on this class"


@pytest.mark.parametrize("seed", range(18))
def test_mir_cuts_valid_at_arbitrary_points(seed):
    """MIR validity does not depend on x being an LP optimum: separate at
    random points of the box and check against every feasible point."""
    rng = np.random.default_rng(seed)
    kw = [fixed_charge, general_int, facility][seed % 3](rng)
    p = as_problem(kw)
    sep = MIRSeparator(p.A, p.row_lower, p.row_upper, p.is_integer,
                       max_aggr=3)
    lb, ub = p.lb, p.ub
    box_ub = np.where(np.isfinite(ub), ub, 10.0)
    pts = feasible_points(p, rng, max_int=80, objectives=1)
    assert pts
    found = 0
    for _ in range(8):
        x = lb + rng.random(p.num_cols) * (box_ub - lb)
        at_lb = rng.random(p.num_cols) < 0.3
        x[at_lb] = lb[at_lb]
        for cut in sep.separate(x, p.A @ x, lb, ub):
            found += 1
            assert cut.activity(x) < cut.rhs         # it separates x
            for y in pts:
                assert _ok(cut, y), (cut, y)
    # fixed-charge rows always give the random point something to cut
    if seed % 3 == 0:
        assert found > 0


@pytest.mark.parametrize("seed", range(40))
def test_lifted_cover_valid_by_enumeration(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 11))
    a = rng.integers(1, 40, n).astype(float) + rng.random(n) * (seed % 2)
    b = float(np.floor(a.sum() * rng.uniform(0.2, 0.8)))
    xs = rng.random(n)
    xs[rng.random(n) < 0.3] = 1.0
    res = lifted_cover(a, b, xs)
    if res is None:
        assert a.sum() <= b
        return
    alpha, r = res
    assert np.all(alpha >= 0) and np.all(alpha == np.round(alpha))
    pts = np.array(list(itertools.product((0, 1), repeat=n)), float)
    feas = pts[pts @ a <= b]
    assert np.all(feas @ alpha <= r + 1e-9)
    # the cover part is a cover and its inequality is tight somewhere
    assert (feas @ alpha == r).any()


def test_cover_separator_complements_negative_coefficients():
    # 5 x0 - 4 x1 + 6 x2 + 7 x3 <= 9: x1 complemented
    A = np.array([[5.0, -4, 6, 7]])
    x = np.array([1.0, 0.0, 1.0, 0.3])          # 5 + 6 + 2.1 - 0 > 9? LP point
    x[3] = (9 - 5 - 6 + 4 * 1.0) / 7            # with x1 = 1
    x[1] = 1.0
    sep = CoverSeparator(A, np.array([-np.inf]), np.array([9.0]),
                         np.ones(4, bool), np.zeros(4), np.ones(4))
    cuts = sep.separate(x, A @ x, np.zeros(4), np.ones(4))
    pts = np.array(list(itertools.product((0, 1), repeat=4)), float)
    feas = pts[pts @ A[0] <= 9]
    for cut in cuts:
        assert cut.family == "cover"
        assert all(_ok(cut, y) for y in feas)


def test_variable_bounds_detected_both_ways():
    # x0 - 5 y2 <= 0 (vub), 2 x1 - 4 y2 >= 0 (vlb: x1 >= 2 y2), and a row
    # with two continuous columns (ignored)
    A = np.array([[1.0, 0, -5], [0, 2, -4], [1, 1, 0]])
    vb = VariableBounds(A, np.array([-np.inf, 0, 0]), np.array([0.0, np.inf, 3]),
                        np.array([False, False, True]))
    assert vb.vub == {0: [(2, 5.0, 0.0, 0)]}
    assert vb.vlb == {1: [(2, 2.0, 0.0, 1)]}


def test_mir_closes_the_fixed_charge_gap():
    """On a single-node fixed-charge flow, c-MIR through the variable
    bounds raises the root bound above Gomory cuts alone."""
    rng = np.random.default_rng(5)
    gains = []
    for _ in range(5):
        kw = fixed_charge(rng, k=8)
        p = as_problem(kw)
        g = _root(p, ("gomory",), rounds=1)
        a = _root(p, ("gomory", "mir"), rounds=1)
        gains.append(a.bounds[-1] - g.bounds[-1])
        assert a.bounds[-1] <= reference(kw).fun + 1e-6
    assert max(gains) > 1e-3 and min(gains) >= -1e-6


def test_bad_families():
    kw = CLASSES["knapsack"](np.random.default_rng(0))
    p = as_problem(kw)
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
    with pytest.raises(ValueError, match="`families`"):
        RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer,
                      families=("gomory", "flowcover"))


def test_row_cap_and_per_family_counts():
    rng = np.random.default_rng(11)
    kw = facility(rng, nf=4, nc=5)
    p = as_problem(kw)
    lb, ub = p.lb.copy(), p.ub.copy()
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, lb, ub)
    lp.solve()
    sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer, 10,
                        max_rows=3, drop_slack=False)
    sep.run(lb, ub, LP_OPTIMAL)
    assert len(sep.cuts) <= 3
    assert sum(sep.family_added.values()) == sep.added
    assert lp.m == p.A.shape[0] + len(sep.cuts)


@pytest.mark.parametrize("cls", ["facility", "fixed_charge", "multi_knapsack",
                                 "general_int"])
def test_milp_with_all_families_agrees_with_scipy(cls):
    rng = np.random.default_rng(7)
    for _ in range(3):
        kw = GENERATORS[cls](rng)
        res = milp(**kw, options={"mip_rel_gap": 0})
        check_answer(res, kw)


def test_family_share_keeps_one_family_from_crowding_out_the_others():
    from optsolve.milp.cuts import Cut, select_cuts
    covers = [Cut(np.array([i]), np.array([1.0]), 1.0, 0.9 - 0.01 * i, "cover")
              for i in range(6)]
    gomory = [Cut(np.array([10 + i]), np.array([1.0]), 1.0, 0.1, "gomory")
              for i in range(6)]
    assert {c.family for c in select_cuts(covers + gomory, 4)} == {"cover"}
    out = select_cuts(covers + gomory, 4, family_share=0.5)
    assert [c.family for c in out].count("gomory") == 2
    assert out[0] is covers[0]


def test_up_and_down_lifted_cover_valid_by_enumeration():
    """The Gu-Nemhauser-Savelsbergh candidate (columns at 1 fixed, lifted
    down): valid at every binary point of random knapsacks."""
    from optsolve.milp.cuts.cover import _gns_cover
    lifted = 0
    for seed in range(120):
        rng = np.random.default_rng(1000 + seed)
        n = int(rng.integers(4, 11))
        a = rng.integers(1, 40, n).astype(float) + rng.random(n) * (seed % 2)
        b = float(np.floor(a.sum() * rng.uniform(0.3, 0.8)))
        xs = rng.random(n)
        xs[rng.random(n) < 0.35] = 1.0
        xs[rng.random(n) < 0.2] = 0.0
        res = _gns_cover(a, b, xs, None)
        if res is None:
            continue
        alpha, r = res
        assert np.all(alpha >= 0) and np.all(alpha == np.round(alpha))
        pts = np.array(list(itertools.product((0, 1), repeat=n)), float)
        feas = pts[pts @ a <= b]
        assert np.all(feas @ alpha <= r + 1e-9), (seed, alpha, r)
        lifted += alpha.sum() > r + 1          # more than a plain cover
    assert lifted >= 12


def test_stop_ends_the_rounds_early_and_keeps_the_lp_consistent():
    rng = np.random.default_rng(4)
    kw = facility(rng, nf=4, nc=6)
    p = as_problem(kw)
    lb, ub = p.lb.copy(), p.ub.copy()
    calls = []

    def stop():
        calls.append(1)
        return len(calls) > 3
    lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, lb, ub)
    lp.solve()
    sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer, 50)
    assert sep.run(lb, ub, LP_OPTIMAL, stop=stop) == LP_OPTIMAL
    assert len(sep.bounds) - 1 <= 2
    assert lp.m == p.A.shape[0] + len(sep.cuts)
    # a stop that is always True adds nothing
    lp2 = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, lb, ub)
    lp2.solve()
    sep2 = RootSeparator(lp2, p.A, p.row_lower, p.row_upper, p.is_integer, 50)
    sep2.run(lb, ub, LP_OPTIMAL, stop=lambda: True)
    assert sep2.added == 0 and lp2.m == p.A.shape[0]


def test_idle_family_is_not_asked_again(monkeypatch):
    """Set covers: unit rows give no cover cut, so after two empty rounds
    the cover separator is not called again while Gomory rounds go on."""
    import optsolve.milp.cuts.cover as cc
    calls = []
    orig = cc.CoverSeparator.separate

    def spy(self, *args, **kwargs):
        out = orig(self, *args, **kwargs)
        calls.append(len(out))
        return out
    monkeypatch.setattr(cc.CoverSeparator, "separate", spy)
    rng = np.random.default_rng(21)
    for _ in range(10):
        p = as_problem(set_cover(rng, m=40, n=80))
        lp = LPRelaxation(p.c, p.A, p.row_lower, p.row_upper, p.lb, p.ub)
        lp.solve()
        sep = RootSeparator(lp, p.A, p.row_lower, p.row_upper, p.is_integer, 10)
        calls.clear()
        sep.run(p.lb, p.ub, LP_OPTIMAL)
        if len(sep.bounds) - 1 >= 3:
            break
    else:
        pytest.skip("no instance with three rounds")
    assert calls == [0, 0]
    assert sep.family_found["cover"] == 0


@pytest.mark.parametrize("name", ["optsolve.milp.cuts.mir",
                                  "optsolve.milp.cuts.cover"])
def test_docstring_examples_of_the_separators(name):
    import doctest
    import importlib
    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_cover_separator_leaves_integer_columns_in_minus_one_to_one_alone():
    # x0 in {-1, 0, 1} is integer but not binary: the row is no knapsack
    A = np.array([[5.0, 5, 5, 9]])
    lb, ub = np.array([-1.0, 0, 0, 0]), np.ones(4)
    sep = CoverSeparator(A, np.array([-np.inf]), np.array([12.0]),
                         np.ones(4, bool), lb, ub)
    assert sep.rows.size == 0
    sep = CoverSeparator(A, np.array([-np.inf]), np.array([12.0]),
                         np.ones(4, bool), np.zeros(4), np.ones(4))
    assert sep.rows.tolist() == [0]


@pytest.mark.parametrize("first", ["optsolve.milp.cuts.mir", "optsolve.milp.cuts.cover",
                                   "optsolve.milp.cuts.gomory", "optsolve.milp.cuts.base",
                                   "optsolve.milp.cuts.separator"])
def test_each_cut_module_imports_first_without_a_cycle(first):
    import subprocess
    import sys
    code = (f"import {first}; import optsolve.milp.cuts as c; "
            "from optsolve.milp.cuts_mir import MIRSeparator; "
            "from optsolve.milp.cuts_cover import CoverSeparator; "
            "from optsolve.milp.cuts.mir import MIRSeparator as M; "
            "assert M is MIRSeparator and c.RootSeparator.FAMILIES")
    subprocess.run([sys.executable, "-c", code], check=True)
