"""SAT: the CNF container, DIMACS I/O and the CDCL solver.

>>> from optsolve.sat import CNF
>>> cnf = CNF.from_clauses([[1, -2], [2, 3]])
>>> cnf.nvars, cnf.nclauses
(3, 2)
"""
from importlib import import_module as _import_module

from optsolve.sat._cnf import CNF, DimacsError, read_dimacs

# The solver lives in its own module; it is imported on first use.
_SOLVER_NAMES = ("Solver", "SolveResult", "solve")

__all__ = ["CNF", "DimacsError", "read_dimacs", *_SOLVER_NAMES]


def __getattr__(name):
    if name in _SOLVER_NAMES:
        return getattr(_import_module("optsolve.sat._solver"), name)
    raise AttributeError(f"module 'optsolve.sat' has no attribute {name!r}")
