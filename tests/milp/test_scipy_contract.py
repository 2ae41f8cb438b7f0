"""``optsolve.milp`` keeps :func:`scipy.optimize.milp`'s contract (issue 12).

``test_scipy_test_milp_passes`` runs scipy's own ``test_milp.py``, as
installed, against optsolve: its text is copied at test time with only the
import lines changed (``milp`` from optsolve; ``magic_square`` from scipy's
installed ``test_linprog`` instead of the relative import, which only works
inside scipy's package). Left out, and why:

* ``test_mip_rel_gap_passdown`` checks that ``mip_rel_gap`` reaches HiGHS
  by asserting that the final gap strictly shrinks with the requested one
  on one problem. That is a property of HiGHS's search path (ours finds a
  solution within 0.2% at once, so the runs with 0.25 and 0.01 end with the
  same gap), not of the contract; its other assertions (``mip_gap <=
  mip_rel_gap`` and ``mip_gap == (fun - mip_dual_bound) / fun``) are checked
  here in ``test_mip_gap_is_the_documented_ratio``.
* The tests scipy marks ``xfail`` stay as scipy marks them
  (``test_milp_options`` is about HiGHS's log text and is not run by scipy
  either).

The other tests check each contract point explicitly.
"""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.optimize
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize import milp as scipy_milp

from optsolve.milp import milp

_SCIPY_TEST = Path(scipy.optimize.__file__).parent / "tests" / "test_milp.py"

_CONFTEST = """
def pytest_configure(config):
    config.addinivalue_line("markers", "slow: scipy's slow tests")
    config.addinivalue_line("markers", "xslow: scipy's very slow tests")
    config.addinivalue_line("markers", "fail_slow: scipy's time budget")
    config.addinivalue_line("markers", "xfail_on_32bit: scipy's 32-bit marks")
"""


def _optsolve_copy(text):
    """scipy's test text with ``milp`` imported from optsolve."""
    swaps = [
        ("from scipy.optimize import milp, Bounds, LinearConstraint\n",
         "from scipy.optimize import Bounds, LinearConstraint\n"
         "from optsolve import milp\n"),
        ("\n    from scipy.optimize import milp\n",
         "\n    from optsolve import milp\n"),
        ("from .test_linprog import magic_square\n",
         "from scipy.optimize.tests.test_linprog import magic_square\n"),
    ]
    for old, new in swaps:
        # a scipy release that moves these lines must fail here, not
        # silently test scipy against itself
        assert old in text, f"scipy's test_milp.py has no line {old!r}"
        text = text.replace(old, new)
    assert not re.search(r"scipy\.optimize import[^\n]*\bmilp\b", text)
    return text


@pytest.mark.skipif(not _SCIPY_TEST.exists(),
                    reason="scipy installed without its tests")
def test_scipy_test_milp_passes(tmp_path):
    path = tmp_path / "test_milp_optsolve.py"
    path.write_text(_optsolve_copy(_SCIPY_TEST.read_text()))
    (tmp_path / "conftest.py").write_text(_CONFTEST)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:randomly",
         "-p", "no:cacheprovider", "-rfEsxX", "--rootdir", str(tmp_path),
         "--deselect", f"{path.name}::test_mip_rel_gap_passdown"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, out[-6000:] + proc.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", out).group(1))
    assert passed >= 12, out
    assert not re.search(r"\d+ (failed|errors?)\b", out), out


# -- validation at the door, with scipy's messages --------------------------
_CONS = re.escape("`constraints` (or each element within `constraints`) must be "
                  "convertible into an instance of "
                  "`scipy.optimize.LinearConstraint`.")


@pytest.mark.parametrize("kwargs, match", [
    (dict(c=1, constraints=10), _CONS),
    (dict(c=np.zeros(3), constraints=([[1, 2, 3]], [2, 3], [2, 3])), _CONS),
    (dict(c=np.zeros(2), constraints=([[1, 2]], [2], sparse.coo_array([2]))),
     _CONS),
    (dict(c=np.zeros(3), constraints=([[1, 2]], [2], [2])),
     re.escape("The shape of `A` must be (len(b_l), len(c)).")),
    (dict(c=np.zeros(2), constraints=[([[1, 2]], 0, 1), ([[1, 2, 3]], 0, 1)]),
     _CONS),
    (dict(c=sparse.coo_array([0, 0])), "`c` must be a dense array."),
    (dict(c=None), "`c` must be a one-dimensional array of finite numbers"),
    (dict(c=1, bounds=10), "`bounds` must be convertible into an instance of"),
    (dict(c=[1, 2], integrality=sparse.coo_array([1, 2])),
     "`integrality` must be a dense array."),
    (dict(c=[1, 2, 3], integrality=[1, 5, 3]),
     re.escape("`integrality` must contain integers 0-3 and be broadcastable "
               "to `c.shape`.")),
    (dict(c=[1, 2, 3], bounds=([1, 2], [3, 4])),
     "`bounds.lb` and `bounds.ub` must contain reals and"),
])
def test_bad_input_raises_scipys_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        scipy_milp(**kwargs)             # the messages are scipy's own
    with pytest.raises(ValueError, match=match):
        milp(**kwargs)


# -- result fields and messages ----------------------------------------------
# the knapsack max 5 x0 + 4 x1 + 3 x2, 2 x0 + 3 x1 + x2 <= 4 over binaries:
# its LP optimum (1, 1/3, 1) is fractional, so the search must branch
_KNAPSACK = dict(c=[-5, -4, -3], constraints=([[2, 3, 1]], -np.inf, 4),
                 bounds=(0, 1), integrality=1)


def test_no_solution_means_none_fields():
    for options in ({"time_limit": 0}, {"node_limit": 0}):
        res = milp(**_KNAPSACK, options=options)
        assert res.status == 1 and not res.success
        assert (res.fun is res.mip_dual_bound is res.mip_gap
                is res.mip_node_count is res.x is None)
        assert repr(res)                 # prints, whatever the fields hold
    res = milp(c=[1, 1], constraints=([[1, 1]], 3, np.inf), bounds=(0, 1),
               integrality=1)
    assert res.status == 2
    assert (res.fun is res.mip_dual_bound is res.mip_gap
            is res.mip_node_count is res.x is None)


@pytest.mark.parametrize("kwargs, options, status, start", [
    (dict(c=[-1, -1], constraints=([[1, 2]], -np.inf, 3.5), bounds=(0, 3),
          integrality=1), {}, 0,
     "Optimization terminated successfully. (HiGHS Status 7:"),
    (dict(c=[1], bounds=(1, -1)), {}, 2, "The problem is infeasible. (HiGHS Status 8:"),
    (dict(c=[-1]), {}, 3, "The problem is unbounded. (HiGHS Status 10:"),
    (dict(c=[-1], integrality=1), {}, 3, "The problem is unbounded. (HiGHS Status 10:"),
    (None, {"time_limit": 0}, 1, "Time limit reached. (HiGHS Status 13:"),
    (None, {"node_limit": 1, "cuts": False, "heuristics": False}, 1,
     "Iteration limit reached. (HiGHS Status 14:"),
])
def test_status_messages_as_scipy_words_them(kwargs, options, status, start):
    res = milp(**(kwargs or _KNAPSACK), options=options)
    assert res.status == status and res.success == (status == 0)
    assert res.message.startswith(start), res.message
    if status == 0:
        assert isinstance(res.x, np.ndarray) and isinstance(res.fun, float)
        assert isinstance(res.mip_node_count, int)
        assert isinstance(res.mip_dual_bound, float)
        assert isinstance(res.mip_gap, float)
    if status in (2, 3):
        assert (res.fun is res.mip_dual_bound is res.mip_gap
                is res.mip_node_count is res.x is None)


@pytest.mark.parametrize("bounds, constraints", [
    ((np.inf, np.inf), None),
    ((-np.inf, -np.inf), None),
    (([0, np.inf], [1, np.inf]), None),
    ((0, 1), ([[1, 1]], np.inf, np.inf)),
    ((0, 1), ([[1, 1]], -np.inf, -np.inf)),
])
def test_infinite_bounds_on_the_wrong_side_are_infeasible(bounds, constraints):
    kw = dict(c=[1, 1], integrality=1, bounds=bounds, constraints=constraints)
    assert scipy_milp(**kw).status == 2
    res = milp(**kw)
    assert res.status == 2 and not res.success
    assert res.message.startswith("The problem is infeasible.")
    assert (res.fun is res.mip_dual_bound is res.mip_gap
            is res.mip_node_count is res.x is None)
    with pytest.raises(ValueError, match="`options` has unknown keys"):
        milp(**kw, options={"nope": 1})


def test_mip_gap_is_the_documented_ratio():
    # scipy's test_mip_6: an equality knapsack that needs a search
    A_eq = np.array([[22, 13, 26, 33, 21, 3, 14, 26],
                     [39, 16, 22, 28, 26, 30, 23, 24],
                     [18, 14, 29, 27, 30, 38, 26, 26],
                     [41, 26, 28, 36, 18, 38, 16, 26]])
    b_eq = np.array([7872, 10466, 11322, 12058])
    c = np.array([2, 10, 13, 17, 7, 5, 7, 3])
    for gap in (0.25, 0.01, 0.001):
        res = milp(c=c, constraints=(A_eq, b_eq, b_eq), integrality=True,
                   options={"mip_rel_gap": gap})
        assert res.status == 0
        assert res.mip_gap <= gap
        assert res.mip_gap == (res.fun - res.mip_dual_bound) / res.fun


def test_time_limit_holds_on_the_first_call_of_a_process():
    """The Numba kernels load in the background: a short time limit on the
    first call is not spent waiting for them."""
    code = textwrap.dedent("""
        import time
        import numpy as np
        from scipy.optimize import LinearConstraint
        from optsolve import milp
        rng = np.random.default_rng(5123833489170494244)
        A = rng.integers(0, 5, size=(100, 100))
        t = time.perf_counter()
        res = milp(-np.ones(100), integrality=1, bounds=(0, 1),
                   constraints=LinearConstraint(A, -np.inf, 25),
                   options={"time_limit": 0.1})
        print(res.status, time.perf_counter() - t)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out[0] == "1"
    assert float(out[1]) < 0.5


def test_without_a_time_limit_the_search_waits_for_its_kernels():
    code = textwrap.dedent("""
        from optsolve import milp
        from optsolve.milp.cuts.kernels import cmir_kernel
        from optsolve.milp.propagation import _propagate_rows
        res = milp([-1, -2], integrality=1, bounds=(0, 3),
                   constraints=([[1, 1]], -float("inf"), 3.5))
        print(res.status, len(cmir_kernel.signatures) > 0,
              len(_propagate_rows.signatures) > 0)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    assert out == ["0", "True", "True"]
