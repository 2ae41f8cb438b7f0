"""The options table of ``bcd`` (optimize/bcd/options.py) agrees with the
docstring, the API page and the CLI flags."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

from optsolve.optimize.bcd import Lasso, bcd
from optsolve.optimize.bcd._cli import add_parser
from optsolve.optimize.bcd.options import TABLE, options_rst

ROOT = Path(__file__).resolve().parents[3]


def _doc_params():
    """{name: header line} of the Parameters section of bcd's docstring."""
    doc = bcd.__doc__
    sec = doc[doc.index("Parameters\n"):doc.index("Returns\n")]
    return {m.group(1): m.group(2) for m in re.finditer(r"^    (\w+) : (.*)$", sec, re.M)}


def test_docstring_lists_the_table():
    params = _doc_params()
    assert set(params) - {"problem", "x0"} == {o.name for o in TABLE}
    for o in TABLE:
        head = params[o.name]
        if o.default is None:
            assert head.endswith("optional"), o.name
        else:
            assert "default " in head, (o.name, head)
            shown = ast.literal_eval(head.rsplit("default ", 1)[1])
            assert shown == o.default and type(shown) is type(o.default), (o.name, head)
        braces = re.match(r"\{(.*)\}", head)
        if braces and o.choices:
            assert tuple(c.strip().strip('"') for c in braces.group(1).split(",")) == o.choices


def test_api_page_has_the_generated_table():
    page = (ROOT / "docs" / "api" / "bcd.rst").read_text()
    assert options_rst() in page


def test_cli_flags_take_the_table_defaults():
    import argparse
    sub = argparse.ArgumentParser().add_subparsers()
    p = add_parser(sub)
    args = p.parse_args(["data.svm"])
    known = {o.name: o for o in TABLE}
    for name in ("rule", "tol"):
        assert getattr(args, name) == known[name].default


@pytest.mark.parametrize("kw,match", [({"screen": 1}, "`screen` must be a bool"),
                                      ({"tol": float("nan")}, "`tol` must be a non-negative"),
                                      ({"max_iter": 2.5}, "`max_iter` must be a non-negative"),
                                      ({"update": "bfgs"}, "`update` must be one of")])
def test_table_validates(kw, match):
    X = np.eye(4); y = np.ones(4)
    with pytest.raises(ValueError, match=match):
        bcd(Lasso(X, y, 0.1), **kw)
