"""The options table of minimize_bilevel: validation, docstring, CLI flags and the guide agree."""
import argparse
import re
from pathlib import Path

import numpy as np
import pytest

from optsolve.optimize.bilevel import DEFAULT_OPTIONS, minimize_bilevel
from optsolve.optimize.bilevel import _cli
from optsolve.optimize.bilevel._options import (METHODS, OPTIONS, default_text, options_doc,
                                                options_iv)

from ._instances import Quadratic


GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guide" / "bilevel.rst"


def test_defaults_pass_their_own_checks():
    for method in METHODS:
        opts = options_iv(method, None)
        assert set(opts) == set(DEFAULT_OPTIONS[method])
        for name, value in DEFAULT_OPTIONS[method].items():
            assert opts[name] == value, name


def test_one_row_per_name():
    names = [o.name for o in OPTIONS]
    assert len(names) == len(set(names))
    for o in OPTIONS:
        assert o.desc and o.methods and set(o.methods) <= set(METHODS)
        assert set(o.defaults) == set(o.methods), o.name


def _guide_rows():
    text = GUIDE.read_text()
    section = text.split("\nOptions\n-------\n", 1)[1].split("\nConventions\n", 1)[0]
    rows = {}
    for line in section.splitlines():
        m = re.match(r"``(\w+)``\s{2,}(\S+)\s{2,}(.+?)\s{2,}(.+)$", line)
        if m:
            rows[m.group(1)] = (m.group(2), m.group(3).replace("``", ""), m.group(4))
    return rows


def test_guide_table_is_the_options_table():
    rows = _guide_rows()
    assert list(rows) == [o.name for o in OPTIONS]
    for o in OPTIONS:
        where, default, desc = rows[o.name]
        assert where == ("all" if o.methods == METHODS else "/".join(o.methods)), o.name
        assert default == default_text(o), o.name
        assert desc.startswith(o.desc), o.name
        for choice in o.choices if o.kind == "choice" else ():
            assert f'``"{choice}"``' in desc, (o.name, choice)


def test_docstring_lists_the_table():
    doc = minimize_bilevel.__doc__
    assert options_doc() in doc
    listed = re.findall(r"^\s+- ``(\w+)`` \(", doc, flags=re.M)
    assert listed == [o.name for o in OPTIONS]


def _parse(argv):
    parser = argparse.ArgumentParser(prog="optsolve")
    _cli.add_parser(parser.add_subparsers())
    return parser.parse_args(["bilevel", "img.png", *argv])


def test_cli_has_a_flag_per_option():
    args = _parse([])
    for o in OPTIONS:
        if o.name in _cli._OWN:
            continue
        assert hasattr(args, o.name) and getattr(args, o.name) is None, o.name
    args = _parse(["--step-rule", "length", "--max-backtracks", "7", "--beta0", "dim",
                   "--eta", "0.01", "--hopeless-factor", "none", "--L0", "2.5"])
    assert (args.step_rule, args.max_backtracks, args.beta0, args.eta, args.L0) == \
        ("length", 7, "dim", 0.01, 2.5)
    assert args.hopeless_factor is _cli._NONE
    with pytest.raises(SystemExit):
        _parse(["--direction", "newton"])


@pytest.mark.parametrize("name, bad", [
    ("maxiter", -1), ("maxiter", None), ("maxiter", 2.5), ("maxiter", True),
    ("max_work", -3), ("seed", -1), ("seed", 1.5), ("lower_maxiter", 0),
    ("cg_maxiter", np.int8(-1)), ("max_backtracks", 0), ("max_retries", np.uint8(0)),
    ("lbfgs_memory", 2.5), ("time_limit", -1.0), ("time_limit", "soon"),
    ("eps0", 0.0), ("eps0", np.inf), ("delta0", -1.0), ("eta", 1.0), ("rho", 0.0),
    ("tau", "half"), ("nu", 0.5), ("growth", 0.9), ("beta0", "sqrt"), ("beta0", -1.0),
    ("beta_min", -1.0), ("beta_max", 0.0), ("eps_min", np.nan), ("hopeless_factor", 0.0),
    ("step_rule", "newton"), ("direction", "newton"), ("decrease", "eta3"),
    ("ls_warm", "cold"), ("lower_solver", "lbfgs"),
])
def test_bad_values_name_the_option(name, bad):
    with pytest.raises(ValueError, match=f"`{name}` must"):
        minimize_bilevel(Quadratic(), np.zeros(3), options={name: bad})


@pytest.mark.parametrize("name, bad", [
    ("schedule", "linear"), ("decay", 1.0), ("C", 0.0), ("L0", "cube"), ("eps0", -1.0),
])
def test_bad_hoag_values_name_the_option(name, bad):
    with pytest.raises(ValueError, match=f"`{name}` must"):
        minimize_bilevel(Quadratic(), np.zeros(3), method="hoag", options={name: bad})


def test_numpy_integers_are_accepted():
    res = minimize_bilevel(Quadratic(), np.zeros(3),
                           options={"maxiter": np.int64(3), "max_backtracks": np.int32(4),
                                    "seed": np.uint16(2), "hopeless_factor": None})
    assert res.nit <= 3
