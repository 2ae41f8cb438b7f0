"""MAID's step rules: where the backtracking along ``-h`` starts.

A rule only picks the first trial step of a line search after the first
accepted step; the acceptance test and the accuracy control stay the paper's.
``rule(beta, theta, h, hn, omega, last, opts)`` gets ``beta`` (the last
accepted step times ``growth``), the hypergradient ``h`` (norm ``hn``) with
its error bound ``omega``, and ``last = (theta_old, h_old, omega_old)`` of the
last accepted step. A new rule: a function here, registered in
``STEP_RULES`` (the options table takes its choices from there), and a row in
the guide's options table.
"""
from __future__ import annotations

import math

import numpy as np

from .directions import curvature_pair
from .hypergrad import _norm

__all__ = ["STEP_RULES", "growth", "length", "bb", "bb_length"]


def growth(beta, theta, h, hn, omega, last, opts):
    """The paper's rule: the last accepted step times ``growth``."""
    return beta


def length(beta, theta, h, hn, omega, last, opts):
    """The trial *displacement* ``||beta h||`` (not ``beta``) grows by ``growth``."""
    return beta * _norm(last[1]) / hn if hn > 0 else beta


def bb(beta, theta, h, hn, omega, last, opts):
    """Safeguarded Barzilai-Borwein step, else :func:`growth`."""
    return _bb_step(theta, h, omega, last, growth(beta, theta, h, hn, omega, last, opts),
                    opts["beta_min"], opts["beta_max"])


def bb_length(beta, theta, h, hn, omega, last, opts):
    """Safeguarded Barzilai-Borwein step, else :func:`length`."""
    return _bb_step(theta, h, omega, last, length(beta, theta, h, hn, omega, last, opts),
                    opts["beta_min"], opts["beta_max"])


STEP_RULES = {"growth": growth, "length": length, "bb": bb, "bb-length": bb_length}


def _bb_step(theta, h, omega, last_step, fallback, beta_min, beta_max):
    """Safeguarded Barzilai-Borwein first trial step after an accepted step.

    ``s = theta - theta_old``, ``y = h - h_old``: the BB1 step ``s's / s'y``
    (the inverse of the curvature of ``f`` along ``s``), clipped to
    ``[beta_min, beta_max]``. Returns ``fallback`` when the curvature ``s'y``
    is not positive, or when ``||y||`` is within the error bounds
    ``omega + omega_old`` of the two hypergradients (their difference may then
    be all error)."""
    pair = curvature_pair(theta, h, last_step)
    if pair is None or _norm(pair[1]) <= omega + last_step[2]:
        return fallback
    s, y, _ = pair
    step = float(np.vdot(s, s)) / float(np.vdot(s, y))   # s's / s'y
    if not math.isfinite(step):
        return fallback
    return min(max(step, beta_min), beta_max)
