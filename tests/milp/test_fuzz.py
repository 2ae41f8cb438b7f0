"""Differential MILP fuzz with random options, small (issue 12).

A few hundred random small MILPs, degenerate shapes included, each solved
by ``optsolve.milp`` with random options and by scipy (HiGHS); exhaustive
enumeration or SCIP decide when the two disagree (see ``_fuzz.py``). The
cases run in a child process, so a crash fails the test with its case
number. The long run: ``python -m bench milp_fuzz --cases 10000``.
"""
import collections
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import OptimizeResult

_spec = importlib.util.spec_from_file_location(
    "optsolve_milp_test_fuzz", Path(__file__).with_name("_fuzz.py"))
F = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(F)

CASES = 500
SEED = 20261202


def test_random_milps_with_random_options_agree_with_scipy():
    results = F.run(CASES, SEED, batch=CASES)
    assert len(results) == CASES
    bad = [r for r in results if r["outcome"] in ("disagree", "hang", "crash")]
    assert not bad, bad[:5]
    # the cases are not all of one kind: every kind and outcome shows up
    kinds = collections.Counter(r["kind"] for r in results)
    statuses = collections.Counter(r["status"] for r in results)
    assert set(kinds) == {"mixed", "all-integer", "all-continuous", "binary"}
    assert statuses[0] > 100 and statuses[2] > 20 and statuses[3] > 5, statuses
    assert 50 < sum(r["maximize"] for r in results) < CASES - 50


def test_options_are_drawn_both_ways():
    seen = collections.defaultdict(set)
    for i in range(200):
        _, _, o = F.case_for(SEED, i)
        for key in ("presolve", "cuts", "propagation", "heuristics", "submip",
                    "branching", "node_selection", "dive_frequency", "cut_rounds"):
            seen[key].add(o[key])
        seen["families"].update(o["cut_families"])
    assert all(len(seen[k]) >= 2 for k in ("presolve", "cuts", "propagation",
                                           "heuristics", "submip"))
    assert seen["branching"] == set(F.RULES)
    assert seen["node_selection"] == set(F.SELECTIONS)
    assert seen["families"] == set(F.FAMILIES)


def _knapsack_case():
    # max 5 x0 + 4 x1 + 3 x2, 2 x0 + 3 x1 + x2 <= 4, binaries: optimum -8
    return dict(c=[-5.0, -4.0, -3.0], integrality=[1, 1, 1], lb=[0.0] * 3,
                ub=[1.0] * 3, A=[[2.0, 3.0, 1.0]], lo=[-np.inf], hi=[4.0])


def _result(status, x=None, fun=None, dual=None, gap=None):
    return OptimizeResult(status=status, success=status == 0, x=x, fun=fun,
                          mip_dual_bound=dual, mip_gap=gap,
                          mip_node_count=None if x is None else 1,
                          limit=None, message="")


def test_the_judge_catches_wrong_answers():
    case = _knapsack_case()
    ref = _result(0, np.array([1.0, 0, 1]), -8.0, -8.0, 0.0)
    good = _result(0, np.array([1.0, 0.0, 1.0]), -8.0, -8.0, 0.0)
    assert F.judge(case, good, ref)[0] == "ok"
    wrong = [
        _result(0, np.array([1.0, 1.0, 0.0]), -9.0, -9.0, 0.0),   # row violated
        _result(0, np.array([1.0, 0.0, 0.5]), -6.5, -6.5, 0.0),   # not integral
        _result(0, np.array([1.0, 0.0, 1.0]), -7.0, -8.0, 0.0),   # fun != c @ x
        _result(0, np.array([1.0, 0.0, 0.0]), -5.0, -5.0, 0.0),   # suboptimal
        _result(0, np.array([1.0, 0.0, 1.0]), -8.0, -7.0, 0.0),   # dual above
        _result(2),                                                # infeasible
        _result(3),                                                # unbounded
    ]
    for res in wrong:
        assert F.judge(case, res, ref)[0] == "disagree", res
    # scipy wrong: the enumeration sides with ours
    assert F.judge(case, good, _result(2))[0] == "scipy-wrong"
    assert F.enumerate_case(case) == (0, -8.0)
    assert F.scip_case(case)[0] == 0 and abs(F.scip_case(case)[1] + 8) < 1e-9


def test_a_feasible_point_does_not_refute_unbounded():
    """Case 6553 of seed 9100000 is unbounded (x5 = x6 = -t stays feasible
    and lowers the objective), and scipy called it optimal at 28: a feasible
    point from scipy refutes 'infeasible', not 'unbounded', which the vote
    decides."""
    case, _, _ = F.case_for(9100000, 6553)
    x = np.array([4.0, 2.0, -4.0, 2.0, 4.0, 4.0, -16.0, 0.0])
    assert not F._violations(case, x)
    ref = _result(0, x, 28.0, 28.0, 0.0)
    assert F.judge(case, _result(3), ref)[0] == "scipy-wrong"
    assert F.judge(case, _result(2), ref)[0] == "disagree"


def test_crashes_and_hangs_are_reported_and_the_run_goes_on(monkeypatch):
    monkeypatch.setenv("OPTSOLVE_MILP_FUZZ_FAULT", "crash:1,hang:3")
    results = F.run(5, SEED, batch=5, case_timeout=10)
    assert [r["index"] for r in results] == [0, 1, 2, 3, 4]
    outcomes = [r["outcome"] for r in results]
    assert outcomes[1] == "crash" and outcomes[3] == "hang", results
    assert "Segmentation fault" in results[1]["detail"]
    assert "crash" not in outcomes[::2] and "hang" not in outcomes[::2]


def test_without_scip_the_ray_vote_agrees_with_scip():
    """The vote used when pyscipopt is missing, on the cases where scipy
    answers "unbounded or infeasible" (its status 4)."""
    pytest.importorskip("pyscipopt")
    import warnings

    from scipy.optimize import milp as scipy_milp
    checked = 0
    for i in range(CASES):
        case, _, _ = F.case_for(SEED, i)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = scipy_milp(**F.milp_args(case), options={"node_limit": 1000})
        if ref.status != 4:
            continue
        scip = F.scip_case(case)
        vote = F.ray_case(case)
        assert vote is not None and vote[0] == scip[0], (i, vote, scip)
        checked += 1
    assert checked >= 20
