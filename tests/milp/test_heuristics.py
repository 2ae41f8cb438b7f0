"""Primal heuristics: RENS/RINS sub-MIPs give correct answers and fire."""
import numpy as np
import pytest

from optsolve.milp import milp

from ._instances import CLASSES, check_answer


def test_submip_finds_incumbents_and_keeps_the_optimum():
    found = 0
    for seed in range(10):
        kw = CLASSES["knapsack"](np.random.default_rng(seed), n=40)
        on = milp(**kw)
        check_answer(on, kw)
        found += on.submip_solutions
        assert on.submip_calls >= on.submip_solutions
        off = milp(**kw, options={"submip": False})
        check_answer(off, kw)
        assert off.submip_calls == 0
    assert found > 0


@pytest.mark.parametrize("name", ["general_mixed", "set_cover", "assignment"])
def test_submip_on_mixed_classes(name):
    for seed in range(6):
        kw = CLASSES[name](np.random.default_rng(200 + seed))
        res = milp(**kw, options={"submip": True, "cuts": False})
        check_answer(res, kw)


def test_submip_option_is_checked():
    with pytest.raises(ValueError, match="`submip` must be a bool"):
        milp([1.0], integrality=1, bounds=(0, 1), options={"submip": 1})
