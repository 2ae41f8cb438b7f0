"""DIMACS reader and writer, and the CNF container."""
import bz2
import gzip
import io
import lzma
import random
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optsolve.sat import CNF, DimacsError, read_dimacs
from optsolve.sat._cnf import DimacsWarning


def read_text(text, **kw):
    return read_dimacs(io.StringIO(text), **kw)


clause_lists = st.lists(
    st.lists(st.integers(1, 60).flatmap(lambda v: st.sampled_from([v, -v])), max_size=8),
    max_size=40)


@given(clause_lists)
@settings(max_examples=200, deadline=None)
def test_round_trip(clauses):
    cnf = CNF.from_clauses(clauses)
    back = read_text(cnf.to_dimacs())
    assert back == cnf
    assert back.clauses == [list(c) for c in clauses]


@pytest.mark.parametrize("suffix,opener", [(".cnf", open), (".cnf.gz", gzip.open),
                                           (".cnf.bz2", bz2.open), (".cnf.xz", lzma.open)])
def test_round_trip_files(tmp_path, suffix, opener):
    rng = random.Random(1)
    clauses = [[rng.choice([-1, 1]) * rng.randint(1, 50) for _ in range(3)] for _ in range(300)]
    cnf = CNF.from_clauses(clauses, nvars=50)
    path = tmp_path / ("f" + suffix)
    cnf.to_dimacs(path, comments=["generated", "by the test"])
    with opener(path, "rb") as f:  # really compressed as the suffix says
        assert f.read().startswith(b"c generated\nc by the test\np cnf 50 300\n")
    assert read_dimacs(path) == cnf
    assert read_dimacs(str(path)) == cnf
    with open(path, "rb") as f:  # file object, compressed or not
        assert read_dimacs(f) == cnf


def test_compression_detected_by_content_not_name(tmp_path):
    path = tmp_path / "misnamed.cnf"
    path.write_bytes(gzip.compress(b"p cnf 2 1\n1 -2 0\n"))
    assert read_dimacs(path).clauses == [[1, -2]]


def test_agrees_with_pysat(tmp_path):
    from pysat.formula import CNF as PySATCNF
    rng = random.Random(7)
    lines = ["c header comment", "p cnf 40 200"]
    for _ in range(200):
        k = rng.randint(1, 6)
        lines.append(" ".join(str(rng.choice([-1, 1]) * rng.randint(1, 40)) for _ in range(k)) + " 0")
    text = "\n".join(lines) + "\n"
    ours = read_text(text)
    theirs = PySATCNF(from_string=text)
    assert ours.clauses == theirs.clauses
    assert ours.nvars == theirs.nv


def test_format_freedoms():
    text = ("c comment before the header\n"
            "p   cnf\t4  3  \r\n"
            "c comment between clauses\n"
            "1 -2\n"
            "   3 0 -4\n"
            "c comment inside a clause\n"
            "  0 2 0\n"
            "%\n"
            "0\n"
            "this is ignored after the percent line\n")
    cnf = read_text(text)
    assert cnf.clauses == [[1, -2, 3], [-4], [2]]
    assert cnf.nvars == 4


def test_empty_clause_and_empty_formula():
    assert read_text("p cnf 0 0\n").nclauses == 0
    cnf = read_text("p cnf 1 2\n0\n1 0\n")
    assert cnf.clauses == [[], [1]]


@pytest.mark.parametrize("text,line,problem", [
    ("", 1, "empty file"),
    ("   \n\n", 3, "empty file"),
    ("c only comments\n", 2, "missing 'p cnf' header"),
    ("1 2 0\n", 1, "missing header"),
    ("p cnf 3 1\n1 x 0\n", 2, "invalid token 'x'"),
    ("p cnf 3 1\n1 2.5 0\n", 2, "invalid token '2.5'"),
    ("p cnf 3 1\n1 2\n", 2, "not terminated by 0"),
    ("p cnf 3 2\n1 0\n\n2 -3\n\n", 4, "not terminated by 0"),
    ("p cnf 3 1\n1 - 2 0\n", 2, "invalid token '-'"),
    ("p cnf 3 1\n1 -0\n", 2, "invalid literal '-0'"),
    ("p cnf 3 1\n1 3000000000 0\n", 2, "out of range"),
    # the solver holds variables up to 2**30 - 1: the reader agrees
    ("p cnf 1 1\n2147483647 0\n", 2,
     r"literal '2147483647' out of range \(variables go up to 1073741823\)"),
    ("p cnf 1 1\n-1073741824 0\n", 2, "literal '-1073741824' out of range"),
    ("p cnf 1073741824 1\n1 0\n", 1, "variable count in 'p cnf' header out of range"),
    ("p cnf 2000000000 1\n1 0\n", 1, "variable count in 'p cnf' header out of range"),
    ("p cnf 1 99999999999999999999\n1 0\n", 1,
     "clause count in 'p cnf' header out of range"),
    ("p cnf 3\n1 0\n", 1, "malformed header"),
    ("p cnf 3 1 7\n1 0\n", 1, "unexpected text"),
    ("p cnf -3 1\n1 0\n", 1, "negative count"),
    ("p dnf 3 1\n1 0\n", 1, "malformed header"),
    ("p wcnf 3 1\n1 0\n", 1, "not supported"),
    ("p cnf 3 1\n1 0\np cnf 3 1\n", 3, "second 'p' header|after the first clause"),
    ("p cnf 3 1\n1 2 0\x00\n", 2, r"invalid token '0\\x00'"),
])
def test_malformed(text, line, problem):
    with pytest.raises(DimacsError, match=problem) as info:
        read_text(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"<stream>:{line}: ")
    assert isinstance(info.value, ValueError)


def test_largest_variable_the_solver_holds_is_accepted():
    from optsolve.sat import _cdcl
    top = _cdcl.MAX_VAR
    with pytest.warns(DimacsWarning, match="declares 1 clauses but the file has 0"):
        cnf = read_text(f"p cnf {top} 1\n")
    assert cnf.nvars == top
    with pytest.warns(DimacsWarning, match=f"variable {top} exceeds"):
        cnf = read_text(f"p cnf 1 1\n-{top} 0\n")
    assert cnf.clauses == [[-top]] and cnf.nvars == top
    # clause counts are not variables: a large declared count is only a mismatch
    with pytest.warns(DimacsWarning, match="declares 4000000000 clauses"):
        read_text("p cnf 1 4000000000\n1 0\n")


def test_error_names_the_file(tmp_path):
    path = tmp_path / "bad.cnf"
    path.write_text("p cnf 2 1\n1 2\n3 q 0\n")
    with pytest.raises(DimacsError, match=r"bad\.cnf:3: invalid token 'q'") as info:
        read_dimacs(path)
    assert info.value.filename == str(path)


def test_corrupt_compressed_file(tmp_path):
    path = tmp_path / "broken.cnf.gz"
    path.write_bytes(gzip.compress(b"p cnf 2 1\n1 2 0\n")[:-6])
    with pytest.raises(DimacsError, match=r"broken\.cnf\.gz: corrupt gzip"):
        read_dimacs(path)


def test_missing_file(tmp_path):
    with pytest.raises(OSError, match="cannot open DIMACS file"):
        read_dimacs(tmp_path / "nope.cnf")


def test_header_mismatch_warns_by_default_and_fails_when_strict():
    with pytest.warns(DimacsWarning, match=r"<stream>:1: the header declares 3 clauses but the file has 2"):
        cnf = read_text("p cnf 2 3\n1 0\n2 0\n")
    assert cnf.nclauses == 2
    with pytest.raises(DimacsError, match="declares 3 clauses"):
        read_text("p cnf 2 3\n1 0\n2 0\n", strict=True)

    with pytest.warns(DimacsWarning, match=r"<stream>:3: variable 5 exceeds the 2 variables"):
        cnf = read_text("p cnf 2 2\n1 0\n2 -5 0\n")
    assert cnf.nvars == 5
    with pytest.raises(DimacsError, match=r"<stream>:3: literal -5 exceeds the 2 variables"):
        read_text("p cnf 2 2\n1 0\n2 -5 0\n", strict=True)


def test_header_may_declare_more_variables_than_used():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnf = read_text("p cnf 10 1\n1 2 0\n")
    assert cnf.nvars == 10


def _mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        pos = rng.randrange(len(b) + 1)
        if op < 0.4 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        elif op < 0.7:
            b[pos:pos] = bytes([rng.choice(b"0123456789- \n\tcp%x\r-0")])
        elif b:
            del b[min(pos, len(b) - 1)]
    return bytes(b)


def test_fuzz_byte_mutations():
    """Random mutations of valid files give a CNF or the reader's error."""
    rng = random.Random(2026)
    seeds = [CNF.from_clauses([[rng.choice([-1, 1]) * rng.randint(1, 9) for _ in range(rng.randint(0, 4))]
                               for _ in range(rng.randint(0, 8))]).to_dimacs().encode()
             for _ in range(20)]
    outcomes = {"ok": 0, "error": 0}
    for i in range(4000):
        data = _mutate(rng.choice(seeds), rng)
        for strict in (False, True):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DimacsWarning)
                    cnf = read_dimacs(io.BytesIO(data), strict=strict)
            except DimacsError as exc:
                assert exc.line is None or exc.line >= 1
                outcomes["error"] += 1
            else:
                outcomes["ok"] += 1
                assert np.all(cnf.lits != 0)
                assert cnf.offsets[0] == 0 and cnf.offsets[-1] == len(cnf.lits)
                assert cnf.nvars >= (np.abs(cnf.lits).max() if len(cnf.lits) else 0)
                # whatever was accepted can be written and read back unchanged
                assert read_text(cnf.to_dimacs()) == cnf
    assert outcomes["ok"] > 100 and outcomes["error"] > 100


def test_cnf_container():
    cnf = CNF([[1, -2], [3], []], nvars=4)
    assert (cnf.nvars, cnf.nclauses, len(cnf)) == (4, 3, 3)
    assert cnf.lits.dtype == np.int32 and cnf.offsets.dtype == np.int64
    assert cnf[0] == [1, -2] and cnf[-1] == [] and list(cnf) == [[1, -2], [3], []]
    assert cnf.clause_lengths().tolist() == [2, 1, 0]
    with pytest.raises(IndexError):
        cnf[3]
    assert CNF.from_arrays(cnf.lits, cnf.offsets, 4) == cnf
    assert CNF.from_clauses(cnf) == cnf and CNF.from_clauses(cnf) is not cnf
    assert CNF.from_pysat(cnf.to_pysat()) == cnf
    assert CNF([(x for x in (1, 2)), range(1, 3)]).clauses == [[1, 2], [1, 2]]
    assert CNF([[np.int64(3), np.int32(-1)]]).clauses == [[3, -1]]


@pytest.mark.parametrize("clauses,kw,match", [
    ([[1, 0]], {}, "must not contain the literal 0"),
    ([[1, "2"]], {}, "must contain integers"),
    ([[1, 2.0]], {}, "must contain integers"),
    ([[1, 2 ** 40]], {}, "out of the 32-bit range"),
    ([[5]], {"nvars": 3}, r"`nvars` \(3\) is smaller"),
    ([[1], 7], {}, "not iterable"),
    ("p cnf 1 1\n1 0\n", {}, "not a string"),
])
def test_cnf_bad_input(clauses, kw, match):
    with pytest.raises(ValueError, match=match):
        CNF.from_clauses(clauses, **kw)


def test_from_arrays_validation():
    with pytest.raises(ValueError, match="`offsets`"):
        CNF.from_arrays([1, 2], [0, 3])
    with pytest.raises(ValueError, match="`lits`"):
        CNF.from_arrays([1, 0], [0, 2])


def test_tokenizer_poll_hook_stops_and_propagates():
    from optsolve.sat import _dimacs
    text = b"p cnf 3 1000000\n" + b"1 -2 3 0\n" * 1_000_000  # 9 MB: two polls
    calls = []
    lits, offsets, info = _dimacs.parse_raw(text, False, lambda: calls.append(1) or False)
    assert len(calls) == 2 and len(offsets) == 1_000_001 and lits[-1] == 3
    with pytest.raises(_dimacs.ParseStopped) as stopped:
        _dimacs.parse_raw(text, False, lambda: True)
    assert 1 < stopped.value.line < 1_000_000

    def boom():
        raise KeyError("from poll")
    with pytest.raises(KeyError, match="from poll"):
        _dimacs.parse_raw(text, False, boom)


def test_value_lines_formatter():
    import array
    from optsolve.sat import _dimacs
    chunks = []
    out = _dimacs.ValueLines(lambda data: chunks.append(bytes(data)))
    out.write(array.array("i", [-1, 2, -1073741823]))
    out.write_range(4, 30)
    out.close()
    text = b"".join(chunks).decode()
    lines = text.splitlines()
    assert text.endswith(" 0\n") and all(l.startswith("v ") and len(l) <= 78 for l in lines)
    assert [int(x) for l in lines for x in l[1:].split()] == \
        [-1, 2, -1073741823] + list(range(4, 34)) + [0]
    with pytest.raises(ValueError):
        out.write_range(1073741823, 2)
