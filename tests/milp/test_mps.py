import gzip
import math
import random

import highspy
import numpy as np
import pytest

from optsolve.milp import MPSError, Problem, read_mps, write_mps
from optsolve.milp.generators import capacitated_facility_location, knapsack

INF = highspy.kHighsInf


def highs_read(path):
    h = highspy._Highs()
    h.setOptionValue("output_flag", False)
    status = h.readModel(str(path))
    assert status != highspy.HighsStatus.kError
    return h.getLp()


def same_as_highs(p, path):
    lp = highs_read(path)
    fin = lambda a: np.clip(np.asarray(a, float), -INF, INF)  # noqa: E731
    assert lp.num_col_ == p.num_cols and lp.num_row_ == p.num_rows
    assert np.allclose(lp.col_cost_, p.c)
    assert np.array_equal(fin(lp.col_lower_), fin(p.lb))
    assert np.array_equal(fin(lp.col_upper_), fin(p.ub))
    assert np.array_equal(fin(lp.row_lower_), fin(p.row_lower))
    assert np.array_equal(fin(lp.row_upper_), fin(p.row_upper))
    assert math.isclose(lp.offset_, p.offset, abs_tol=1e-12)
    integ = np.array([int(v) for v in lp.integrality_]) if len(lp.integrality_) \
        else np.zeros(p.num_cols)
    assert np.array_equal(integ, p.integrality)
    sense_max = lp.sense_ == highspy.ObjSense.kMaximize
    assert sense_max == (p.sense == "maximize")
    A = p.A.tocsc()
    assert np.array_equal(np.asarray(lp.a_matrix_.start_), A.indptr)
    assert np.array_equal(np.asarray(lp.a_matrix_.index_), A.indices)
    assert np.allclose(np.asarray(lp.a_matrix_.value_), A.data)


ALL_BOUNDS = """\
NAME          ALLB
OBJSENSE
    MAX
ROWS
 N  COST
 L  LIM1
 G  LIM2
 E  MYEQN
 E  EQ2
 L  R5
 N  FREE
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    XONE      COST         1.0   LIM1         1.0
    XONE      LIM2         1.0
    MARKER                 'MARKER'                 'INTEND'
    YTWO      COST         2.0   LIM1         1.0
    YTWO      MYEQN       -1.0   FREE         3.0
    ZTHREE    COST        -1.0   MYEQN        1.0
    ZTHREE    EQ2          1.0   R5           2.0
    W4        COST         1.5   EQ2          1.0
    V5        LIM2         1.0
    U6        R5           1.0
    T7        COST         1.0
    S8        COST         1.0
    Q9        COST         1.0
    P10       COST         1.0
RHS
    RHS       COST        -2.5
    RHS       LIM1         4.0   LIM2         1.0
    RHS       MYEQN        7.0   EQ2          3.0
    RHS       R5           9.0
RANGES
    RNG       LIM1         2.5   LIM2         3.0
    RNG       MYEQN       -2.0   EQ2          4.0
BOUNDS
 UP BND       XONE         4.0
 LO BND       YTWO        -1.0
 UP BND       YTWO         1.0
 MI BND       ZTHREE
 FX BND       W4           2.0
 FR BND       V5
 BV BND       U6
 LI BND       T7           2.0
 UI BND       T7           9.0
 PL BND       S8
 UP BND       Q9          -3.0
ENDATA
"""


def write(tmp_path, text, name="m.mps"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_inline_file_all_bound_types_matches_highs(tmp_path):
    path = write(tmp_path, ALL_BOUNDS)
    p = read_mps(path)
    same_as_highs(p, path)
    assert p.name == "ALLB" and p.sense == "maximize" and p.offset == 2.5
    names = p.column_names()
    col = {n: j for j, n in enumerate(names)}
    assert p.num_rows == 5                       # the extra N row is dropped
    assert (p.lb[col["YTWO"]], p.ub[col["YTWO"]]) == (-1.0, 1.0)
    assert p.lb[col["ZTHREE"]] == -np.inf
    assert p.lb[col["W4"]] == p.ub[col["W4"]] == 2.0
    assert (p.lb[col["V5"]], p.ub[col["V5"]]) == (-np.inf, np.inf)
    assert p.integrality[col["U6"]] == 1 and p.ub[col["U6"]] == 1
    assert p.integrality[col["T7"]] == 1 and (p.lb[col["T7"]], p.ub[col["T7"]]) == (2, 9)
    assert p.ub[col["S8"]] == np.inf
    assert (p.lb[col["Q9"]], p.ub[col["Q9"]]) == (0.0, -3.0)  # UP < 0, as HiGHS
    assert p.ub[col["XONE"]] == 4.0
    # RANGES: L [4-2.5, 4]; G [1, 4]; E with R<0 [5, 7]; E with R>0 [3, 7]
    assert p.row_lower.tolist()[:4] == [1.5, 1.0, 5.0, 3.0]
    assert p.row_upper.tolist()[:4] == [4.0, 4.0, 7.0, 7.0]


def test_integer_columns_without_bounds_default_to_binary(tmp_path):
    text = ALL_BOUNDS.replace(" UP BND       XONE         4.0\n", "")
    path = write(tmp_path, text)
    p = read_mps(path)
    same_as_highs(p, path)
    assert (p.lb[0], p.ub[0]) == (0.0, 1.0)


def _fixed(*fields):
    """A fixed-format data line: fields at columns 2, 5, 15, 25, 40, 50."""
    line = ""
    for start, f in zip((1, 4, 14, 24, 39, 49), fields):
        line = line.ljust(start) + f
    return line + "\n"


def test_fixed_format_names_with_spaces(tmp_path):
    text = ("NAME          FIXED\nROWS\n" + _fixed("N", "obj") + _fixed("L", "row one")
            + "COLUMNS\n" + _fixed("", "x one", "obj", "-1.0", "row one", "1.0")
            + _fixed("", "y", "obj", "-1.0", "row one", "2.0")
            + "RHS\n" + _fixed("", "rhs", "row one", "4.0")
            + "BOUNDS\n" + _fixed("UP", "bnd", "x one", "3.0") + "ENDATA\n")
    path = write(tmp_path, text)
    p = read_mps(path)
    assert p.column_names() == ["x one", "y"] and p.constraint_names() == ["row one"]
    assert p.ub.tolist() == [3.0, np.inf]
    with pytest.raises(MPSError):
        read_mps(path, format="free")
    res = p.solve()
    assert res.fun == -3.5


@pytest.mark.parametrize("suffix", [".mps", ".mps.gz"])
@pytest.mark.parametrize("fixed", [False, True])
def test_round_trip_against_highs(tmp_path, suffix, fixed):
    p = knapsack(12, 3, seed=4)
    p.offset = 1.25
    p.lb[3] = -2.0
    p.ub[4] = np.inf           # integer with no upper bound: written as PL
    p.integrality[5] = 0
    p.row_lower[1] = 10.0      # a ranged row
    path = tmp_path / ("k" + suffix)
    if fixed:
        p.col_names = [f"x{j}" for j in range(p.num_cols)]
        p.row_names = [f"r{i}" for i in range(p.num_rows)]
    write_mps(p, path, fixed=fixed)
    if suffix == ".mps.gz":
        with gzip.open(path, "rt") as f:
            assert f.readline().startswith("NAME")
    q = read_mps(path, format="fixed" if fixed else "free")
    for attr in ("c", "lb", "ub", "row_lower", "row_upper", "integrality"):
        assert np.array_equal(getattr(p, attr), getattr(q, attr)), attr
    assert (q.A != p.A).nnz == 0 and q.offset == p.offset and q.sense == p.sense
    if suffix == ".mps":
        same_as_highs(q, path)
    assert abs(q.solve().fun - p.solve().fun) < 1e-9


def test_round_trip_facility_location(tmp_path):
    p = capacitated_facility_location(6, 4, seed=1)
    path = tmp_path / "f.mps"
    p.write_mps(path)
    q = read_mps(path)
    same_as_highs(q, path)
    assert np.allclose(q.c, p.c) and (q.A != p.A).nnz == 0


@pytest.mark.parametrize("text, match", [
    ("ROWS\n N obj\nCOLUMNS\n x obj 1\n", "missing ENDATA"),
    ("ROWS\n N obj\nCOLUMNS\n x obj abc\nENDATA\n", r":4 \[COLUMNS\]: coefficient 'abc' is not a number"),
    ("ROWS\n N obj\n Q r\nENDATA\n", r":3 \[ROWS\]: row type 'Q'"),
    ("ROWS\n N obj\n L r\n L r\nENDATA\n", "duplicate row name 'r'"),
    ("ROWS\n N obj\nCOLUMNS\n x nope 1\nENDATA\n", "unknown row 'nope'"),
    ("ROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n SC BND x 4\nENDATA\n",
     r"\[BOUNDS\]: semi-continuous bounds \(SC\) are not supported"),
    ("ROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n UP BND y 4\nENDATA\n", "unknown column 'y'"),
    ("ROWS\n N obj\nCOLUMNS\n x obj 1\nBOUNDS\n XX BND x 4\nENDATA\n", "bound type 'XX'"),
    ("FOO\nENDATA\n", "unknown section 'FOO'"),
    ("ROWS\n L r\nCOLUMNS\n", r"no objective \(N\) row"),
    ("ROWS\n N obj\nCOLUMNS\n x obj 1\nRHS\nROWS\nENDATA\n", r":6 \[ROWS\]: section ROWS after RHS"),
    ("ROWS\n N obj\nCOLUMNS\n x obj 1e999\nENDATA\n", "must be finite"),
    ("ROWS\n N obj\n L r\nCOLUMNS\n x r 1 r 2\nENDATA\n", "duplicate entry"),
    ("OBJSENSE\n    SIDEWAYS\nROWS\n N obj\nENDATA\n", "objective sense 'SIDEWAYS'"),
    ("ROWS\n N obj\n L r\nCOLUMNS\n x r 1\nRHS\n RHS r nan\nENDATA\n", "is not a number"),
    (" x\n", "data line before any section"),
])
def test_malformed_files_name_file_line_and_section(tmp_path, text, match):
    path = write(tmp_path, text, "bad.mps")
    with pytest.raises(MPSError, match=match) as info:
        read_mps(path)
    assert str(path) in str(info.value)


def test_sections_after_columns_in_any_order(tmp_path):
    text = ("NAME x\nROWS\n N obj\n L r\nCOLUMNS\n x obj 1 r 1\n"
            "BOUNDS\n UP BND x 5\nRANGES\n RNG r 2\nRHS\n RHS r 4\nENDATA\n")
    path = write(tmp_path, text)
    p = read_mps(path)
    # a range is relative to the row's right-hand side wherever RHS comes
    # (HiGHS 1.16 applies RANGES before a later RHS and reads [-2, 4] here)
    assert (p.row_lower[0], p.row_upper[0], p.ub[0]) == (2.0, 4.0, 5.0)


def test_missing_file_and_bad_format_argument(tmp_path):
    with pytest.raises(MPSError, match="cannot open"):
        read_mps(tmp_path / "none.mps")
    with pytest.raises(ValueError, match="`format` must be"):
        read_mps(tmp_path / "none.mps", format="xml")


def test_fuzz_mutations_give_problem_or_mps_error(tmp_path):
    """Random mutations of a valid file: a Problem or MPSError, never a crash."""
    rnd = random.Random(0)
    base = ALL_BOUNDS.splitlines(keepends=True)
    tokens = ["1e30", "-1e30", "nan", "x", "'MARKER'", "RHS", "BOUNDS", "",
              "UP", "FR", "  ", "-0", "1e999", "ENDATA", "N", "E", "*", "\t"]
    outcomes = {"ok": 0, "error": 0}
    for k in range(300):
        lines = list(base)
        for _ in range(rnd.randint(1, 4)):
            op = rnd.randrange(5)
            i = rnd.randrange(len(lines))
            if op == 0:
                del lines[i]
            elif op == 1:
                lines.insert(i, lines[rnd.randrange(len(lines))])
            elif op == 2:
                words = lines[i].split(" ")
                words[rnd.randrange(len(words))] = rnd.choice(tokens)
                lines[i] = " ".join(words)
            elif op == 3:
                j = rnd.randrange(len(lines[i]) + 1)
                lines[i] = lines[i][:j] + rnd.choice(tokens) + lines[i][j:]
            else:
                lines[i] = lines[i][:rnd.randrange(len(lines[i]) + 1)] + "\n"
        path = write(tmp_path, "".join(lines), f"fz{k % 10}.mps")
        try:
            p = read_mps(path)
        except MPSError:
            outcomes["error"] += 1
            continue
        assert isinstance(p, Problem)
        outcomes["ok"] += 1
    assert outcomes["ok"] > 10 and outcomes["error"] > 10
