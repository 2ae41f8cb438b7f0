"""The restart after the root (optsolve.milp.restart): answers equal
scipy's, counts run on, and a declined restart resumes the tree."""
import math

import numpy as np
import pytest

import optsolve.milp.restart as restart_mod

from ._instances import CLASSES, as_problem, reference


@pytest.fixture
def always_restart(monkeypatch):
    # every root that leaves the tree open restarts
    monkeypatch.setattr(restart_mod, "_RESTART_FIXED", 0.0)


@pytest.mark.parametrize("kind", ["knapsack", "set_cover", "general_mixed"])
@pytest.mark.parametrize("seed", range(4))
def test_restarted_search_agrees_with_scipy(always_restart, kind, seed):
    rng = np.random.default_rng(100 + seed)
    kw = CLASSES[kind](rng, **({"n": 30} if kind == "knapsack" else {}))
    p = as_problem(kw)
    ref = reference(kw)
    for presolve in (True, False):
        res = p.solve(presolve=presolve, mip_rel_gap=0, restart=True)
        assert res.status == ref.status
        assert presolve or res.restarts == 0     # a restart is a presolve
        if ref.status != 0:
            continue
        assert math.isclose(res.fun, ref.fun, rel_tol=1e-7, abs_tol=1e-7)
        assert p.is_feasible(res.x)
        assert res.mip_dual_bound <= res.fun + 1e-7 * max(1, abs(res.fun))
        off = p.solve(presolve=presolve, mip_rel_gap=0, restart=False)
        assert off.restarts == 0
        if res.restarts:
            # the counts run on from the first search
            assert res.nodes >= 2 and res.lp_iterations > 0


def test_some_instance_really_restarts(always_restart):
    hits = 0
    for seed in range(6):
        kw = CLASSES["knapsack"](np.random.default_rng(200 + seed), n=30)
        res = as_problem(kw).solve(mip_rel_gap=0, heuristics=False)
        hits += res.restarts
        assert res.restarts in (0, 1)
    assert hits > 0


def test_declined_restart_resumes_the_tree(always_restart, monkeypatch):
    class Nothing:
        problem = None

    monkeypatch.setattr(restart_mod, "presolve", lambda p, stop=None: Nothing())
    for seed in range(3):
        kw = CLASSES["knapsack"](np.random.default_rng(300 + seed), n=30)
        res = as_problem(kw).solve(mip_rel_gap=0)
        ref = reference(kw)
        assert res.restarts == 0
        assert math.isclose(res.fun, ref.fun, rel_tol=1e-9, abs_tol=1e-9)


def test_fuzz_cases_with_every_open_root_restarting(always_restart):
    """The fuzz's random MILPs and options (maximisation and offsets
    included), in this process so that every open root restarts; judged as
    the fuzz judges (enumeration or SCIP break ties with scipy)."""
    import importlib.util
    from pathlib import Path

    from scipy.optimize import milp as scipy_milp
    spec = importlib.util.spec_from_file_location(
        "optsolve_milp_restart_fuzz", Path(__file__).with_name("_fuzz.py"))
    F = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(F)
    restarted = 0
    for i in range(120):
        case, kind, options = F.case_for(424242, i)
        options = dict(options, restart=True, presolve=True, time_limit=20)
        res = F.solve_ours(case, options)
        restarted += res.restarts
        ref = scipy_milp(**F.milp_args(case), options={
            "mip_rel_gap": 0, "time_limit": 20, "node_limit": F.NODE_LIMIT})
        outcome, detail = F.judge(case, res, ref)
        assert outcome not in ("disagree", "hang", "crash"), (i, detail)
    assert restarted >= 3          # most close at the root or are infeasible
