"""The general block loop: any problem, rule, partition and update that
``bcd`` validated. One iteration = pick a block (:mod:`..rules`,
:mod:`..partitions`) -> move it (:mod:`..updates`) -> keep the gradient
information current. The loop is Python; the work per iteration is a BLAS
product, a sparse column update or a Numba kernel.

Needs: the problem protocol of the problem classes. Accepts: every rule,
partition and update (``bcd`` checked their pairings).
"""
from __future__ import annotations

import numpy as np

from ...partitions import FIXED_PARTITIONS, fixed_partition, greedy_tree, top_coordinates
from ...problems import Quadratic
from ...rules import GREEDY_RULES, FixedBlockScorer, coordinate_scores
from ...updates import gradient_step, newton_step, tree_step

NAME = "block-loop"


def missing(problem, opts):
    """What this solver lacks to take the problem with these options: nothing."""
    return []


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
    grad_free = isinstance(problem, Quadratic)
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
            if mon.cheap_stop(nit):
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
