"""Learned branching without torch: the rule by name, by shipped model and
by weights file, and the model chosen from the problem's shape."""
import numpy as np
import pytest

from optsolve.cli import main
from optsolve.milp import milp, write_mps
from optsolve.milp.branching import NAMES, make_rule
from optsolve.milp.branching.learned import Learned, problem_family, shipped_weights
from optsolve.milp.generators import (capacitated_facility_location,
                                      combinatorial_auction, independent_set,
                                      knapsack, set_cover)
from optsolve.milp.learn.infer import Policy

from ._instances import reference
from .test_learn_infer import random_weights

PURE = dict(cuts=False, presolve=False, heuristics=False, submip=False)


@pytest.mark.parametrize("make,family", [
    (lambda: set_cover(30, 60, seed=1), "setcover"),
    (lambda: combinatorial_auction(20, 50, seed=1), "cauctions"),
    (lambda: capacitated_facility_location(8, 6, seed=1), "facilities"),
    (lambda: independent_set(40, 4, seed=1), "indset"),
    (lambda: knapsack(20, 2, seed=1), None),
])
def test_problem_family_from_the_shape(make, family):
    assert problem_family(make()) == family


def test_shipped_models_load_and_are_named():
    shipped = shipped_weights()
    assert "general" in shipped and "setcover" in shipped
    for name, path in shipped.items():
        assert f"learned:{name}" in NAMES
        assert Policy.load(path).emb == 64
    rule = make_rule("learned:setcover")
    assert isinstance(rule, Learned) and rule.policy.dtype == np.float32
    with pytest.raises(ValueError, match="`branching` must be one of"):
        make_rule("learned:nope")


def test_the_model_is_chosen_from_the_shape():
    shipped = shipped_weights()
    for p, want in ((set_cover(100, 200, seed=0), "setcover"),
                    (knapsack(25, 2, seed=1), "general")):
        rule = Learned()
        res = p.solve(branching=rule, **PURE)
        assert res.status == 0 and res.nodes > 1
        assert rule.model == (want if want in shipped else "general")


def test_by_name_option_problem_and_cli(tmp_path, capsys):
    p = set_cover(40, 80, seed=3)
    ref = reference(dict(c=p.c, integrality=1, bounds=(0, 1),
                         constraints=(p.A, p.row_lower, p.row_upper))).fun
    res = milp(p.c, integrality=1, bounds=(0, 1),
               constraints=(p.A, p.row_lower, p.row_upper),
               options={"branching": "learned", "mip_rel_gap": 0})
    assert res.status == 0 and res.fun == pytest.approx(ref)
    assert p.solve(branching="learned:general", mip_rel_gap=0).fun == pytest.approx(ref)
    path = tmp_path / "sc.mps"
    write_mps(p, path)
    assert main(["milp", str(path), "--branching", "learned", "--gap", "0", "-q"]) == 0
    out = capsys.readouterr().out
    assert "status             : optimal (0)" in out
    assert main(["milp", str(path), "--branching", "learned:setcover",
                 "--branching-weights", str(shipped_weights()["general"]), "-q"]) == 1
    assert "`branching_weights` needs `branching` 'learned'" in capsys.readouterr().err


def test_branching_weights_option(tmp_path):
    w = random_weights(4)
    np.savez(tmp_path / "mine.npz", **w)
    p = independent_set(40, 4, seed=5)
    res = p.solve(branching="learned", branching_weights=str(tmp_path / "mine.npz"),
                  mip_rel_gap=0, **PURE)
    assert res.status == 0 and p.is_feasible(res.x)
    with pytest.raises(ValueError, match="`branching_weights` needs `branching` 'learned'"):
        p.solve(branching_weights=str(tmp_path / "mine.npz"))
    with pytest.raises(ValueError, match="nothere.npz: not a weights file"):
        p.solve(branching="learned", branching_weights=str(tmp_path / "nothere.npz"))
    with pytest.raises(ValueError, match="`branching_weights` must be a path or None"):
        p.solve(branching="learned", branching_weights=3)

