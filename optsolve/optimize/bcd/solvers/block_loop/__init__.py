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
    rule, blocks, user_blocks = opts.rule, opts.blocks, opts.user_blocks
    block_size, update, rng = opts.block_size, opts.update, opts.rng
    st = problem._state(x)
    alpha = problem._l1
    positive = problem.positive
    coord_L = problem.coord_lipschitz
    greedy = rule in GREEDY_RULES
    counts = {"grad": 0, "block_grad": 0, "line_search": 0, "fallback": 0}
    mark = np.full(problem.n_vars, -1, dtype=np.int64)

    fixed = None
    needs_L = False
    if blocks == "user":
        fixed = user_blocks
    elif blocks in FIXED_PARTITIONS:
        fixed = fixed_partition(problem, blocks, block_size, rng)
    if fixed is not None:
        # block Lipschitz constants (an eigenvalue per block) only when used
        needs_L = update == "gradient" or rule in ("gsl", "lipschitz", "gs-r", "gs-q")
        block_L = np.array([coord_L[b[0]] if len(b) == 1 or not needs_L
                            else problem._block_lips(b) for b in fixed])
        chol = None
        if rule == "gsq":
            chol = [np.linalg.cholesky(problem._block_hess(x, st, b)) for b in fixed]
        scorer = FixedBlockScorer(fixed, coord_L, block_L, chol, rule)
        hess_cache = {}
    n_fixed = len(fixed) if fixed is not None else 0
    # the gradient is free on quadratics with maintained gradients (state)
    grad_free = problem.state_is_gradient
    check_every = 1 if (greedy or grad_free) else max(n_fixed, 1)

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
        # --- select a block
        L_b = None
        if fixed is not None:
            k = scorer.select(rule, nit, rng, problem, x, g)
            b = fixed[k]
            L_b = scorer.block_L[k] if needs_L else None
        else:
            s = problem._min_norm_subgrad(x, g)
            score = coordinate_scores(rule, x, g, s, coord_L, alpha, positive)
            if blocks == "tree":
                b = greedy_tree(problem, score, block_size, mark)
            else:
                b = top_coordinates(score, block_size)
        # --- update it
        if g_current or grad_free:
            g_b = g[b]
        else:
            g_b = problem._block_grad(x, st, b)
            counts["block_grad"] += 1
        if update == "gradient":
            if L_b is None:
                L_b = coord_L[b[0]] if len(b) == 1 else problem._block_lips(b)
            delta = gradient_step(problem, x[b], g_b, L_b, b)
        elif update == "newton":
            if fixed is not None and problem.quadratic and not problem._nonsmooth:
                H = hess_cache.get(k)
                if H is None:
                    H = hess_cache[k] = np.linalg.cholesky(problem._block_hess(x, st, b))
                delta = -np.linalg.solve(H.T, np.linalg.solve(H, g_b))
            else:
                delta = newton_step(problem, x, st, b, g_b, alpha, counts)
                if delta is None:
                    counts["fallback"] += 1
                    L_b = L_b if L_b is not None else (
                        coord_L[b[0]] if len(b) == 1 else problem._block_lips(b))
                    delta = gradient_step(problem, x[b], g_b, L_b, b)
        else:
            delta = tree_step(problem, g, b, mark)
        problem._move(x, st, b, delta)
        nit += 1
    return mon.result(x, fun, measure, nit, n_grad=counts["grad"],
                      n_block_grad=counts["block_grad"],
                      n_line_search=counts["line_search"],
                      n_newton_fallback=counts["fallback"])
