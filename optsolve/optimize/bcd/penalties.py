r"""Penalties for block coordinate descent: the second half of a problem.

A problem is a data fit plus a penalty (the composition of skglm). A penalty
is a small object with the protocol below; the L2 part of a penalty is folded
into the smooth part (``l2``), the rest is handled by proximal steps.

Protocol (what the solvers read):

``name``
    ``"none"``, ``"l2"``, ``"l1"`` or ``"group"``: what the built-in solvers
    dispatch on (a user penalty states the family it belongs to).
``alpha``, ``positive``
    The weight, and whether the variables are constrained to x >= 0.
``l1``, ``l2``
    The weight of the L1 term and of the L2 term (alpha/2 ||x||^2) folded
    into the smooth part; 0 when absent.
``nonsmooth``
    Whether steps need a prox (an L1 or group term, or the bound x >= 0).
``value(x)``
    The penalty's value, its L2 term included.
``prox(u, b, t)``
    prox of t * (nonsmooth part + indicator of x >= 0) at u, the values of
    the variables ``b`` (all when None).
``min_norm_subgrad(x, g)``
    Smallest-norm element of g + the subdifferential of the nonsmooth part
    and of the bound (the GS-s vector).
``alpha_max(g0)``
    The smallest weight for which x = 0 is optimal, from the smooth part's
    gradient g0 at x = 0.

Examples
--------
>>> import numpy as np
>>> from optsolve.optimize.bcd.penalties import L1
>>> pen = L1(0.5)
>>> pen.value(np.array([1.0, -2.0])), pen.prox(np.array([1.0, -0.2]))
(1.5, array([ 0.5, -0. ]))
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["Penalty", "NoPenalty", "L2", "L1", "GroupL1", "make_penalty"]

PENALTY_NAMES = ("none", "l2", "l1", "group")


def _soft(x, t):
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def check_nonnegative(value, name):
    """``value`` as a non-negative finite float, or ValueError naming ``name``."""
    try:
        a = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a non-negative number, got {value!r}") from None
    if not math.isfinite(a) or a < 0:
        raise ValueError(f"`{name}` must be a non-negative finite number, got {value!r}")
    return a


def _check_positive(positive):
    if not isinstance(positive, (bool, np.bool_)):
        raise ValueError(f"`positive` must be True or False, got {positive!r}")
    return bool(positive)


def check_partition(parts, p, name, what):
    """``parts`` as a list of sorted int64 index arrays partitioning
    0..p-1, or ValueError naming the argument ``name``."""
    try:
        plist = [np.sort(np.asarray(b, dtype=np.int64).ravel()) for b in parts]
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a list of index arrays") from None
    if not plist or any(b.size == 0 for b in plist):
        raise ValueError(f"`{name}` must be a list of non-empty index arrays")
    allidx = np.concatenate(plist)
    if allidx.size != p or np.any(np.sort(allidx) != np.arange(p)):
        raise ValueError(f"`{name}` must partition the {p} {what}: every index in "
                         "0..n-1 exactly once")
    return plist


class Penalty:
    """Base of the built-in penalties: no penalty at all (x >= 0 when
    ``positive``). Subclasses override what differs."""

    name = "none"
    l1 = 0.0
    l2 = 0.0

    def __init__(self, alpha=0.0, positive=False):
        self.alpha = check_nonnegative(alpha, "alpha")
        self.positive = _check_positive(positive)

    @property
    def nonsmooth(self):
        return self.positive

    def value(self, x):
        return 0.0

    def prox(self, u, b=None, t=1.0):
        a = t * self.l1
        if self.positive:
            return np.maximum(u - a, 0.0)
        return _soft(u, a) if a > 0 else u

    def min_norm_subgrad(self, x, g):
        if self.positive:
            q = g + self.l1
            return np.where(x > 0, q, np.minimum(q, 0.0))
        return g

    def alpha_max(self, g0):
        if self.positive:
            return float(max(np.max(-g0), 0.0))
        return float(np.max(np.abs(g0)))


class NoPenalty(Penalty):
    """No penalty (``positive``: the bound x >= 0 only)."""

    def __init__(self, positive=False):
        super().__init__(0.0, positive)


class L2(Penalty):
    r"""Ridge, :math:`\frac\alpha2\|x\|^2`, folded into the smooth part."""

    name = "l2"

    @property
    def l2(self):
        return self.alpha

    def value(self, x):
        return 0.5 * self.alpha * float(x @ x)


class L1(Penalty):
    r""":math:`\alpha\|x\|_1` (with ``positive``: :math:`\alpha\sum_i x_i`
    on x >= 0)."""

    name = "l1"

    @property
    def l1(self):
        return self.alpha

    @property
    def nonsmooth(self):
        return True

    def value(self, x):
        return self.alpha * float(np.abs(x).sum())

    def min_norm_subgrad(self, x, g):
        if self.positive:
            return super().min_norm_subgrad(x, g)
        a = self.alpha
        s = np.where(x > 0, g + a, np.where(x < 0, g - a, 0.0))
        zero = x == 0
        s[zero] = _soft(g[zero], a)
        return s


class GroupL1(Penalty):
    r"""Group L1, :math:`\alpha\sum_g\|x_g\|_2` over ``groups``, a list of
    index arrays partitioning the variables."""

    name = "group"

    def __init__(self, alpha, groups):
        super().__init__(alpha, False)
        try:
            n_vars = sum(len(gr) for gr in groups)
        except TypeError:
            raise ValueError("`groups` must be a list of index arrays") from None
        self.groups = check_partition(groups, n_vars, "groups", "variables")
        self.group_of = np.empty(n_vars, dtype=np.int64)
        for k, gr in enumerate(self.groups):
            self.group_of[gr] = k

    @property
    def nonsmooth(self):
        return True

    def group_norms(self, v, b=None):
        """Euclidean norm of each group's part of v (v indexed like ``b``,
        or all variables), as an array over the variables of v."""
        gid = self.group_of if b is None else self.group_of[b]
        sq = np.bincount(gid, weights=v * v, minlength=len(self.groups))
        return np.sqrt(sq)[gid]

    def value(self, x):
        sq = np.bincount(self.group_of, weights=x * x, minlength=len(self.groups))
        return self.alpha * float(np.sqrt(sq).sum())

    def prox(self, u, b=None, t=1.0):
        # ``b`` must hold whole groups
        nrm = self.group_norms(u, b)
        scale = np.maximum(1.0 - t * self.alpha / np.where(nrm > 0, nrm, 1.0), 0.0)
        return u * scale

    def min_norm_subgrad(self, x, g):
        a = self.alpha
        xn = self.group_norms(x)
        gn = self.group_norms(g)
        at_zero = g * np.maximum(1.0 - a / np.where(gn > 0, gn, 1.0), 0.0)
        return np.where(xn > 0, g + a * x / np.where(xn > 0, xn, 1.0), at_zero)

    def alpha_max(self, g0):
        return float(np.max(self.group_norms(g0)))


def make_penalty(name, alpha, positive=False, groups=None):
    """The built-in penalty called ``name`` (the ``penalty`` argument of the
    problem classes)."""
    if name == "group":
        if positive:
            raise ValueError("`positive`=True is not available with `penalty`='group'")
        return GroupL1(alpha, groups)
    return {"none": Penalty, "l2": L2, "l1": L1}[name](alpha, positive)
