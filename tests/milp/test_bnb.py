import math
import os
import signal

import numpy as np
import pytest

import optsolve
from optsolve.milp import Problem, milp
from optsolve.milp.branching import RULES, BranchingRule

from ._instances import (CLASSES, as_problem, check_answer, check_unbounded,
                         reference, unbounded)

RULE_NAMES = sorted(RULES)


@pytest.mark.parametrize("cls", sorted(CLASSES))
@pytest.mark.parametrize("rule", RULE_NAMES)
def test_every_rule_on_every_class(cls, rule):
    rng = np.random.default_rng(abs(hash((cls, rule))) % 2**32)
    for _ in range(3):
        kw = CLASSES[cls](rng)
        res = milp(**kw, options={"branching": rule, "mip_rel_gap": 0})
        check_answer(res, kw)


@pytest.mark.parametrize("selection", ["best-bound", "best-estimate", "depth-first"])
@pytest.mark.parametrize("heuristics", [True, False])
def test_node_selections_agree_with_scipy(selection, heuristics):
    rng = np.random.default_rng(7)
    for k in range(12):
        kw = CLASSES[sorted(CLASSES)[k % len(CLASSES)]](rng)
        res = milp(**kw, options={"node_selection": selection, "mip_rel_gap": 0,
                                  "branching": RULE_NAMES[k % 4],
                                  "heuristics": heuristics, "dive_frequency": 3})
        check_answer(res, kw)


def test_many_random_mixed_integer_programs():
    rng = np.random.default_rng(2026)
    for _ in range(25):
        kw = CLASSES["general_mixed"](rng, n=int(rng.integers(4, 12)),
                                      m=int(rng.integers(2, 7)))
        check_answer(milp(**kw, options={"mip_rel_gap": 0}), kw)


def test_default_gap_is_within_tolerance():
    rng = np.random.default_rng(3)
    kw = CLASSES["knapsack"](rng, n=25)
    res = milp(**kw)
    ref = reference(kw)
    assert res.status == 0
    assert res.fun - ref.fun <= 1e-4 * abs(ref.fun) + 1e-6
    assert res.mip_gap <= 1e-4


def test_unbounded_is_proved():
    rng = np.random.default_rng(0)
    kw = unbounded(rng)
    check_unbounded(kw)
    res = milp(**kw)
    assert res.status == 3 and res.x is None and not res.success
    kw["bounds"] = (0, None)       # None means no bound, as in linprog
    assert milp(**kw).status == 3


def test_unbounded_relaxation_but_infeasible():
    # LP relaxation unbounded, but 2 x0 = 1 has no integer solution
    res = milp([-1, 0], integrality=[0, 1], bounds=(0, None),
               constraints=([[0, 2]], 1, 1))
    assert res.status == 2


def test_infeasible_bounds_and_empty_integer_range():
    assert milp([1], integrality=1, bounds=(0.2, 0.8)).status == 2
    assert milp([1, 1], bounds=([2, 0], [1, 1])).status == 2


def test_pure_lp_and_no_constraints():
    res = milp([1, -1], bounds=(0, [2, 3]))
    assert res.status == 0 and res.fun == -3.0 and res.mip_node_count == 1
    res = milp([2.0, -1.0], integrality=1, bounds=(-1.5, 2.5))
    assert res.x.tolist() == [-1.0, 2.0]


def test_scipy_example_and_result_fields():
    c = -np.array([0, 1])
    A = np.array([[-1, 1], [3, 2], [2, 3]])
    from scipy.optimize import LinearConstraint
    res = optsolve.milp(c, integrality=np.ones_like(c),
                        constraints=LinearConstraint(A, -np.inf, [1, 12, 12]))
    for key in ("x", "fun", "status", "success", "message", "mip_node_count",
                "mip_dual_bound", "mip_gap", "lp_iterations", "sb_lp_iterations",
                "nodes_per_second", "max_depth", "limit"):
        assert key in res
    assert res.fun == -2.0 and res.status == 0 and res.limit is None


def test_sparse_constraints_and_maximisation_problem():
    import scipy.sparse as sp
    rng = np.random.default_rng(11)
    kw = CLASSES["set_cover"](rng)
    con = kw["constraints"]
    from scipy.optimize import LinearConstraint
    kw["constraints"] = LinearConstraint(sp.csr_array(con.A), con.lb, con.ub)
    check_answer(milp(**kw, options={"mip_rel_gap": 0}), kw)
    # the same knapsack as a maximisation Problem
    kw = CLASSES["knapsack"](rng)
    p = as_problem(kw)
    p.c = -p.c
    p.sense = "maximize"
    p.offset = 10.0
    res = p.solve(mip_rel_gap=0)
    assert abs(res.fun - (10.0 - reference(kw).fun)) < 1e-6
    assert res.mip_dual_bound >= res.fun - 1e-9


def _dual_bound_monitor(sense=1):
    seen = []

    def cb(intermediate_result):
        r = intermediate_result
        seen.append((r.mip_dual_bound, r.fun))
    return seen, cb


@pytest.mark.parametrize("rule", RULE_NAMES)
def test_dual_bound_never_exceeds_incumbent(rule):
    rng = np.random.default_rng(5)
    kw = CLASSES["knapsack"](rng, n=30)
    seen, cb = _dual_bound_monitor()
    res = milp(**kw, options={"branching": rule, "callback": cb,
                              "callback_interval": 1, "mip_rel_gap": 0})
    check_answer(res, kw)
    assert len(seen) >= 2
    bounds = [d for d, _ in seen if d is not None]
    for d, f in seen:
        if f is not None and d is not None:
            assert d <= f + 1e-9 * max(1, abs(f))
    # the bound only grows (minimisation)
    assert all(b2 >= b1 - 1e-9 * max(1, abs(b1)) for b1, b2 in zip(bounds, bounds[1:]))
    assert res.mip_dual_bound <= res.fun + 1e-9


def test_node_limit_returns_incumbent_with_status_1():
    rng = np.random.default_rng(8)
    kw = CLASSES["knapsack"](rng, n=40)
    res = milp(**kw, options={"node_limit": 3, "branching": "mostinf",
                              "mip_rel_gap": 0, "cuts": False})
    assert res.status == 1 and res.limit == "node" and not res.success
    assert res.mip_node_count == 3
    if res.x is not None:
        assert as_problem(kw).is_feasible(res.x)
        assert res.mip_dual_bound <= res.fun + 1e-9
        assert res.mip_gap >= 0


def test_time_limit_zero_and_no_solution():
    rng = np.random.default_rng(9)
    kw = CLASSES["knapsack"](rng, n=30)
    res = milp(**kw, options={"time_limit": 0})
    assert res.status == 1 and res.limit == "time" and res.x is None
    assert "No feasible solution" in res.message


def test_callback_stop_iteration_ends_cleanly():
    rng = np.random.default_rng(10)
    kw = CLASSES["knapsack"](rng, n=40)
    calls = []

    def cb(intermediate_result):
        calls.append(intermediate_result.event)
        if intermediate_result.x is not None:
            raise StopIteration

    res = milp(**kw, options={"callback": cb, "mip_rel_gap": 0})
    assert res.status == 1 and res.limit == "callback"
    assert res.x is not None and as_problem(kw).is_feasible(res.x)


def test_ctrl_c_returns_incumbent():
    rng = np.random.default_rng(12)
    kw = CLASSES["knapsack"](rng, n=40)

    sent = []

    def cb(intermediate_result):      # one Ctrl-C (a second one raises)
        if intermediate_result.x is not None and not sent:
            sent.append(1)
            os.kill(os.getpid(), signal.SIGINT)

    prev = signal.getsignal(signal.SIGINT)
    res = milp(**kw, options={"callback": cb, "mip_rel_gap": 0})
    assert signal.getsignal(signal.SIGINT) is prev     # no global state left
    assert res.status == 1 and res.limit == "interrupt"
    assert res.x is not None and as_problem(kw).is_feasible(res.x)


def test_custom_rule_object_and_bad_rule():
    calls = []

    class FirstCandidate(BranchingRule):
        def select(self, state):
            calls.append((state.candidates.size, state.x.shape))
            assert state.basis_status()[0].shape == state.x.shape
            assert state.A.shape[1] == state.x.size
            # duals and reduced costs are those of the node LP: d = c - A^T y
            c = state.problem.c
            assert np.allclose(state.reduced_costs, c - state.A.T @ state.row_dual,
                               atol=1e-7)
            assert np.allclose(state.row_activity, state.A @ state.x, atol=1e-7)
            assert np.all(state.lb <= state.x + 1e-9) and np.all(state.x <= state.ub + 1e-9)
            f = state.x[state.candidates] - np.floor(state.x[state.candidates])
            assert np.allclose(f, state.frac) and np.all((f > 0) & (f < 1))
            return int(state.candidates[0])

    rng = np.random.default_rng(13)
    kw = CLASSES["set_cover"](rng)
    check_answer(milp(**kw, options={"branching": FirstCandidate(),
                                     "mip_rel_gap": 0, "cuts": False}), kw)

    class Bad:
        def select(self, state):
            return -1

    kw = CLASSES["knapsack"](rng, n=20)
    with pytest.raises(ValueError, match="not a fractional integer column"):
        milp(**kw, options={"branching": Bad(), "heuristics": False,
                            "cuts": False})


def test_strong_branching_is_counted():
    rng = np.random.default_rng(14)
    kw = CLASSES["knapsack"](rng, n=30)
    res = milp(**kw, options={"branching": "fullstrong", "mip_rel_gap": 0,
                              "cuts": False})
    assert res.sb_lp_iterations > 0
    res = milp(**kw, options={"branching": "mostinf", "mip_rel_gap": 0})
    assert res.sb_lp_iterations == 0


def test_disp_prints_log_and_silent_by_default(capsys):
    rng = np.random.default_rng(15)
    kw = CLASSES["knapsack"](rng, n=20)
    milp(**kw)
    assert capsys.readouterr().out == ""
    milp(**kw, options={"disp": True})
    out = capsys.readouterr().out
    assert "dual bound" in out and "primal bound" in out and "nodes" in out


@pytest.mark.parametrize("options, match", [
    ({"branching": "nope"}, "`branching` must be one of"),
    ({"node_selection": "random"}, "`node_selection` must be one of"),
    ({"time_limit": -1}, "`time_limit` must be non-negative"),
    ({"node_limit": 1.5}, "`node_limit` must be a non-negative integer"),
    ({"mip_rel_gap": -1}, "`mip_rel_gap` must be a non-negative number"),
    ({"foo": 1}, "`options` has unknown keys"),
    ({"callback": 3}, "`callback` must be callable"),
    ({"cut_families": ("gomory", "flow")}, "`cut_families` must be a subset"),
    ({"cut_families": 3}, "`cut_families` must be a subset"),
])
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        milp([1, 1], integrality=1, options=options)


@pytest.mark.parametrize("families", [("gomory",), ("mir", "cover"), "cover", ()])
def test_cut_families_option(families):
    rng = np.random.default_rng(23)
    for cls in ("knapsack", "general_mixed", "set_cover"):
        kw = CLASSES[cls](rng)
        res = milp(**kw, options={"cut_families": families, "mip_rel_gap": 0})
        check_answer(res, kw)
        chosen = (families,) if isinstance(families, str) else tuple(families)
        assert set(res.cuts_by_family or ()) <= set(chosen)
        assert res.cuts_added == sum((res.cuts_by_family or {}).values())
        assert res.cut_time >= 0.0


def test_solution_has_no_negative_zeros():
    from scipy.optimize import LinearConstraint

    import optsolve
    res = optsolve.milp(c=[-1, -2], integrality=[1, 1], bounds=(0, 5),
                        constraints=LinearConstraint([[2, 3]], ub=[12]))
    assert res.status == 0 and res.fun == -8.0
    assert not np.any(np.signbit(res.x) & (res.x == 0)), res.x


@pytest.mark.parametrize("sense", [1, -1])
def test_relative_gap_is_the_users_with_the_offset(sense):
    # the search measured mip_rel_gap on its objective without the offset
    # (the user's, or the constant of columns presolve fixes): with the
    # offset cancelling most of it, status 0 came with mip_gap 3.0 at
    # mip_rel_gap=0.01
    rng = np.random.default_rng(3)
    w = rng.integers(20, 100, 35).astype(float)
    v = w + rng.integers(-5, 6, 35)

    def knapsack(offset):
        p = Problem(c=-sense * v, A=[w], row_lower=[-np.inf],
                    row_upper=[w.sum() / 2], lb=0, ub=1, integrality=1,
                    offset=offset)
        if sense < 0:
            p.sense = "maximize"
        return p

    exact = knapsack(0.0).solve(mip_rel_gap=0)
    assert exact.status == 0
    seen = []

    def callback(intermediate_result):
        r = intermediate_result
        if r.fun is not None and r.mip_dual_bound is not None and r.fun != 0:
            seen.append((r.mip_gap, abs(r.fun - r.mip_dual_bound) / abs(r.fun)))

    offset = -exact.fun - sense * 1.0      # the optimum is -1.0 (max: 1.0)
    res = knapsack(offset).solve(mip_rel_gap=1e-2, mip_abs_gap=0,
                                 callback=callback, callback_interval=1)
    assert res.status == 0 and res.mip_gap <= 1e-2
    assert res.fun == pytest.approx(exact.fun + offset, abs=1e-9)
    assert seen and all(g == pytest.approx(ref, rel=1e-9) for g, ref in seen)
