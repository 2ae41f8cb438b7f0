"""Block selection rules (Nutini, Laradji & Schmidt, JMLR 2022, Sections 2-4).

With g the gradient of the smooth part, s the minimum-norm subgradient
(s = g without an L1 term: this is the GS-s rule), L_i the coordinate and
L_b the block Lipschitz constants:

* ``"cyclic"``: blocks in order; ``"random"``: uniformly at random;
  ``"lipschitz"``: at random with probability proportional to L_b.
* ``"gs"`` (Gauss-Southwell): argmax_b ||s_b||.
* ``"gsl"`` (Gauss-Southwell-Lipschitz): argmax_b ||s_b|| / sqrt(L_b).
* ``"gsd"`` (GS with diagonal scaling): argmax_b sum_i |s_i| / sqrt(L_i).
* ``"gsq"`` (quadratic norm, quadratic problems): argmax_b g_b^T H_b^{-1} g_b.
* ``"gs-r"``: argmax_b ||d_b||, d_b = prox step of length 1/L_b minus x_b.
* ``"gs-q"``: argmax_b of the decrease of the proximal quadratic model,
  -min_d [g_b^T d + L_b/2 ||d||^2 + alpha(||x_b + d||_1 - ||x_b||_1)].

For variable blocks the same per-coordinate scores rank coordinates (with
L_i in place of L_b).

This module is the one home of the rules: the per-coordinate scores
(:func:`coordinate_scores`, and their fused Numba pass for working sets,
:func:`working_set_scores`), the weights of the Numba greedy loop on sparse
quadratics (:func:`coordinate_weights`) and the choice of a block of a fixed
partition (:class:`FixedBlockScorer`, the cyclic and random rules too).
A new rule: its name in :data:`RULES` (and :data:`GREEDY_RULES` if it reads
the gradient), its score in :func:`coordinate_scores` and
:meth:`FixedBlockScorer.scores`.
"""
from __future__ import annotations

import numpy as np

from ._scores import ws_scores

__all__ = ["RULES", "GREEDY_RULES", "coordinate_scores", "coordinate_weights",
           "working_set_scores", "FixedBlockScorer"]

#: Every selection rule ``bcd`` accepts.
RULES = ("cyclic", "random", "lipschitz", "gs", "gsl", "gsd", "gsq", "gs-r", "gs-q")
#: The greedy rules (those that read the gradient), usable with variable blocks.
GREEDY_RULES = ("gs", "gsl", "gsd", "gsq", "gs-r", "gs-q")
#: The rules whose working-set scores one Numba pass computes (``ws_scores``).
_FUSED = ("gs", "gsl", "gsd")


def _prox_step(x, g, L, alpha, positive=False):
    """d = prox_{alpha/L}(x - g/L) - x, elementwise (L may be an array);
    with ``positive`` the prox also projects onto x >= 0."""
    u = x - g / L
    if positive:
        u = np.maximum(u - alpha / L, 0.0)
    elif alpha > 0:
        u = np.sign(u) * np.maximum(np.abs(u) - alpha / L, 0.0)
    return u - x


def _q_decrease(x, g, L, alpha, positive=False):
    # on x >= 0, |x + d| - |x| = d: the same formula holds
    d = _prox_step(x, g, L, alpha, positive)
    dec = -(g * d + 0.5 * L * d * d)
    if alpha > 0:
        dec -= alpha * (np.abs(x + d) - np.abs(x))
    return np.maximum(dec, 0.0)


def coordinate_scores(rule, x, g, s, L, alpha, positive=False):
    """Per-coordinate greedy scores (larger = more promising).

    ``rule`` in :data:`GREEDY_RULES`; ``s`` the minimum-norm subgradient,
    ``L`` the coordinate Lipschitz constants; ``positive``: the variables
    are constrained to x >= 0."""
    if rule == "gs":
        return np.abs(s)
    if rule in ("gsl", "gsd", "gsq"):
        # an all-zero column has L = 0 and s = 0: score 0, not 0/0
        return np.divide(np.abs(s), np.sqrt(L), out=np.zeros_like(s), where=L > 0)
    if rule == "gs-r":
        return np.abs(_prox_step(x, g, L, alpha, positive))
    if rule == "gs-q":
        return _q_decrease(x, g, L, alpha, positive)
    raise ValueError(f"unknown greedy rule {rule!r}")  # pragma: no cover


def coordinate_weights(rule, L):
    """Weights w of the GS (ones) and GSL (1/sqrt(L_i)) rules on a smooth
    problem, score_i = w_i |g_i|: what the Numba greedy loop on a sparse
    quadratic reads."""
    return np.ones(L.size) if rule == "gs" else 1.0 / np.sqrt(L)


def working_set_scores(rule, problem, w, g, keep, L, alpha, positive, score):
    """Scores of the working-set solver: the support first (inf), screened
    coordinates last (-inf). Returns (score, largest violation, support
    size, number of violators outside the support)."""
    if rule in _FUSED:
        # scores, the largest violation and the counts in one Numba pass
        v_max, n_supp, n_viol = ws_scores(w, g, keep, L, alpha, positive, rule != "gs", score)
        return score, v_max, n_supp, n_viol
    s = problem._min_norm_subgrad(w, g)
    score = coordinate_scores(rule, w, g, s, L, alpha, positive)
    support = w != 0
    score = np.where(support, np.inf, score)
    score[~keep] = -np.inf
    v_max = float(np.max(np.abs(s[keep])))
    return score, v_max, int(support.sum()), int(np.count_nonzero(s[keep & ~support]))


class FixedBlockScorer:
    """Choice of a block of a fixed partition: cyclic, random, by Lipschitz
    constants, or the greedy scores computed with ``np.add.reduceat`` over
    the coordinates laid out block by block."""

    def __init__(self, blocks, coord_L, block_L, hess_chol=None, rule=None):
        self.perm = np.concatenate(blocks)
        sizes = np.array([len(b) for b in blocks])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.block_of = np.empty(self.perm.size, dtype=np.int64)
        self.block_of[self.perm] = np.repeat(np.arange(len(blocks)), sizes)
        self.coord_L = coord_L
        self.block_L = block_L
        # block L_b spread on the coordinates, for GS-r / GS-q with L_b
        self.L_on_coords = np.empty_like(coord_L)
        self.L_on_coords[self.perm] = np.repeat(block_L, sizes)
        self.blocks = blocks
        self.hess_chol = hess_chol
        self.probs = block_L / block_L.sum() if rule == "lipschitz" else None

    def select(self, rule, nit, rng, problem, x, g):
        """Number of the block that ``rule`` picks at iteration ``nit``."""
        n = len(self.blocks)
        if rule == "cyclic":
            return nit % n
        if rule == "random":
            return int(rng.integers(n))
        if rule == "lipschitz":
            return int(rng.choice(n, p=self.probs))
        s = problem._min_norm_subgrad(x, g)
        return int(np.argmax(self.scores(rule, x, g, s, problem._l1, problem.positive)))

    def _sum(self, v):
        return np.add.reduceat(v[self.perm], self.starts)

    def scores(self, rule, x, g, s, alpha, positive=False):
        if rule == "gs":
            return self._sum(s * s)
        if rule == "gsl":
            return self._sum(s * s) / self.block_L
        if rule == "gsd":
            return self._sum(np.abs(s) / np.sqrt(self.coord_L))
        if rule == "gs-r":
            d = _prox_step(x, g, self.L_on_coords, alpha, positive)
            return self._sum(d * d)
        if rule == "gs-q":
            return self._sum(_q_decrease(x, g, self.L_on_coords, alpha, positive))
        if rule == "gsq":
            out = np.empty(len(self.blocks))
            for k, (b, C) in enumerate(zip(self.blocks, self.hess_chol)):
                v = np.linalg.solve(C, g[b]) if C is not None else g[b]
                out[k] = float(v @ v)
            return out
        raise ValueError(f"unknown greedy rule {rule!r}")  # pragma: no cover
