"""The options of ``minimize_bilevel``, declared once.

One row per option on the shared record (:class:`optsolve._options.Option`:
name, type, default, one-line description, range or choices) plus the
methods that accept it and their own defaults where they differ. The
validation (``options_iv``), the options list of ``minimize_bilevel``'s
docstring, the ``optsolve bilevel`` flags and ``DEFAULT_OPTIONS`` are all
built from :data:`OPTIONS`; a test checks the guide's options table against it.
"""
from __future__ import annotations

import math
from dataclasses import replace

from ..._options import Option as _Record
from ..._options import check_option
from ..._runtime import check_time_limit
from .directions import DIRECTIONS
from .hypergrad import LOWER_SOLVERS
from .steprules import STEP_RULES
from .warmstarts import WARM_STARTS

__all__ = ["OPTIONS", "METHODS", "DEFAULT_OPTIONS", "TABLES", "options_iv", "options_doc",
           "default_text"]

METHODS = ("maid", "hoag", "fixed")
_ALL = METHODS
_MAID = ("maid", "fixed")
_HOAG = ("hoag",)


def _positive(v, name):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}") from None
    if not (f > 0 and math.isfinite(f)):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}")
    return f


def _unit(v, name):
    try:
        ok = 0.0 < float(v) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must lie in (0, 1), got {v!r}")
    return float(v)


def _at_least_1(v, name):
    f = _positive(v, name)
    if f < 1:
        raise ValueError(f"`{name}` must be at least 1, got {f!r}")
    return f


def _seconds(v, name):
    return check_time_limit(v, name)


_CHECKS = {"positive": _positive, "unit": _unit, "at_least_1": _at_least_1,
           "seconds": _seconds}


def row(name, kind, default, methods, desc, choices=None, none=False):
    """A row: ``kind`` is "count" (integer >= 0), "positive_int" (>= 1),
    "choice", or a check of ``_CHECKS`` (whose ``choices`` are words also
    accepted); ``default`` a value, or a dict method -> value; ``methods``
    the methods that accept it."""
    per_method = default if isinstance(default, dict) else {m: default for m in methods}
    if kind in ("count", "positive_int"):
        rec = _Record(name, "int", per_method[methods[0]], desc,
                      low=0 if kind == "count" else 1, none=none)
    elif kind == "choice":
        rec = _Record(name, "str", per_method[methods[0]], desc, choices=tuple(choices))
    else:
        words = tuple(choices or ())

        def check(v, name, _check=_CHECKS[kind]):
            if (v is None and none) or (isinstance(v, str) and v in words):
                return v
            return _check(v, name)
        rec = _Record(name, "any", per_method[methods[0]], desc, choices=words or None,
                      none=none, check=check, shown_type="float")
    return _Row(rec, tuple(methods), per_method)


class _Row:
    """An option of the shared record, the methods that accept it and their
    defaults."""

    __slots__ = ("record", "methods", "defaults")

    def __init__(self, record, methods, defaults):
        self.record, self.methods, self.defaults = record, methods, defaults

    name = property(lambda self: self.record.name)
    desc = property(lambda self: self.record.description)
    choices = property(lambda self: self.record.choices or ())
    kind = property(lambda self: "choice" if self.record.type == "str" else self.record.type)
    none = property(lambda self: self.record.none)

    def default_for(self, method):
        return self.defaults[method]


OPTIONS = (
    row("maxiter", "count", 1000, _ALL, "outer iterations"),
    row("max_work", "count", None, _ALL,
           "budget on ``nlower + ncg`` (an error bound started under it may finish "
           "up to 6 products past it)", none=True),
    row("time_limit", "seconds", None, _ALL, "wall-clock limit in seconds", none=True),
    row("lower_maxiter", "positive_int", 2000, _ALL, "iterations per lower-level solve"),
    row("cg_maxiter", "positive_int", 2000, _ALL, "CG iterations per adjoint solve"),
    row("seed", "count", 0, _ALL, "seed of the random secants of the error bound"),
    row("lower_solver", "choice", "auto", _ALL,
           "lower-level solver; auto: the problem's ``preferred_lower_solver``, else fista",
           choices=("auto",) + LOWER_SOLVERS),
    row("eps0", "positive", {"maid": 0.1, "fixed": 1e-3, "hoag": 1e-3}, _ALL,
           "first lower-level accuracy (HOAG: relative tolerance of its schedule)"),
    row("delta0", "positive", {"maid": 0.1, "fixed": 1e-3}, _MAID,
           "first adjoint (CG) accuracy"),
    row("eta", "unit", 1e-4, _MAID, "sufficient decrease and error-bound test"),
    row("rho", "unit", 0.5, _MAID, "step shrink of the backtracking"),
    row("tau", "unit", 0.5, _MAID, "accuracy shrink after a failed test"),
    row("nu", "at_least_1", 1.05, _MAID, "accuracy relaxation after an accepted step"),
    row("beta0", "positive", "auto", _MAID,
           "first trial step: auto ``1/||h_0||``, dim ``1/(||h_0|| dim)``, or a number",
           choices=("auto", "dim")),
    row("growth", "at_least_1", 10.0 / 9.0, _MAID,
           "growth of the accepted step into the next first trial step"),
    row("step_rule", "choice", "bb", _MAID,
           "first trial step of the later line searches (growth: the paper's)",
           choices=tuple(STEP_RULES)),
    row("beta_min", "positive", 1e-10, _MAID, "lower clip of the Barzilai-Borwein step"),
    row("beta_max", "positive", 1e10, _MAID, "upper clip of the Barzilai-Borwein step"),
    row("direction", "choice", "lbfgs", _MAID,
           "search direction (gradient: the paper's ``-h``)", choices=tuple(DIRECTIONS)),
    row("lbfgs_memory", "positive_int", 10, _MAID, "L-BFGS pairs kept"),
    row("max_backtracks", "positive_int", {"maid": 10, "fixed": 5}, _MAID,
           "trial steps of the first line search of an iteration (one more per retry)"),
    row("max_retries", "positive_int", 3, _MAID, "hypergradient tries per iteration"),
    row("decrease", "choice", "eta", _MAID,
           "sufficient decrease: eta (the paper's test) or eta2 (the authors' code)",
           choices=("eta", "eta2")),
    row("eps_min", "positive", 1e-13, _MAID, "accuracy floor (status 4 below it)"),
    row("hopeless_factor", "positive", 4.0, _MAID,
           "early exit of a line search that cannot succeed (None: off)", none=True),
    row("ls_warm", "choice", "secant", _MAID,
           "warm start of the line search's lower solves", choices=tuple(WARM_STARTS)),
    row("schedule", "choice", "geometric", _HOAG, "tolerance schedule",
           choices=("geometric", "quadratic", "cubic")),
    row("decay", "unit", 0.9, _HOAG, "ratio of the geometric schedule"),
    row("C", "positive", 0.25, _HOAG, "constant of the step-length test"),
    row("L0", "positive", "dim", _HOAG,
           "first inverse step: dim ``||h_0|| dim``, sqrt ``||h_0||/sqrt(dim)``, or a number",
           choices=("sqrt", "dim")),
)

#: Default ``options`` of each method.
DEFAULT_OPTIONS = {m: {o.name: o.default_for(m) for o in OPTIONS if m in o.methods}
                   for m in METHODS}
#: The shared-record table of each method (its defaults).
TABLES = {m: tuple(replace(o.record, default=o.default_for(m)) for o in OPTIONS
                   if m in o.methods) for m in METHODS}


def options_iv(method, options):
    """``options`` checked against the table and completed with the method's
    defaults; raises ValueError naming the option."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError("`options` must be a dict or None")
    defaults = DEFAULT_OPTIONS[method]
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ValueError(f"unknown `options` for method {method!r}: {', '.join(unknown)}; "
                         f"allowed: {', '.join(sorted(defaults))}")
    opts = {o.name: check_option(o, options.get(o.name, o.default)) for o in TABLES[method]}
    if method != "hoag" and opts["beta_min"] > opts["beta_max"]:
        raise ValueError(f"`beta_min` must not exceed `beta_max`, got {opts['beta_min']!r} "
                         f"> {opts['beta_max']!r}")
    return opts


def _show(v):
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, float):
        return "10/9" if v == 10.0 / 9.0 else format(v, "g")
    return repr(v)


def default_text(opt):
    """The default as the docs show it: ``0.1 (fixed: 0.001)``."""
    first = opt.defaults[opt.methods[0]]
    if all(v == first for v in opt.defaults.values()):
        return _show(first)
    others = [f"{m}: {_show(v)}" for m, v in opt.defaults.items() if v != first]
    return f"{_show(first)} ({', '.join(others)})" if others else _show(first)


def options_doc(indent=8):
    """The options list of ``minimize_bilevel``'s docstring, from the table."""
    pad = " " * indent
    groups = (("All methods", _ALL), ('MAID and "fixed"', _MAID), ("HOAG", _HOAG))
    lines = []
    for title, methods in groups:
        lines.append(f"{pad}{title}:")
        lines.append("")
        for o in OPTIONS:
            if o.methods != methods:
                continue
            choices = f"; one of {', '.join(map(_show, o.choices))}" if o.choices else ""
            lines.append(f"{pad}- ``{o.name}`` ({default_text(o)}{choices}): {o.desc}.")
        lines.append("")
    return "\n".join(lines).rstrip()
