"""The options of ``minimize_bilevel``, declared once.

One row per option: name, kind, default (per method where it differs), the
methods that accept it, range or choices, and a one-line description. The
validation (``options_iv``), the options list of ``minimize_bilevel``'s
docstring, the ``optsolve bilevel`` flags and ``DEFAULT_OPTIONS`` are all
built from :data:`OPTIONS`; a test checks the guide's options table against it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..._runtime import check_count_limit, check_time_limit
from .directions import DIRECTIONS
from .hypergrad import LOWER_SOLVERS
from .steprules import STEP_RULES
from .warmstarts import WARM_STARTS

__all__ = ["Option", "OPTIONS", "METHODS", "DEFAULT_OPTIONS", "options_iv", "options_doc"]

METHODS = ("maid", "hoag", "fixed")
_ALL = METHODS
_MAID = ("maid", "fixed")
_HOAG = ("hoag",)


@dataclass(frozen=True)
class Option:
    """One option. ``kind`` names the check (see ``_CHECKS``); ``default`` is
    a value, or a dict method -> value where methods differ; ``choices`` are
    the accepted strings (the only values of a "choice", the words a
    "positive" option also accepts)."""

    name: str
    kind: str
    default: object
    methods: tuple
    desc: str
    choices: tuple = ()
    none: bool = False          # None is accepted (no limit, off)

    def default_for(self, method):
        return self.default[method] if isinstance(self.default, dict) else self.default


OPTIONS = (
    Option("maxiter", "count", 1000, _ALL, "outer iterations"),
    Option("max_work", "count", None, _ALL,
           "budget on ``nlower + ncg`` (an error bound started under it may finish "
           "up to 6 products past it)", none=True),
    Option("time_limit", "seconds", None, _ALL, "wall-clock limit in seconds", none=True),
    Option("lower_maxiter", "positive_int", 2000, _ALL, "iterations per lower-level solve"),
    Option("cg_maxiter", "positive_int", 2000, _ALL, "CG iterations per adjoint solve"),
    Option("seed", "count", 0, _ALL, "seed of the random secants of the error bound"),
    Option("lower_solver", "choice", "auto", _ALL,
           "lower-level solver; auto: the problem's ``preferred_lower_solver``, else fista",
           choices=("auto",) + LOWER_SOLVERS),
    Option("eps0", "positive", {"maid": 0.1, "fixed": 1e-3, "hoag": 1e-3}, _ALL,
           "first lower-level accuracy (HOAG: relative tolerance of its schedule)"),
    Option("delta0", "positive", {"maid": 0.1, "fixed": 1e-3}, _MAID,
           "first adjoint (CG) accuracy"),
    Option("eta", "unit", 1e-4, _MAID, "sufficient decrease and error-bound test"),
    Option("rho", "unit", 0.5, _MAID, "step shrink of the backtracking"),
    Option("tau", "unit", 0.5, _MAID, "accuracy shrink after a failed test"),
    Option("nu", "at_least_1", 1.05, _MAID, "accuracy relaxation after an accepted step"),
    Option("beta0", "positive", "auto", _MAID,
           "first trial step: auto ``1/||h_0||``, dim ``1/(||h_0|| dim)``, or a number",
           choices=("auto", "dim")),
    Option("growth", "at_least_1", 10.0 / 9.0, _MAID,
           "growth of the accepted step into the next first trial step"),
    Option("step_rule", "choice", "bb", _MAID,
           "first trial step of the later line searches (growth: the paper's)",
           choices=tuple(STEP_RULES)),
    Option("beta_min", "positive", 1e-10, _MAID, "lower clip of the Barzilai-Borwein step"),
    Option("beta_max", "positive", 1e10, _MAID, "upper clip of the Barzilai-Borwein step"),
    Option("direction", "choice", "lbfgs", _MAID,
           "search direction (gradient: the paper's ``-h``)", choices=tuple(DIRECTIONS)),
    Option("lbfgs_memory", "positive_int", 10, _MAID, "L-BFGS pairs kept"),
    Option("max_backtracks", "positive_int", {"maid": 10, "fixed": 5}, _MAID,
           "trial steps of the first line search of an iteration (one more per retry)"),
    Option("max_retries", "positive_int", 3, _MAID, "hypergradient tries per iteration"),
    Option("decrease", "choice", "eta", _MAID,
           "sufficient decrease: eta (the paper's test) or eta2 (the authors' code)",
           choices=("eta", "eta2")),
    Option("eps_min", "positive", 1e-13, _MAID, "accuracy floor (status 4 below it)"),
    Option("hopeless_factor", "positive", 4.0, _MAID,
           "early exit of a line search that cannot succeed (None: off)", none=True),
    Option("ls_warm", "choice", "secant", _MAID,
           "warm start of the line search's lower solves", choices=tuple(WARM_STARTS)),
    Option("schedule", "choice", "geometric", _HOAG, "tolerance schedule",
           choices=("geometric", "quadratic", "cubic")),
    Option("decay", "unit", 0.9, _HOAG, "ratio of the geometric schedule"),
    Option("C", "positive", 0.25, _HOAG, "constant of the step-length test"),
    Option("L0", "positive", "dim", _HOAG,
           "first inverse step: dim ``||h_0|| dim``, sqrt ``||h_0||/sqrt(dim)``, or a number",
           choices=("sqrt", "dim")),
)

#: Default ``options`` of each method.
DEFAULT_OPTIONS = {m: {o.name: o.default_for(m) for o in OPTIONS if m in o.methods}
                   for m in METHODS}


def _positive(name, v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}") from None
    if not (f > 0 and math.isfinite(f)):
        raise ValueError(f"`{name}` must be a positive number, got {v!r}")
    return f


def _unit(name, v):
    try:
        ok = 0.0 < float(v) < 1.0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must lie in (0, 1), got {v!r}")
    return float(v)


def _at_least_1(name, v):
    f = _positive(name, v)
    if f < 1:
        raise ValueError(f"`{name}` must be at least 1, got {f!r}")
    return f


def _count(name, v):
    n = check_count_limit(v, name)
    if n is None:
        raise ValueError(f"`{name}` must be a non-negative integer")
    return n


def _positive_int(name, v):
    n = check_count_limit(v, name)
    if not n:
        raise ValueError(f"`{name}` must be a positive integer")
    return n


_CHECKS = {"positive": _positive, "unit": _unit, "at_least_1": _at_least_1,
           "count": _count, "positive_int": _positive_int,
           "seconds": lambda name, v: check_time_limit(v, name)}


def _check(opt, v):
    if v is None and opt.none:
        return None
    if opt.kind == "choice":
        if v not in opt.choices:
            raise ValueError(f"`{opt.name}` must be one of {opt.choices}, got {v!r}")
        return v
    if opt.choices and isinstance(v, str) and v in opt.choices:
        return v
    return _CHECKS[opt.kind](opt.name, v)


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
    opts = dict(defaults, **options)
    for opt in OPTIONS:
        if opt.name in opts:
            opts[opt.name] = _check(opt, opts[opt.name])
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
    if not isinstance(opt.default, dict):
        return _show(opt.default)
    first = opt.default[opt.methods[0]]
    others = [f"{m}: {_show(v)}" for m, v in opt.default.items() if v != first]
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
