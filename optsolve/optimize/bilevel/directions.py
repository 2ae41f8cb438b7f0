"""MAID's search directions.

A direction object lives for one run: ``propose(theta, h, omega, last)``
returns ``(d, h'd)`` to search along ``-d`` from the unit step, or None for
the gradient step of the step rule; ``accepted()`` is told when the line
search of its last proposal took a step. A new direction: a class here,
registered in ``DIRECTIONS`` (the options table takes its choices from
there), and a row in the guide's options table.
"""
from __future__ import annotations

import math

import numpy as np

from .hypergrad import _norm

__all__ = ["DIRECTIONS", "Gradient", "LBFGS", "curvature_pair", "two_loop"]


class Gradient:
    """The paper's direction ``-h``."""

    def __init__(self, opts):
        pass

    def propose(self, theta, h, omega, last):
        return None

    def accepted(self):
        pass


class LBFGS:
    """``-H h`` with ``H`` the L-BFGS inverse-Hessian estimate of the last
    ``lbfgs_memory`` accepted steps, used only when it passes the paper's
    accuracy test written for it, ``omega ||H h|| <= (1 - eta) h'H h``: with
    ``||h - grad f|| <= omega`` it then descends on the true objective."""

    def __init__(self, opts):
        self.memory_size = int(opts["lbfgs_memory"])
        self.eta = opts["eta"]
        self.pairs = []      # (s, y, 1/s'y) of accepted steps, oldest first
        self.pending = None  # the pair of the last proposal, stored if it is accepted

    def propose(self, theta, h, omega, last):
        self.pending = pair = curvature_pair(theta, h, last)
        memory = self.pairs + ([pair] if pair is not None else [])
        if not memory:
            return None
        d = two_loop(h, memory)
        slope = float(np.vdot(h, d))
        if math.isfinite(slope) and slope > 0 and omega * _norm(d) <= (1.0 - self.eta) * slope:
            return d, slope
        return None

    def accepted(self):
        if self.pending is not None:
            self.pairs = (self.pairs + [self.pending])[-self.memory_size:]


DIRECTIONS = {"gradient": Gradient, "lbfgs": LBFGS}


def curvature_pair(theta, h, last_step):
    """The L-BFGS pair ``(s, y, 1/s'y)`` of the last accepted step, or None
    when there is none or its curvature ``s'y`` is not positive (skipped, as
    in BFGS, so ``H`` stays positive definite). No test of ``y`` against the
    error bounds: an inexact pair gives a worse ``H``, never an unsafe step,
    since the direction must pass its accuracy test and every step the
    sufficient-decrease test."""
    if last_step is None:
        return None
    theta_old, h_old, _ = last_step
    s = theta - theta_old
    y = h - h_old
    sy = float(np.vdot(s, y))
    if not sy > 0 or not math.isfinite(sy):
        return None
    return s, y, 1.0 / sy


def two_loop(h, memory):
    """L-BFGS two-loop recursion: ``H h`` for the inverse-Hessian estimate of
    the pairs in ``memory`` (oldest first), scaled by ``s'y / y'y`` of the
    newest."""
    q = np.array(h, dtype=float, copy=True)
    a = []
    for s, y, r in reversed(memory):
        ai = r * float(np.vdot(s, q))
        q -= ai * y
        a.append(ai)
    s, y, r = memory[-1]
    q *= 1.0 / (r * float(np.vdot(y, y)))
    for (s, y, r), ai in zip(memory, reversed(a)):
        q += (ai - r * float(np.vdot(y, q))) * s
    return q
