"""Moved to :mod:`optsolve.milp.cuts.kernels`; this name stays for existing imports."""
from optsolve.milp.cuts.kernels import cmir_kernel  # noqa: F401

__all__ = ["cmir_kernel"]
