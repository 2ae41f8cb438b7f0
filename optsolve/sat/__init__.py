"""SAT: the CNF container, DIMACS I/O and the CDCL solver.

>>> from optsolve.sat import CNF
>>> cnf = CNF.from_clauses([[1, -2], [2, 3]])
>>> cnf.nvars, cnf.nclauses
(3, 2)
"""
from importlib import import_module as _import_module

# name -> private module defining it; each is imported on first use, so that
# `optsolve sat` (which needs only the C reader and solver) does not import
# numpy through the CNF container
_PUBLIC = {
    "CNF": "_cnf",
    "DimacsError": "_cnf",
    "DimacsWarning": "_cnf",
    "read_dimacs": "_cnf",
    "Solver": "_solver",
    "SolveResult": "_solver",
    "solve": "_solver",
    "NoSuchSolverError": "_solver",
    "SolverMemoryError": "_solver",
}

__all__ = list(_PUBLIC)


def __getattr__(name):
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'optsolve.sat' has no attribute {name!r}")
    value = getattr(_import_module(f"optsolve.sat.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_PUBLIC))
