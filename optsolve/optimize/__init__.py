"""Continuous optimization engines: block coordinate descent and bilevel
learning, plus the line searches they share."""
from importlib import import_module as _import_module

_LAZY = {
    "bcd": "optsolve.optimize.bcd",
    "bilevel": "optsolve.optimize.bilevel",
    "linesearch": "optsolve.optimize.linesearch",
    "line_search_backtracking": ("optsolve.optimize.linesearch", "line_search_backtracking"),
    "minimize_bilevel": ("optsolve.optimize.bilevel", "minimize_bilevel"),
}

__all__ = list(_LAZY)


def __getattr__(name):
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'optsolve.optimize' has no attribute {name!r}")
    if isinstance(target, tuple):
        return getattr(_import_module(target[0]), target[1])
    return _import_module(target)
