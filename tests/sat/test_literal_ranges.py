"""Every integer a user passes as a literal is range-checked exactly.

Before the fix, numpy values at int64's minimum or uint64 values >= 2**63
went through an ``abs()`` that overflows or a cast that wraps, and came out as
other literals (uint64 2**64-1 was stored as -1).
"""
import numpy as np
import pytest

from optsolve.sat import CNF, Solver
from optsolve.sat._cdcl import MAX_VAR

INT32_MAX = 2**31 - 1
DTYPES = [np.int8, np.int16, np.int32, np.int64,
          np.uint8, np.uint16, np.uint32, np.uint64]


def edge_values(dtype):
    info = np.iinfo(dtype)
    vals = {int(info.min), int(info.min) + 1, int(info.max), int(info.max) - 1, 1}
    if info.min < 0:
        vals.add(-1)
    for v in (MAX_VAR, MAX_VAR + 1, INT32_MAX, INT32_MAX + 1, 2**63, 2**64 - 1):
        for w in (v, -v):
            if info.min <= w <= info.max:
                vals.add(w)
    return sorted(vals)


CASES = [(dt, v) for dt in DTYPES for v in edge_values(dt)]


def forms(dtype, v):
    """The same one-literal clause as an array, a list of numpy scalars and a
    list of Python ints."""
    return {"array": np.array([v], dtype=dtype),
            "2d-array": np.array([[v]], dtype=dtype),
            "scalars": [dtype(v)],
            "int": [int(v)]}


@pytest.mark.parametrize("dtype,v", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_cnf_keeps_or_rejects_every_dtype_exactly(dtype, v):
    ok = v != 0 and abs(v) <= INT32_MAX
    for form, lits in forms(dtype, v).items():
        if form == "2d-array":  # a clause is one-dimensional here
            continue
        if ok:
            assert CNF.from_clauses([lits]).lits.tolist() == [v], form
            assert CNF.from_arrays(lits, [0, 1]).lits.tolist() == [v], form
        else:
            with pytest.raises(ValueError, match="literal 0|32-bit range"):
                CNF.from_clauses([lits])
            with pytest.raises(ValueError, match="literal 0|32-bit range"):
                CNF.from_arrays(lits, [0, 1])


@pytest.mark.parametrize("dtype,v", CASES, ids=lambda x: getattr(x, "__name__", str(x)))
def test_solver_keeps_or_rejects_every_dtype_exactly(dtype, v):
    ok = v != 0 and abs(v) <= MAX_VAR
    for form, lits in forms(dtype, v).items():
        with Solver() as s:
            if not ok:
                calls = [s.add_clause, s.solve, s.set_phases]
                if form != "2d-array":
                    calls.append(lambda x: s.append_formula([x]))
                for call in calls:
                    with pytest.raises(ValueError, match="literal 0|beyond variable|32-bit range"):
                        call(lits)
                assert s.nof_vars() == 0 and s.nof_clauses() == 0
            elif abs(v) <= 1 << 16:  # larger accepted variables cost memory
                s.add_clause(lits)
                assert s.solve() is True
                assert s.get_model()[abs(v) - 1] == v, form


@pytest.mark.parametrize("bad", [2**64 - 1, 2**63, -(2**63), 2**100, -(2**100)])
def test_huge_python_and_numpy_values(bad):
    with pytest.raises(ValueError, match="beyond variable"):
        Solver().add_clause([1, bad])
    with pytest.raises(ValueError, match="32-bit range"):
        CNF([[1, bad]])
    if -(2**63) <= bad < 2**64:
        arr = np.array([bad], dtype=np.uint64 if bad > 0 else np.int64)
        with pytest.raises(ValueError, match="beyond variable"):
            Solver().add_clause(arr)
        with pytest.raises(ValueError, match="32-bit range"):
            CNF.from_arrays(arr, [0, 1])


@pytest.mark.parametrize("lits", [[True], [np.True_], np.array([True]),
                                  np.array([1.0]), [1.0], np.array(["1"]),
                                  np.array([1 + 0j])])
def test_non_integers_are_rejected(lits):
    with pytest.raises(ValueError, match="must contain integers"):
        Solver().add_clause(lits)
    with pytest.raises(ValueError, match="must contain integers"):
        CNF.from_arrays(lits, [0, 1])
    with pytest.raises(ValueError, match="must contain integers"):
        CNF([lits])


@pytest.mark.parametrize("offsets", [np.array([0, 1.0]), np.array([0, 2**64 - 1], dtype=np.uint64),
                                     [0, 2**64 + 1], [0, True]])
def test_offsets_are_checked_exactly(offsets):
    with pytest.raises(ValueError, match="`offsets`"):
        CNF.from_arrays([1], offsets)


def test_nvars_range():
    assert CNF([[1]], nvars=INT32_MAX).nvars == INT32_MAX
    for bad in (INT32_MAX + 1, 2**64 - 1, -1):
        with pytest.raises(ValueError, match="`nvars`"):
            CNF([], nvars=bad)


def test_nvars_refuses_booleans():
    # True was taken as 1
    for bad in (True, False, np.bool_(True)):
        with pytest.raises(ValueError, match="`nvars` must be an integer"):
            CNF([[1]], nvars=bad)
