"""The shared options-table helper (optsolve._options)."""
import argparse

import numpy as np
import pytest

from optsolve._options import (Option, add_flags, check_option, defaults,
                               doc_list, flag_values, validate)



def _callable(value, name):
    if value is not None and not callable(value):
        raise ValueError(f"`{name}` must be callable")
    return value


TABLE = (
    Option("limit", "int", None, "maximum count", low=0, none=True),
    Option("rounds", "int", 10, "rounds", low=0, high=100),
    Option("gap", "float", 1e-4, "relative gap", low=0.0),
    Option("tol", "float", 1e-6, "tolerance", low=0.0, high=0.5, high_open=True),
    Option("mode", "str", "fast", "how", choices=("fast", "slow")),
    Option("families", "subset", ("a", "b"), "which", choices=("a", "b", "c")),
    Option("flag", "bool", True, "on or off"),
    Option("hook", "any", None, "a callable", check=_callable),
)


def test_defaults_and_conversion():
    o = validate(TABLE, None)
    assert o == defaults(TABLE)
    o = validate(TABLE, {"limit": np.uint64(2**64 - 1), "rounds": 3.0,
                         "families": "c", "flag": np.bool_(False)})
    assert o["limit"] == 2**63 - 1 and type(o["limit"]) is int  # no limit
    assert o["rounds"] == 3 and type(o["rounds"]) is int
    assert o["families"] == ("c",) and o["flag"] is np.bool_(False)
    assert validate(TABLE, {"families": ["b", "a", "b"]})["families"] == ("b", "a")


@pytest.mark.parametrize("options, match", [
    ({"limit": -1}, r"`limit` must be a non-negative integer or None, got -1"),
    ({"limit": 1.5}, "`limit` must be a non-negative integer"),
    ({"limit": True}, "`limit` must be a non-negative integer"),
    ({"limit": "5"}, "`limit` must be a non-negative integer"),
    ({"limit": -10**400}, "`limit` must be a non-negative integer"),
    ({"limit": np.int8(-3)}, "`limit` must be"),
    ({"rounds": 101}, r"`rounds` must be an integer in \[0, 100\], got 101"),
    ({"rounds": None}, "`rounds` must be"),
    ({"gap": float("nan")}, "`gap` must be a non-negative number"),
    ({"gap": float("inf")}, "`gap` must be a non-negative number"),
    ({"tol": 0.5}, r"`tol` must be a number in \[0, 0.5\)"),
    ({"mode": "medium"}, r"`mode` must be one of \('fast', 'slow'\)"),
    ({"families": ("a", "z")}, "`families` must be a subset of"),
    ({"families": 3}, "`families` must be a subset of"),
    ({"flag": 1}, "`flag` must be a bool, got 1"),
    ({"hook": 3}, "`hook` must be callable"),
    ({"nope": 1}, r"`options` has unknown keys \['nope'\]"),
])
def test_bad_values_name_the_option(options, match):
    with pytest.raises(ValueError, match=match):
        validate(TABLE, options)


def test_options_must_be_a_dict():
    with pytest.raises(ValueError, match="`options` must be a dict or None"):
        validate(TABLE, [("gap", 1)])


def test_doc_list_has_one_line_per_option():
    text = doc_list(TABLE, indent=4)
    lines = text.splitlines()
    assert len(lines) == len(TABLE)
    for o, line in zip(TABLE, lines):
        assert line.startswith(f"    - ``{o.name}`` ({o.type}, default ")
        assert o.description in line
    assert '``"fast"``, ``"slow"``' in lines[4] and "[0, 0.5)" in lines[3]


def test_flags_from_the_table(capsys):
    p = argparse.ArgumentParser(prog="t")
    names = ["limit", "rounds", "tol", "mode", "families", "flag"]
    add_flags(p, TABLE, names)
    args = p.parse_args([])
    assert flag_values(args, names) == {}
    args = p.parse_args(["--limit", "7", "--mode", "slow", "--families", "c,a",
                         "--no-flag", "--tol", "0.25"])
    assert flag_values(args, names) == {"limit": 7, "mode": "slow", "tol": 0.25,
                                        "families": ("c", "a"), "flag": False}
    for bad in (["--limit", "x"], ["--tol", "x"], ["--mode", "x"]):
        with pytest.raises(SystemExit):
            p.parse_args(bad)
        err = capsys.readouterr().err
        assert "argument --" in err and "must" in err or "invalid choice" in err
    # values are checked by the engine, as from a call
    args = p.parse_args(["--rounds", "101", "--families", "z"])
    with pytest.raises(ValueError, match="`rounds` must be an integer in"):
        validate(TABLE, flag_values(args, names))


def test_flag_aliases():
    p = argparse.ArgumentParser(prog="t")
    add_flags(p, TABLE, ["gap"], aliases={"gap": ["--g"]})
    assert p.parse_args(["--g", "0.5"]).gap == 0.5


def test_check_option_alone():
    assert check_option(TABLE[0], None) is None
    assert check_option(TABLE[2], 0) == 0.0


@pytest.mark.parametrize("value", [10**400, np.uint64(2**64 - 1), 10.0,
                                   np.float32(3), np.int8(0)])
def test_count_limit_takes_integers_of_any_size_and_dtype(value):
    from optsolve._runtime import check_count_limit
    assert check_count_limit(value, "conflicts") == int(value)


@pytest.mark.parametrize("value", ["abc", "5", [1], 1.5, float("inf"),
                                   np.int8(-1), -1, True, 1j])
def test_count_limit_refusals_name_the_argument(value):
    # 10**400 raised OverflowError, "abc"/[1] float()'s own messages, "5"
    # passed as 5
    from optsolve._runtime import check_count_limit
    with pytest.raises(ValueError, match="`conflicts` must be a non-negative "
                                         "integer or None"):
        check_count_limit(value, "conflicts")


@pytest.mark.parametrize("value, expected", [
    (10**400, 2**63 - 1), (2**63, 2**63 - 1), (np.uint64(2**64 - 1), 2**63 - 1),
    (np.int8(7), 7), (12, 12)])
def test_open_ended_integers_of_any_size(value, expected):
    # float(10**400) overflowed, and the message said "must be a
    # non-negative integer"; a count beyond 64 bits means no limit
    o = TABLE[0]
    assert o.name == "limit"
    v = check_option(o, value)
    assert v == expected and type(v) is int


@pytest.mark.parametrize("value", [10**400, -10**400, 101])
def test_bounded_integers_of_any_size_are_range_checked(value):
    o = TABLE[1]
    assert o.name == "rounds"
    with pytest.raises(ValueError, match=r"`rounds` must be an integer in"):
        check_option(o, value)
