"""propagate after a solve that a limit ended: a unit learned just before
the limit waits unpropagated at level 0, and propagate must not open a level
above it (its implications were assigned at level 1, undone by the
backtrack and lost: the next model violated the formula)."""
import importlib.util
from pathlib import Path

import pytest
from pysat.solvers import Solver as RefSolver

from optsolve.sat import Solver

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# -84 fails by a chain of binaries, so one conflict learns the unit 84,
# which implies -41 and -6
CLAUSES = [[-74, -9], [-65, 9], [34, 74], [84, 65], [-53, -81], [-41, -84],
           [-84, -6], [84, 81], [53, -34]]


@pytest.mark.parametrize("options", [{"preprocess": 0, "inprocess": 0}, {}])
def test_propagate_keeps_the_implications_of_a_pending_unit(options):
    with Solver(bootstrap_with=CLAUSES, options=options) as s:
        s.conf_budget(1)
        s.solve_limited(assumptions=[68, -83, -84, 85, 47])
        ok, lits = s.propagate(assumptions=[-60])
        assert ok and lits == [-60]  # -41 and -6 are root-level, not implied by -60
        assert s.solve() is True
        assert G.satisfies(CLAUSES, s.get_model())
        assert s.propagate(assumptions=[41]) == (False, [])  # 41 is false at level 0
        with RefSolver(name="cadical195", bootstrap_with=CLAUSES) as ref:
            assert ref.solve(assumptions=[41]) is False
