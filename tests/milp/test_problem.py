import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

import optsolve
from optsolve.milp import Problem, milp
from optsolve.milp.problem import milp_iv


def test_module_is_callable_and_exports():
    from optsolve.milp import Problem as P2, read_mps  # noqa: F401
    assert callable(optsolve.milp)
    assert optsolve.milp([1.0], integrality=1, bounds=(1.2, 3)).fun == 2.0
    assert P2 is Problem


def test_constraint_forms_are_equivalent():
    A = np.array([[1.0, 2.0], [3.0, 1.0]])
    forms = [
        LinearConstraint(A, -np.inf, [4, 6]),
        (A, -np.inf, [4, 6]),
        [LinearConstraint(A[:1], -np.inf, 4), (sp.csr_matrix(A[1:]), -np.inf, 6)],
        LinearConstraint(sp.csc_array(A), [-np.inf, -np.inf], [4, 6]),
    ]
    funs = {milp([-1, -1], integrality=1, constraints=f).fun for f in forms}
    assert funs == {-2.0}


def test_problem_fields_and_violation():
    p = milp_iv([1, 2], [0, 1], Bounds([0, -1], [3, 4]), ([[1, 1]], 1, 2))
    assert p.num_cols == 2 and p.num_rows == 1
    assert p.lb.tolist() == [0, -1] and p.ub.tolist() == [3, 4]
    assert p.integrality.tolist() == [0, 1]
    v = p.violation([0.5, 1.5])
    assert v == {"bounds": 0.0, "rows": 0.0, "integrality": 0.5}
    assert not p.is_feasible([0.5, 1.5]) and p.is_feasible([0.5, 1.0])
    assert "rows=1" in repr(p)


@pytest.mark.parametrize("kwargs, match", [
    (dict(c=sp.csr_matrix([[1.0]])), "`c` must be a dense array"),
    (dict(c=[[1, 2], [3, 4]]), "`c` must be a one-dimensional"),
    (dict(c=[np.inf]), "`c` must be a one-dimensional"),
    (dict(c=[1, 2], integrality=[0, 5]), "`integrality` must contain integers 0-3"),
    (dict(c=[1, 2], integrality=[0, 1, 1]), "`integrality` must contain"),
    (dict(c=[1, 2], integrality=2), "semi-continuous"),
    (dict(c=[1, 2], bounds=(0, [1, 2, 3])), "`bounds.lb` and `bounds.ub`"),
    (dict(c=[1, 2], bounds=5), "`bounds` must be convertible"),
    (dict(c=[1, 2], constraints=([[1, 2, 3]], 0, 1)),
     re.escape("The shape of `A` must be (len(b_l), len(c)).")),
    (dict(c=[1, 2], constraints=([[1, np.nan]], 0, 1)), "finite numbers"),
    (dict(c=[1, 2], constraints=[5]), "`constraints`"),
    (dict(c=[1, 2], constraints=([[1, 2]], [0, 0, 0], 1)),
     re.escape("`constraints` (or each element within `constraints`) must be "
               "convertible into an instance of "
               "`scipy.optimize.LinearConstraint`.")),
    (dict(c=[1, 2], constraints=([[1, 2]], [np.nan], 1)), "`constraints` bounds"),
    (dict(c=[1, 2], bounds=(np.nan, 1)), "`bounds` must not contain NaN"),
])
def test_validation_messages(kwargs, match):
    with pytest.raises(ValueError, match=match):
        milp(**kwargs)


def test_problem_constructor_validation():
    with pytest.raises(ValueError, match="`sense` must be"):
        Problem([1], sense="up")
    with pytest.raises(ValueError, match="`lb` must not contain"):
        Problem([1], lb=np.inf)
    with pytest.raises(ValueError, match="`row_lower` must contain reals"):
        Problem([1], A=[[1]], row_lower=[1, 2])
    with pytest.raises(ValueError, match="`col_names` must have 1 entries"):
        Problem([1], col_names=["a", "b"])
    with pytest.raises(ValueError, match="`offset` must be finite"):
        Problem([1], offset=np.nan)
