"""optsolve: classical optimization and SAT solving with compiled hot paths.

Engines (each imported on first use, so ``import optsolve`` stays cheap):

* :mod:`optsolve.sat` -- CDCL SAT solver, DIMACS I/O (:class:`optsolve.sat.CNF`,
  :func:`optsolve.sat.read_dimacs`).
* :mod:`optsolve.milp` -- branch and bound over HiGHS; ``optsolve.milp(...)``.
* :func:`optsolve.bcd` -- greedy block coordinate descent.
* :func:`optsolve.minimize_bilevel` -- bilevel learning (MAID).

Shared conventions (results, status codes, limits, interrupts) are described
in :mod:`optsolve._runtime` and in the user guide.
"""
from importlib import import_module as _import_module

__version__ = "0.1.0.dev0"

_SUBMODULES = {"sat", "milp", "optimize"}
_FUNCTIONS = {
    "bcd": ("optsolve.optimize.bcd", "bcd"),
    "minimize_bilevel": ("optsolve.optimize.bilevel", "minimize_bilevel"),
}

__all__ = ["__version__", "sat", "milp", "optimize", "bcd", "minimize_bilevel",
           "OptimizeResult", "ConvergenceWarning"]


def __getattr__(name):
    if name == "OptimizeResult":
        from scipy.optimize import OptimizeResult
        return OptimizeResult
    if name == "ConvergenceWarning":
        from optsolve._runtime import ConvergenceWarning
        return ConvergenceWarning
    if name in _SUBMODULES:
        return _import_module(f"optsolve.{name}")
    if name in _FUNCTIONS:
        mod, attr = _FUNCTIONS[name]
        return getattr(_import_module(mod), attr)
    raise AttributeError(f"module 'optsolve' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES | set(_FUNCTIONS)
                  | {"OptimizeResult", "ConvergenceWarning"})
