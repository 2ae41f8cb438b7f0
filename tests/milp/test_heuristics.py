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


def test_submip_schedule_and_neighbourhoods():
    from optsolve.milp.heuristics import SubMIPs
    ic = np.arange(4)
    subs = SubMIPs(ic, 1e-6)
    seen = []

    def solve(lb, ub, limit):
        seen.append((lb.copy(), ub.copy(), limit))
        return True, None
    x = np.array([1.0, 0.0, 0.5, 2.0])
    lb, ub = np.zeros(4), np.full(4, 3.0)
    assert subs.run(0, 0, x, lb, ub, None, solve) == (None, "R")
    # RENS: integral values fixed, the fractional one between its roundings
    assert seen[0][0].tolist() == [1, 0, 0, 2] and seen[0][1].tolist() == [1, 0, 1, 2]
    assert seen[0][2] == 500
    subs.run(0, 0, x, lb, ub, None, solve)
    assert len(seen) == 1                        # RENS once
    inc = np.array([1.0, 0.0, 1.0, 3.0])
    assert subs.run(1, 99, x, lb, ub, inc, solve) == (None, "")
    assert len(seen) == 1                        # RINS from node 100 on
    subs.run(1, 100, x, lb, ub, inc, solve)      # fixes x0, x1 (half)
    assert seen[1][0].tolist() == [1, 0, 0, 0] and seen[1][1].tolist() == [1, 0, 3, 3]
    assert seen[1][2] == 200
    subs.run(1, 250, x, lb, ub, inc, solve)      # nothing found: next at 300
    assert len(seen) == 2
    assert subs.run(1, 300, x, lb, ub, inc, lambda *a: (True, inc))[1] == "I"
    assert subs.calls == 3 and subs.found == 1
