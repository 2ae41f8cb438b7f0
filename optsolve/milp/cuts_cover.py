"""Moved to :mod:`optsolve.milp.cuts.cover`; this name stays for existing imports."""
from optsolve.milp.cuts.cover import CoverSeparator, lifted_cover  # noqa: F401

__all__ = ["CoverSeparator", "lifted_cover"]
