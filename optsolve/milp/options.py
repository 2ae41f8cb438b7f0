"""The options of :func:`optsolve.milp`, declared once.

:data:`TABLE` drives the validation (:func:`options_iv`), the option list of
:func:`optsolve.milp`'s docstring, the flags of ``optsolve milp`` and the
options table of the guide (a test checks that the guide agrees).
"""
from __future__ import annotations

import os

import numpy as np

from optsolve._options import Option, validate
from optsolve._runtime import check_time_limit, wrap_callback
from optsolve.milp.branching import NAMES, Learned, make_rule
from optsolve.milp.cuts import RootSeparator
from optsolve.milp.nodesel import SELECTIONS, make_selector

__all__ = ["TABLE", "OPTIONS", "options_iv"]


def _rule(value, name):
    return make_rule(value)


def _weights_path(value, name):
    if value is not None and not isinstance(value, (str, os.PathLike)):
        raise ValueError(f"`{name}` must be a path or None, got {value!r}")
    return value


def _selection(value, name):
    make_selector(value)             # the registry as it is now
    return value


def _disp(value, name):
    if not isinstance(value, (bool, int, np.integer)):
        raise ValueError(f"`{name}` must be a bool or an int")
    return value


def _callback(value, name):
    return wrap_callback(value)


def _at_least_one(value, name):
    return value or 1                # 0 means every node


def _time_limit(value, name):
    return check_time_limit(value, name)


#: Every option of :func:`optsolve.milp`, in the order the docs list them.
TABLE = (
    Option("branching", "any", "relpscost",
           "branching rule: a name or an object with select(state) "
           "(see optsolve.milp.branching)",
           choices=NAMES, check=_rule, shown_type="str or object"),
    Option("node_selection", "any", "best-bound",
           "node selection rule (see optsolve.milp.nodesel); best-bound and "
           "best-estimate plunge depth-first", choices=tuple(SELECTIONS),
           check=_selection, shown_type="str"),
    Option("time_limit", "any", None,
           "wall-clock seconds from the call, None for no limit",
           check=_time_limit, shown_type="float"),
    Option("node_limit", "int", None,
           "maximum number of nodes solved, None for no limit", low=0, none=True),
    Option("mip_rel_gap", "float", 1e-4,
           "stop when (primal - dual) / abs(primal) <= this", low=0.0),
    Option("mip_abs_gap", "float", 1e-6, "stop when primal - dual <= this",
           low=0.0),
    Option("disp", "any", False,
           "print a progress line every display_interval seconds (True) or "
           "every node (2)", check=_disp, shown_type="bool or int"),
    Option("display_interval", "float", 5.0, "seconds between two progress lines",
           low=0.0),
    Option("callback", "any", None,
           "callable receiving an OptimizeResult at each new incumbent and "
           "every callback_interval nodes; StopIteration stops",
           check=_callback, shown_type="callable"),
    Option("callback_interval", "int", 100,
           "nodes between two periodic callback calls (0 as 1)", low=0,
           none=True, check=_at_least_one),
    Option("presolve", "bool", True,
           "reduce the problem before the search (bound tightening, singleton "
           "and redundant rows, dual fixing, coefficient tightening; see "
           "optsolve.milp.presolve)"),
    Option("cuts", "bool", True,
           "root cutting planes (see optsolve.milp.cuts)"),
    Option("cut_families", "subset", RootSeparator.DEFAULT_FAMILIES,
           "the root cut families used when cuts is on: Gomory mixed-integer, "
           "c-MIR, lifted knapsack cover, clique, zero-half",
           choices=RootSeparator.FAMILIES),
    Option("cut_rounds", "int", 50, "maximum rounds of root cuts (0: none; "
           "the stall rule and the time budget usually end them first)",
           low=0),
    Option("restart", "bool", True,
           "presolve again and restart the search once when the root fixes "
           "a fifth of the integer columns (with presolve on; see "
           "optsolve.milp.restart)"),
    Option("propagation", "bool", True,
           "activity-based bound tightening of integer columns at every node"),
    Option("heuristics", "bool", True, "simple rounding and fractional diving"),
    Option("dive_frequency", "int", 10,
           "run fractional diving every this many nodes (0: root only)",
           low=0),
    Option("submip", "bool", True,
           "RENS at the root and RINS in the tree: small branch and bounds on "
           "the problem with the integer columns that agree (LP and "
           "incumbent) fixed"),
    Option("integrality_tolerance", "float", 1e-6,
           "a value within this of an integer is integral", low=0.0, high=0.5,
           high_open=True),
    Option("branching_weights", "any", None,
           "weights file (.npz) of the learned rule, for branching "
           "'learned': the user's own model instead of the shipped ones",
           check=_weights_path, shown_type="str"),
)

#: ``name -> (default, description)``, the table's earlier public form.
OPTIONS = {o.name: (o.default, o.description) for o in TABLE}


def options_iv(options):
    """Validate an options dict; return a complete dict with defaults."""
    out = validate(TABLE, options)
    if out["branching_weights"] is not None:
        # the user's model replaces the shipped one the name chose
        if options.get("branching") != "learned":
            raise ValueError("`branching_weights` needs `branching` 'learned', "
                             f"got {options.get('branching', 'relpscost')!r}")
        out["branching"] = Learned(out["branching_weights"])
    return out
