"""Moved to :mod:`optsolve.milp.cuts.mir`; this name stays for existing imports."""
from optsolve.milp.cuts.mir import MIRSeparator, VariableBounds, implied_bounds  # noqa: F401

__all__ = ["MIRSeparator", "VariableBounds", "implied_bounds"]
