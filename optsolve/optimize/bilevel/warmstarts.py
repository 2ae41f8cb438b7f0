"""Warm starts of the lower solves inside MAID's line search (``ls_warm``).

One object per line search from ``(theta_base, x_base)``, with ``prev`` the
``(theta, x)`` before the last accepted step (None before the first):
``start(theta)`` gives the starting point of a trial's lower solve,
``seen(theta, x)`` its solution. A new warm start: a class here, registered
in ``WARM_STARTS`` (the options table takes its choices from there), and a
row in the guide's options table.
"""
from __future__ import annotations

import numpy as np

from .hypergrad import _norm

__all__ = ["WARM_STARTS", "Base", "Interpolate", "Secant"]


class Base:
    """Every trial from the current lower solution."""

    def __init__(self, theta_base, x_base, prev):
        self.theta_base, self.x_base, self.prev = theta_base, x_base, prev

    def start(self, theta):
        return self.x_base

    def seen(self, theta, x):
        pass


class Interpolate(Base):
    """Trials lie on one ray: ``x*(theta - s a d) ~ x_base + s (x_a - x_base)``
    from the previous trial's solution ``x_a``."""

    last = None   # (x, distance from theta_base) of the previous trial

    def start(self, theta):
        if self.last is None:
            return self.x_base
        x_last, dist = self.last
        s = _norm(theta - self.theta_base) / dist
        return self.x_base + s * (x_last - self.x_base)

    def seen(self, theta, x):
        self.last = (x, _norm(theta - self.theta_base))


class Secant(Interpolate):
    """The first trial's solution predicted along the last accepted step
    (a rank-one secant model of ``x*``), later trials as :class:`Interpolate`."""

    def start(self, theta):
        if self.last is None and self.prev is not None:
            sd = self.theta_base - self.prev[0]
            return self.x_base + (float(np.vdot(theta - self.theta_base, sd)) /
                                  float(np.vdot(sd, sd))) * (self.x_base - self.prev[1])
        return super().start(theta)


WARM_STARTS = {"base": Base, "interpolate": Interpolate, "secant": Secant}
