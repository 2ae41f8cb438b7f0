"""The options of :func:`~optsolve.optimize.bcd.bcd`, declared once.

:data:`TABLE` (records of :class:`optsolve._options.Option`) drives the
validation at ``bcd``'s door (:func:`options_iv`), the flags of
``optsolve bcd`` that map onto options, and the option table of the guide;
a test checks that ``bcd``'s docstring and the guide list the same options
with the same defaults. A new option: a record here, a keyword of ``bcd``
and its docstring entry, and its use in the solver that reads it
(``opts.NAME`` in ``solvers/``).
"""
from __future__ import annotations

import numbers

from optsolve._options import Option, check_option
from optsolve._runtime import check_time_limit

from .partitions import FIXED_PARTITIONS, VARIABLE_PARTITIONS
from .rules import RULES
from .updates import UPDATES

__all__ = ["TABLE", "BLOCKS", "options_iv", "options_rst"]

#: The named partitions ``blocks`` accepts (or a list of index arrays).
BLOCKS = ("auto", "working-set") + FIXED_PARTITIONS + VARIABLE_PARTITIONS


def _blocks(value, name):
    if isinstance(value, str) and value not in BLOCKS:
        raise ValueError(f"`{name}` must be one of {BLOCKS} or a list of index arrays, "
                         f"got {value!r}")
    return value   # a list is checked against the problem by ``bcd``


def _verbose(value, name):
    if not isinstance(value, (bool, numbers.Integral)):
        raise ValueError(f"`{name}` must be a bool or an integer, got {value!r}")
    return value


def _time_limit(value, name):
    return check_time_limit(value, name)


def _as_is(value, name):
    return value   # checked where used (the callback wrapper, numpy's Generator)


TABLE = (
    Option("rule", "str", "gsl", "block selection rule", choices=RULES),
    Option("blocks", "any", "auto", "block partition, or a list of index arrays",
           choices=BLOCKS, check=_blocks, shown_type="str or list"),
    Option("block_size", "int", None, "block size (None: 1; n_classes for Softmax; 100 for "
           "tree and forest blocks)", low=1, none=True),
    Option("update", "str", "auto", "block update", choices=("auto",) + UPDATES),
    Option("tol", "float", 1e-6, "relative tolerance on the optimality measure", low=0.0),
    Option("max_iter", "int", None, "iteration limit (None: 100000 block updates, or 1000 "
           "working sets)", low=0, none=True),
    Option("time_limit", "any", None, "wall-clock limit in seconds", check=_time_limit,
           shown_type="float"),
    Option("callback", "any", None, "called with an OptimizeResult at every check",
           check=_as_is, shown_type="callable"),
    Option("verbose", "any", False, "print progress lines", check=_verbose,
           shown_type="bool or int"),
    Option("history", "bool", False, "return the history of the run"),
    Option("random_state", "any", None, "seed of the random rules and partitions",
           check=_as_is, shown_type="int or Generator"),
    Option("screen", "bool", True, "gap-safe screening in the working-set solver"),
)


def options_iv(**options):
    """The options checked against :data:`TABLE` (ValueError naming the
    option in backticks); ``None`` values kept where the table allows."""
    return {o.name: check_option(o, options[o.name]) for o in TABLE}


def _default(o):
    return "None" if o.default is None else repr(o.default).replace("'", '"')


def options_rst():
    """The table as the reStructuredText list-table of the API page
    (``docs/api/bcd.rst``; a test keeps the page equal to it)."""
    rows = [".. list-table:: Options of ``bcd``", "   :header-rows: 1", "",
            "   * - name", "     - type", "     - default", "     - range or choices",
            "     - description"]
    for o in TABLE:
        rng = ", ".join(f"``{c}``" for c in o.choices) if o.choices else o.range_text()
        rows += [f"   * - ``{o.name}``", f"     - {o.shown_type or o.type}",
                 f"     - ``{_default(o)}``", f"     - {rng}", f"     - {o.description}"]
    return "\n".join(rows) + "\n"
