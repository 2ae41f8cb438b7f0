"""The Examples sections of the public docstrings run and give what they show."""
import doctest
import importlib

import pytest

MODULES = ["optsolve.milp._milp", "optsolve.milp.problem", "optsolve.milp.mps",
           "optsolve.milp.generators", "optsolve.milp.branching.mostinf",
           "optsolve.milp.branching.pscost", "optsolve.milp.branching.fullstrong",
           "optsolve.milp.branching.relpscost", "optsolve.milp.cuts.separator",
           "optsolve.milp.propagation", "optsolve.milp.presolve"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
