"""Options declared once: a table of :class:`Option` records drives
validation, the docstring's option list and the command-line flags.

The engines' tables follow the SAT core's (``csrc/sat/options.h``): a name,
a type, a default, a range or choices, and a one-line description. An engine
declares its table once and reads everything else from it::

    TABLE = (Option("node_limit", "int", None, "maximum nodes", none=True),
             Option("gap", "float", 1e-4, "relative gap", low=0.0))
    opts = validate(TABLE, user_options)        # complete, checked dict
    doc = doc_list(TABLE)                       # for the docstring
    add_flags(parser, TABLE, ["gap"])           # --gap G

Types: ``"bool"``, ``"int"``, ``"float"``, ``"str"`` (one of ``choices``),
``"subset"`` (a tuple of ``choices``), ``"any"`` (the option's ``check``
decides). An option may add ``check(value, name) -> value`` to convert or
refine after the type's test (``check`` alone decides for ``"any"``).
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

__all__ = ["Option", "validate", "check_option", "doc_list", "add_flags",
           "flag_values", "defaults"]


@dataclass(frozen=True)
class Option:
    """One option: ``name``, ``type``, ``default``, one-line ``description``;
    numbers may have a range ``[low, high]`` (``high_open``: ``high``
    excluded), strings and subsets their ``choices``; ``none``: ``None`` is
    accepted (no limit); ``check``: extra conversion or test; ``shown_type``:
    the type as the docs name it (default ``type``)."""

    name: str
    type: str
    default: Any
    description: str
    low: Optional[float] = None
    high: Optional[float] = None
    high_open: bool = False
    choices: Optional[tuple] = None
    none: bool = False
    check: Optional[Callable] = None
    shown_type: str = ""

    def range_text(self):
        """The range in words (``""`` when unbounded)."""
        if self.low is None and self.high is None:
            return ""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        if self.high is None:
            return f"[{lo}, inf)"
        return f"[{lo}, {self.high:g}{')' if self.high_open else ']'}"


_INT64_MAX = 2**63 - 1


def _kind(o):
    what = {"int": "an integer", "float": "a number", "bool": "a bool"}[o.type]
    if o.type in ("int", "float") and (o.low is not None or o.high is not None):
        if o.low == 0 and o.high is None:
            what = f"a non-negative {'integer' if o.type == 'int' else 'number'}"
        else:
            what += f" in {o.range_text()}"
    return what + (" or None" if o.none else "")


def _number(o, value):
    if o.type == "bool":
        return value if isinstance(value, (bool, np.bool_)) else None
    if isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    if o.type == "int" and isinstance(value, (int, np.integer)):
        # exact, whatever the size: float() would overflow past 1e308
        v = int(value)
        if (o.low is not None and v < o.low) or (
                o.high is not None and not (v < o.high if o.high_open else v <= o.high)):
            return None
        # beyond 64 bits an open-ended count is no limit in practice, and
        # stays an int64 for the compiled kernels
        return v if o.high is not None else min(v, _INT64_MAX)
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if o.type == "int":
        if not v.is_integer():
            return None
        v = int(value) if isinstance(value, (int, np.integer)) else int(v)
    elif not math.isfinite(v):
        return None
    if (o.low is not None and not v >= o.low) or (
            o.high is not None and not (v < o.high if o.high_open else v <= o.high)):
        return None
    return v


def check_option(o: Option, value):
    """``value`` checked and converted for ``o``; ``ValueError`` naming the
    option in backticks otherwise."""
    if value is None and o.none:
        return o.check(None, o.name) if o.check is not None else None
    if o.type == "any":
        return o.check(value, o.name)
    if o.type == "str":
        if not (isinstance(value, str) and value in o.choices):
            raise ValueError(f"`{o.name}` must be one of {o.choices}, "
                             f"got {value!r}")
        v = value
    elif o.type == "subset":
        items = (value,) if isinstance(value, str) else value
        try:
            items = tuple(items)
        except TypeError:
            items = None
        if items is None or not all(isinstance(f, str) and f in o.choices
                                    for f in items):
            raise ValueError(f"`{o.name}` must be a subset of {o.choices}, "
                             f"got {value!r}")
        v = tuple(dict.fromkeys(items))
    else:
        v = _number(o, value)
        if v is None:
            raise ValueError(f"`{o.name}` must be {_kind(o)}, got {value!r}")
    return o.check(v, o.name) if o.check is not None else v


def defaults(table):
    """``{name: default}`` of a table."""
    return {o.name: o.default for o in table}


def validate(table, options, name="options"):
    """A complete dict of checked options: the defaults updated by
    ``options`` (a dict or None); unknown keys raise ``ValueError``."""
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ValueError(f"`{name}` must be a dict or None")
    known = {o.name: o for o in table}
    unknown = set(options) - set(known)
    if unknown:
        raise ValueError(f"`{name}` has unknown keys {sorted(unknown)}; "
                         f"known: {sorted(known)}")
    out = {}
    for o in table:
        out[o.name] = check_option(o, options.get(o.name, o.default))
    return out


def _default_text(o):
    d = o.default
    if isinstance(d, tuple):
        return "(" + ", ".join(repr(v) for v in d) + ")"
    return repr(d)


def doc_list(table, indent=8):
    """The table as a numpydoc bullet list (one item an option), indented
    by ``indent`` spaces, for an ``options`` parameter's description."""
    pad = " " * indent
    lines = []
    for o in table:
        extra = o.range_text()
        if o.choices:
            extra = ("subset of " if o.type == "subset" else "one of ") + ", ".join(
                f'``"{c}"``' for c in o.choices)
        text = (f"- ``{o.name}`` ({o.shown_type or o.type}, default ``{_default_text(o)}``"
                + (f"; {extra}" if extra else "") + "): "
                + o.description.replace("|", "\\|").replace("*", "\\*"))
        lines.append(pad + text)
    return "\n".join(lines)


def _flag_type(o):
    # syntax only: the engine validates the values at its door, so a bad
    # value reads the same from the CLI as from the call
    def convert(text):
        if o.type == "subset":
            return tuple(s for s in text.split(",") if s)
        if o.type not in ("int", "float"):
            return text
        try:
            return int(text, 10) if o.type == "int" else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be {'an integer' if o.type == 'int' else 'a number'}, "
                f"got {text!r}") from None
    return convert


def add_flags(parser, table, names, *, metavars=None, aliases=None):
    """Add ``--NAME`` flags (underscores as dashes) for the options
    ``names`` of ``table``: bools as ``--NAME``/``--no-NAME``, choices as
    argparse choices, numbers parsed (the engine checks their range);
    defaults are None (the engine's default applies), the help text names
    the table's default. ``aliases``: extra flags per option name."""
    known = {o.name: o for o in table}
    metavars = metavars or {}
    aliases = aliases or {}
    for key in names:
        o = known[key]
        flag = ["--" + key.replace("_", "-"), *aliases.get(key, ())]
        # argparse %-formats help strings
        help_ = f"{o.description} (default: {_default_text(o)})".replace("%", "%%")
        if o.type == "bool":
            parser.add_argument(*flag, dest=key, default=None,
                                action=argparse.BooleanOptionalAction, help=help_)
        elif o.type in ("str", "any") and o.choices:
            parser.add_argument(*flag, dest=key, default=None,
                                choices=list(o.choices), help=help_)
        elif o.type == "subset":
            parser.add_argument(*flag, dest=key, default=None, metavar="A,B",
                                type=_flag_type(o), help=help_ + ", comma-separated")
        else:
            parser.add_argument(*flag, dest=key, default=None,
                                type=_flag_type(o),
                                metavar=metavars.get(key, o.type.upper()),
                                help=help_)


def flag_values(args, names):
    """``{name: value}`` of the flags of :func:`add_flags` given on the
    command line (those left out keep the engine's default)."""
    return {k: getattr(args, k) for k in names if getattr(args, k) is not None}
