"""Mixed-integer linear programming: branch and bound over HiGHS.

``optsolve.milp`` is both this subpackage and the call users make:
``optsolve.milp(c, integrality=..., bounds=..., constraints=..., options=...)``
takes :func:`scipy.optimize.milp`'s arguments and returns its result fields.

Public names: :func:`milp`, :class:`Problem`, :func:`read_mps`,
:func:`write_mps`, the options table ``optsolve.milp.options.TABLE``, the
branching rules in :mod:`optsolve.milp.branching`, the node selection rules
in :mod:`optsolve.milp.nodesel` and
the instance generators in :mod:`optsolve.milp.generators`.
"""
import sys as _sys
import types as _types

from optsolve.milp._milp import milp
from optsolve.milp.bnb import OPTIONS
from optsolve.milp.mps import MPSError, read_mps, write_mps
from optsolve.milp.problem import Problem

__all__ = ["milp", "Problem", "read_mps", "write_mps", "MPSError", "OPTIONS"]


class _CallableModule(_types.ModuleType):
    """The ``optsolve.milp`` module, callable as :func:`milp`."""

    def __call__(self, c, *, integrality=None, bounds=None, constraints=None,
                 options=None):
        return milp(c, integrality=integrality, bounds=bounds,
                    constraints=constraints, options=options)


_sys.modules[__name__].__class__ = _CallableModule
