"""The MILP options table agrees with the guide, the docstring and the CLI."""
import math
import pathlib
import re

import pytest

import optsolve
from optsolve.cli import build_parser
from optsolve.milp import OPTIONS
from optsolve.milp.options import TABLE, options_iv

GUIDE = pathlib.Path(__file__).parents[2] / "docs" / "guide" / "milp.rst"


def _guide_rows():
    text = GUIDE.read_text()
    section = text[text.index("\nOptions\n-------"):text.index("\nHow the search works")]
    return re.findall(r"^``(\w+)``\s+(\S+)\s", section, flags=re.M)


def _same_default(cell, default):
    if isinstance(default, tuple):
        return cell == ",".join(default)
    if isinstance(default, float):
        return math.isclose(float(cell), default)
    return cell == str(default)


def test_guide_table_matches_the_options_table():
    rows = _guide_rows()
    assert [name for name, _ in rows] == [o.name for o in TABLE]
    for (name, cell), o in zip(rows, TABLE):
        # "all": a subset default of every choice (too wide for the column)
        assert _same_default(cell, o.default) or (
            cell == "all" and o.default == o.choices), (name, cell, o.default)


def test_docstring_lists_every_option_with_its_default():
    doc = optsolve.milp.milp.__doc__
    assert "accepted, ignored" not in doc
    for o in TABLE:
        assert f"- ``{o.name}`` (" in doc, o.name
    assert doc.count("\n        - ``") == len(TABLE)


def test_cli_has_a_flag_for_every_solver_option():
    sub = build_parser(only="milp")._subparsers._group_actions[0].choices["milp"]
    flags = {s for a in sub._actions for s in a.option_strings}
    for o in TABLE:
        if o.name in ("disp", "display_interval", "callback", "callback_interval"):
            continue
        assert "--" + o.name.replace("_", "-") in flags, o.name


def test_defaults_are_the_tables():
    o = options_iv(None)
    assert o["node_selection"] == "best-bound" and o["cut_families"] == (
        "gomory", "mir", "cover", "clique", "zerohalf")
    assert type(o["branching"]).__name__ == "ReliabilityPseudocost"
    assert OPTIONS["cut_rounds"] == (50, TABLE[13].description)


@pytest.mark.parametrize("options, match", [
    ({"heuristics": 1}, "`heuristics` must be a bool"),
    ({"integrality_tolerance": 0.5}, r"`integrality_tolerance` must be a number in \[0, 0.5\)"),
    ({"dive_frequency": "3"}, "`dive_frequency` must be a non-negative integer"),
    ({"node_limit": -10**400}, "`node_limit` must be a non-negative integer"),
    # None meant 0 here, undocumented (None means "no limit" elsewhere)
    ({"cut_rounds": None}, "`cut_rounds` must be a non-negative integer, got None"),
    ({"dive_frequency": None}, "`dive_frequency` must be a non-negative integer, got None"),
    ({"disp": "yes"}, "`disp` must be a bool or an int"),
    ({"mip_abs_gap": float("inf")}, "`mip_abs_gap` must be a non-negative number"),
])
def test_bad_values_name_the_option(options, match):
    with pytest.raises(ValueError, match=match):
        options_iv(options)


def test_callback_interval_zero_or_none_is_every_node():
    assert options_iv({"callback_interval": 0})["callback_interval"] == 1
    assert options_iv({"callback_interval": None})["callback_interval"] == 1
