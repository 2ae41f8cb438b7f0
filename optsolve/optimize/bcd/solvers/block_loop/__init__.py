"""The general block loop: any problem, rule, partition and update that
``bcd`` validated. One iteration = pick a block (:mod:`..rules`,
:mod:`..partitions`) -> move it (:mod:`..updates`) -> keep the gradient
information current. The loop is Python; the work per iteration is a BLAS
product, a sparse column update or a Numba kernel.

Needs: the problem protocol of the problem classes. Accepts: every rule,
partition and update but the working sets, in the pairings that
:func:`missing` lists (a greedy rule for variable blocks, a sparse quadratic
for forest blocks, forest blocks for message passing, ...).
"""
from __future__ import annotations

import numpy as np

from ...partitions import (FIXED_PARTITIONS, GRAPH_PARTITIONS, VARIABLE_PARTITIONS,
                           are_the_groups, fixed_partition, greedy_tree, top_coordinates)
from ...rules import GREEDY_RULES, FixedBlockScorer, coordinate_scores
from ...updates import gradient_step, newton_step, tree_step

NAME = "block-loop"
PARTITIONS = ("user",) + FIXED_PARTITIONS + VARIABLE_PARTITIONS


def missing(problem, opts):
    """What this solver lacks to take the problem with these options: a
    sentence for each pairing of rule, partition, update and problem that
    it does not run."""
    rule, blocks, update = opts.rule, opts.blocks, opts.update
    out = []
    if problem.penalty == "group":
        # the prox of the group norm is per group
        if not are_the_groups(problem, opts):
            out.append("`blocks` must be 'auto' (the groups) for a problem with "
                       "penalty='group'")
        if rule in ("gs-r", "gs-q", "gsq"):
            out.append(f"`rule`={rule!r} is not available with penalty='group'; use "
                       "'cyclic', 'random', 'lipschitz', 'gs', 'gsl' or 'gsd'")
        if update != "gradient":
            out.append("`update` must be 'gradient' with penalty='group' (block "
                       "soft-thresholding steps)")
    if blocks in VARIABLE_PARTITIONS and rule not in GREEDY_RULES:
        out.append(f"`blocks`={blocks!r} picks blocks greedily: `rule` must be one of "
                   f"{GREEDY_RULES}, got {rule!r}")
    if blocks in VARIABLE_PARTITIONS and rule == "gsq":
        out.append("`rule`='gsq' needs a fixed partition (its blocks' Hessians are "
                   "factorised once)")
    if rule == "gsq" and (not problem.quadratic or problem.penalty == "l1"):
        out.append("`rule`='gsq' needs a smooth quadratic problem")
    if blocks in GRAPH_PARTITIONS and problem.graph is None:
        out.append(f"`blocks`={blocks!r} needs a sparse quadratic problem "
                   "(Quadratic or LabelPropagation with a sparse matrix)")
    if update == "exact" and blocks not in GRAPH_PARTITIONS:
        out.append("`update`='exact' (message passing) needs forest-structured "
                   "blocks: `blocks` 'tree', 'forest' or 'colour'")
    if update == "exact" and (problem.penalty == "l1" or problem.positive):
        out.append("`update`='exact' does not handle an L1 penalty or a bound; use "
                   "'gradient' or 'newton'")
    return out


def solve(problem, x, opts, mon):
    st = problem._state(x)
    counts = {"grad": 0, "block_grad": 0, "line_search": 0, "fallback": 0}
    pick = _Selection(problem, x, st, opts)
    # the gradient is free on quadratics with maintained gradients (state)
    grad_free = problem.state_is_gradient
    check_every = 1 if (opts.rule in GREEDY_RULES or grad_free) else max(pick.n_fixed, 1)
    nit = 0
    g = None
    measure = np.inf
    fun = problem._value(x, st)
    while True:
        g_current = False
        if nit % check_every == 0:
            g = problem._grad(x, st)
            counts["grad"] += not grad_free
            g_current = True
            fun = problem._value(x, st)
            measure = problem._optimality(x, st, g)[1]
            mon.record(nit, fun, measure)
            if mon.check(nit, x, fun, measure):
                break
        else:
            if mon.keep_history:
                fun = problem._value(x, st)
                mon.record(nit, fun)
            if mon.limit_reached(nit):
                break
        k, b, L_b = pick.block(nit, x, g)
        if g_current or grad_free:
            g_b = g[b]
        else:
            g_b = problem._block_grad(x, st, b)
            counts["block_grad"] += 1
        problem._move(x, st, b, pick.step(x, st, k, b, g, g_b, L_b, counts))
        nit += 1
    return mon.result(x, fun, measure, nit, n_grad=counts["grad"],
                      n_block_grad=counts["block_grad"],
                      n_line_search=counts["line_search"],
                      n_newton_fallback=counts["fallback"])


class _Selection:
    """The block that moves next (a fixed partition's, chosen by the rule, or
    a variable greedy block) and its step (:mod:`...updates`)."""

    def __init__(self, problem, x, st, opts):
        self.problem, self.opts = problem, opts
        self.coord_L = coord_L = problem.coord_lipschitz
        self.mark = np.full(problem.n_vars, -1, dtype=np.int64)
        rule, update = opts.rule, opts.update
        self.fixed = None
        self.needs_L = False
        if opts.blocks == "user":
            self.fixed = opts.user_blocks
        elif opts.blocks in FIXED_PARTITIONS:
            self.fixed = fixed_partition(problem, opts.blocks, opts.block_size, opts.rng)
        self.n_fixed = len(self.fixed) if self.fixed is not None else 0
        if self.fixed is None:
            return
        # block Lipschitz constants (an eigenvalue per block) only when used
        self.needs_L = update == "gradient" or rule in ("gsl", "lipschitz", "gs-r", "gs-q")
        block_L = np.array([coord_L[b[0]] if len(b) == 1 or not self.needs_L
                            else problem._block_lips(b) for b in self.fixed])
        chol = None
        if rule == "gsq":
            chol = [np.linalg.cholesky(problem._block_hess(x, st, b)) for b in self.fixed]
        self.scorer = FixedBlockScorer(self.fixed, coord_L, block_L, chol, rule)
        self.hess_cache = {}

    def block(self, nit, x, g):
        """(k, b, L_b): the block's number in a fixed partition (None for a
        variable block), its variables, and its Lipschitz constant if known."""
        problem, opts = self.problem, self.opts
        if self.fixed is not None:
            k = self.scorer.select(opts.rule, nit, opts.rng, problem, x, g)
            return k, self.fixed[k], self.scorer.block_L[k] if self.needs_L else None
        s = problem._min_norm_subgrad(x, g)
        score = coordinate_scores(opts.rule, x, g, s, self.coord_L, problem._l1,
                                  problem.positive)
        if opts.blocks == "tree":
            return None, greedy_tree(problem, score, opts.block_size, self.mark), None
        return None, top_coordinates(score, opts.block_size), None

    def _lips(self, b):
        return self.coord_L[b[0]] if len(b) == 1 else self.problem._block_lips(b)

    def step(self, x, st, k, b, g, g_b, L_b, counts):
        """The move of block ``b`` by the update of ``opts``."""
        problem, update = self.problem, self.opts.update
        if update == "gradient":
            return gradient_step(problem, x[b], g_b, L_b if L_b is not None else self._lips(b), b)
        if update == "exact":
            return tree_step(problem, g, b, self.mark)
        if self.fixed is not None and problem.quadratic and not problem._nonsmooth:
            H = self.hess_cache.get(k)
            if H is None:
                H = self.hess_cache[k] = np.linalg.cholesky(problem._block_hess(x, st, b))
            return -np.linalg.solve(H.T, np.linalg.solve(H, g_b))
        delta = newton_step(problem, x, st, b, g_b, problem._l1, counts)
        if delta is None:
            counts["fallback"] += 1
            delta = gradient_step(problem, x[b], g_b,
                                  L_b if L_b is not None else self._lips(b), b)
        return delta
