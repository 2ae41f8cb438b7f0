"""Zero-half cuts: every cut keeps every feasible integer point (enumerated
on small pure integer problems, scipy's optimum on the others), is a halved
sum of rows and bounds with an odd right-hand side, and milp with the
family on agrees with scipy."""
import zlib

import numpy as np
import pytest
from scipy.optimize import LinearConstraint

from optsolve.milp.cuts.zerohalf import ZeroHalfSeparator

from ._cut_validity import check_family, check_milp
from ._instances import CLASSES as BASE, as_problem
from .test_cuts import _separate
from .test_cuts_clique import odd_cycles
from .test_cuts_families import GENERATORS


def unit_rows(rng, n=8, m=6):
    """Rows of 0/+-1 coefficients with small integer sides (set packing,
    covering and cardinality rows), general integers in [0, 2]."""
    A = rng.choice([-1.0, 0, 0, 1, 1], (m, n))
    b = np.floor(np.clip(A, 0, None).sum(axis=1) * 0.5) + rng.integers(0, 2, m)
    return dict(c=-rng.integers(1, 9, n).astype(float), integrality=1,
                bounds=(0, rng.integers(1, 3, n)),
                constraints=LinearConstraint(A, -np.inf, b))


CLASSES = {"unit_rows": unit_rows, "odd_cycles": odd_cycles,
           "general_int": GENERATORS["general_int"],
           "multi_knapsack": GENERATORS["multi_knapsack"],
           "set_cover": BASE["set_cover"], "knapsack": BASE["knapsack"],
           "general_mixed": BASE["general_mixed"]}


@pytest.mark.parametrize("cls", sorted(CLASSES))
def test_zerohalf_cuts_keep_feasible_points(cls):
    rng = np.random.default_rng(zlib.crc32(f"{cls}/zerohalf".encode()))
    total = check_family(CLASSES[cls], "zerohalf", rng, reps=5, max_int=400)
    if cls in ("unit_rows", "odd_cycles"):
        assert total > 0, "the zero-half family should find cuts here"


def test_odd_cycle_of_five():
    """x_i + x_{i+1} <= 1 around a 5-cycle: the LP takes 1/2 each (2.5);
    the sum of the five rows halved is sum x <= 2, the optimum."""
    A = np.zeros((5, 5))
    for i in range(5):
        A[i, [i, (i + 1) % 5]] = 1
    kw = dict(c=-np.ones(5), integrality=1, bounds=(0, 1),
              constraints=LinearConstraint(A, -np.inf, 1))
    sep = _separate(as_problem(kw), 3, ("zerohalf",))
    assert sep.bounds[0] == pytest.approx(-2.5)
    assert sep.bounds[-1] == pytest.approx(-2.0)
    cut = sep.cuts[0]
    assert sorted(cut.idx.tolist()) == list(range(5))
    assert cut.rhs == pytest.approx(-2.0)


def test_rows_with_fractional_data_are_left_out():
    A = np.array([[1.0, 1, 0], [0, 1.5, 1], [1, 0, 1]])
    sep = ZeroHalfSeparator(A, np.full(3, -np.inf), np.array([1.0, 1, 1]),
                            np.ones(3, bool))
    assert sep.rows.tolist() == [0, 2]
    sep = ZeroHalfSeparator(A[:1], np.full(1, -np.inf), np.array([1.0]),
                            np.array([True, False, True]))
    assert sep.rows.tolist() == [0] or sep.rows.size == 0


def test_odd_columns_need_a_finite_bound():
    """The triangle's three rows sum to even coefficients: x0 + x1 + x2 <= 1
    holds for free integers too. The one row 2 x0 + x1 + x2 <= 3 has odd
    columns that only a bound can pay: free columns give no cut."""
    A = np.array([[1.0, 1, 0], [0, 1, 1], [1, 0, 1]])
    sep = ZeroHalfSeparator(A, np.full(3, -np.inf), np.ones(3), np.ones(3, bool))
    x = np.full(3, 0.5)
    free = np.full(3, -np.inf), np.full(3, np.inf)
    cuts = sep.separate(x, A @ x, *free)
    assert len(cuts) == 1 and cuts[0].rhs == pytest.approx(-1.0)
    B = np.array([[2.0, 1, 1]])
    sep = ZeroHalfSeparator(B, np.full(1, -np.inf), np.array([3.0]),
                            np.ones(3, bool))
    y = np.array([1.0, 0.5, 0.5])
    assert sep.separate(y, B @ y, *free) == []


@pytest.mark.parametrize("cls", ["unit_rows", "odd_cycles", "general_int"])
def test_milp_with_the_zerohalf_family_agrees_with_scipy(cls):
    check_milp(CLASSES[cls], ("gomory", "mir", "cover", "zerohalf"), 13)
