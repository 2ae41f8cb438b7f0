"""``bcd``: the block coordinate descent driver.

One iteration = pick a block (rule, partition) -> move it (update) -> keep
the gradient information current. The loop itself is Python; the work per
iteration is a BLAS product, a sparse column update or a Numba kernel.
For L1 least squares / logistic regression the default is the working-set
solver of :mod:`._working_set`, whose loops are entirely in Numba.
"""
from __future__ import annotations

import numbers

import numpy as np

from optsolve._runtime import check_count_limit, check_time_limit

from ._kernels import greedy_cd_sparse_quadratic, group_lasso_cd, max_tree
from ._monitor import Monitor
from ._working_set import solve_working_sets
from .penalties import check_nonnegative
from .partitions import (FIXED_PARTITIONS, VARIABLE_PARTITIONS, fixed_partition,
                         greedy_tree, top_coordinates)
from . import datafits
from .problems import _GLM, Quadratic, Softmax, _check_partition, _Problem
from .rules import (GREEDY_RULES, RULES, FixedBlockScorer, coordinate_scores,
                    coordinate_weights)
from .updates import UPDATES, gradient_step, newton_step, tree_step

__all__ = ["bcd"]

BLOCKS = ("auto", "working-set") + FIXED_PARTITIONS + VARIABLE_PARTITIONS
_GRAPH_BLOCKS = ("tree", "forest", "colour")


def _bcd_iv(problem, x0, rule, blocks, block_size, update, tol, max_iter, time_limit):
    """Input validation: one canonical form for every accepted input."""
    if not isinstance(problem, _Problem):
        raise ValueError("`problem` must be a problem object of optsolve.optimize.bcd "
                         f"(Lasso, LeastSquares, Logistic, ...), got {type(problem).__name__}")
    p = problem.n_vars
    if x0 is None:
        x = np.zeros(p)
    else:
        try:
            x = np.array(x0, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError("`x0` must be a numeric array") from None
        if x.shape[0] != p:
            raise ValueError(f"`x0` must have {p} entries, got {x.shape[0]}")
        if not np.all(np.isfinite(x)):
            raise ValueError("`x0` must contain only finite values")
        if problem.positive and np.any(x < 0):
            raise ValueError("`x0` must be non-negative for a problem with positive=True")
    if rule not in RULES:
        raise ValueError(f"`rule` must be one of {RULES}, got {rule!r}")
    user_blocks = None
    if isinstance(blocks, str):
        if blocks not in BLOCKS:
            raise ValueError(f"`blocks` must be one of {BLOCKS} or a list of index arrays, "
                             f"got {blocks!r}")
    else:
        user_blocks = _check_user_blocks(blocks, p)
        blocks = "user"
    if update not in ("auto",) + UPDATES:
        raise ValueError(f"`update` must be one of {('auto',) + UPDATES}, got {update!r}")
    if block_size is not None:
        if (isinstance(block_size, bool) or not isinstance(block_size, numbers.Integral)
                or block_size < 1):
            raise ValueError(f"`block_size` must be a positive integer, got {block_size!r}")
        block_size = int(min(block_size, p))
    tol = check_nonnegative(tol, "tol")
    max_iter = check_count_limit(max_iter, "max_iter")
    check_time_limit(time_limit)

    # the working-set solver: L1 least squares and logistic regression, with
    # or without the bound w >= 0
    l1_glm = (problem.penalty == "l1" and isinstance(problem, _GLM)
              and isinstance(problem.datafit, (datafits.LeastSquares, datafits.Logistic)))
    if problem.penalty == "group":
        # the groups are the blocks: the prox of the group norm is per group
        if blocks == "auto" or (blocks == "user" and len(user_blocks) == len(problem.groups)
                                and all(np.array_equal(a, b) for a, b in
                                        zip(user_blocks, problem.groups))):
            blocks, user_blocks = "user", problem.groups
        else:
            raise ValueError("`blocks` must be 'auto' (the groups) for a problem with "
                             "penalty='group'")
        if rule in ("gs-r", "gs-q", "gsq"):
            raise ValueError(f"`rule`={rule!r} is not available with penalty='group'; use "
                             "'cyclic', 'random', 'lipschitz', 'gs', 'gsl' or 'gsd'")
        if update not in ("auto", "gradient"):
            raise ValueError("`update` must be 'gradient' with penalty='group' (block "
                             "soft-thresholding steps)")
    if blocks == "auto":
        if (l1_glm and rule in GREEDY_RULES and rule != "gsq" and update == "auto"
                and block_size in (None, 1)):
            blocks = "working-set"
        elif rule in GREEDY_RULES and rule != "gsq":
            blocks = "variable"
        else:
            blocks = "contiguous"
    if blocks == "working-set":
        if not l1_glm:
            raise ValueError("`blocks`='working-set' needs an L1 least-squares or logistic "
                             "problem (Lasso, SparseLogisticRegression)")
        if rule not in GREEDY_RULES or rule == "gsq":
            raise ValueError("`blocks`='working-set' ranks coordinates with a greedy `rule` "
                             "('gs', 'gsl', 'gsd', 'gs-r' or 'gs-q')")
        if update not in ("auto", "gradient"):
            raise ValueError("`update` must be 'auto' with `blocks`='working-set'")
    if blocks in VARIABLE_PARTITIONS and rule not in GREEDY_RULES:
        raise ValueError(f"`blocks`={blocks!r} picks blocks greedily: `rule` must be one of "
                         f"{GREEDY_RULES}, got {rule!r}")
    if blocks in VARIABLE_PARTITIONS and rule == "gsq":
        raise ValueError("`rule`='gsq' needs a fixed partition (its blocks' Hessians are "
                         "factorised once)")
    if rule == "gsq" and (not problem.quadratic or problem.penalty == "l1"):
        raise ValueError("`rule`='gsq' needs a smooth quadratic problem")
    if blocks in _GRAPH_BLOCKS and not (isinstance(problem, Quadratic) and problem.sparse):
        raise ValueError(f"`blocks`={blocks!r} needs a sparse quadratic problem "
                         "(Quadratic or LabelPropagation with a sparse matrix)")
    if update == "auto":
        update = "exact" if blocks in _GRAPH_BLOCKS else "gradient"
    if update == "exact":
        if blocks not in _GRAPH_BLOCKS:
            raise ValueError("`update`='exact' (message passing) needs forest-structured "
                             "blocks: `blocks` 'tree', 'forest' or 'colour'")
        if problem.penalty == "l1" or problem.positive:
            raise ValueError("`update`='exact' does not handle an L1 penalty or a bound; use "
                             "'gradient' or 'newton'")
    if block_size is None:
        if blocks in ("tree", "forest"):
            block_size = min(p, 100)
        elif isinstance(problem, Softmax):
            block_size = problem.n_classes
        else:
            block_size = 1
    return problem, x, rule, blocks, user_blocks, block_size, update, tol, max_iter


def _check_user_blocks(blocks, p):
    return _check_partition(blocks, p, "blocks", "variables")


def bcd(problem, x0=None, *, rule="gsl", blocks="auto", block_size=None, update="auto",
        tol=1e-6, max_iter=None, time_limit=None, callback=None, verbose=False,
        history=False, random_state=None, screen=True):
    r"""Minimise a problem by (greedy) block coordinate descent.

    Implements the framework of Nutini, Laradji & Schmidt, "Let's Make Block
    Coordinate Descent Converge Faster" (JMLR 2022): a partition into blocks
    (fixed or variable), a rule that selects a block, and an update that
    moves it. For L1 least squares and logistic regression the default runs
    greedy working sets with gap-safe screening and Numba inner solvers.

    Parameters
    ----------
    problem : problem object
        One of :class:`Lasso`, :class:`LeastSquares`, :class:`Logistic`,
        :class:`SparseLogisticRegression`, :class:`Softmax`,
        :class:`Quadratic`, :class:`LabelPropagation`.
    x0 : array_like, optional
        Starting point (zeros by default).
    rule : str, default "gsl"
        Block selection: ``"cyclic"``, ``"random"``, ``"lipschitz"``
        (sampling proportional to L_b), ``"gs"`` (Gauss-Southwell; GS-s with
        an L1 term), ``"gsl"`` (Gauss-Southwell-Lipschitz), ``"gsd"`` (GS
        with diagonal scaling), ``"gsq"`` (Hessian-norm GS, fixed blocks of a
        smooth quadratic), ``"gs-r"``, ``"gs-q"`` (the proximal rules).
    blocks : str or list of index arrays, default "auto"
        Fixed partitions ``"contiguous"``, ``"sorted"`` (by Lipschitz
        constant), ``"random"``, ``"forest"`` (forests of a sparse
        quadratic's graph), ``"colour"`` (independent sets, red-black on a
        lattice); variable blocks ``"variable"`` (the ``block_size``
        coordinates of best score) and ``"tree"`` (a greedy block that is a
        forest of the graph); ``"working-set"`` (L1 least squares/logistic);
        or your own list of index arrays. ``"auto"``: ``"working-set"`` for
        L1 least squares and logistic problems with a greedy rule,
        ``"variable"`` for other greedy rules, ``"contiguous"`` otherwise.
    block_size : int, optional
        Block size: 1 by default (``n_classes`` for :class:`Softmax`, 100 for
        tree and forest blocks).
    update : {"auto", "gradient", "newton", "exact"}
        ``"gradient"``: (proximal) step 1/L_b; ``"newton"``: block Newton
        (exact on quadratics, Armijo backtracking otherwise, proximal Newton
        with L1); ``"exact"``: message passing on forest blocks. ``"auto"``
        picks ``"exact"`` for graph blocks and ``"gradient"`` otherwise.
    tol : float, default 1e-6
        Relative tolerance on the optimality measure: the run succeeds when
        the measure is at most ``tol`` times its value at x = 0. The measure
        is the duality gap for :class:`Lasso` and
        :class:`SparseLogisticRegression` (relative to the objective at 0),
        the gradient max-norm for smooth problems and the proximal-gradient
        mapping max-norm for other L1 problems.
    max_iter : int, optional
        Iteration limit: block updates (default 100000), or working sets
        (default 1000) with ``blocks="working-set"``.
    time_limit : float, optional
        Wall-clock limit in seconds.
    callback : callable, optional
        ``callback(intermediate_result)`` receives an ``OptimizeResult`` with
        ``x``, ``fun``, ``nit`` and the measure at every check; raising
        ``StopIteration`` (or returning True) stops the run cleanly.
    verbose : bool or int, default False
        Print progress lines.
    history : bool, default False
        Return ``history``: arrays ``nit``, ``fun``, the measure (nan where
        not computed) and ``time``.
    random_state : int or numpy.random.Generator, optional
        Seed of the random rules and partitions.
    screen : bool, default True
        Gap-safe screening in the working-set solver.

    Returns
    -------
    res : OptimizeResult
        ``x``, ``fun``, the measure under its name (``gap``, ``grad_norm``
        or ``prox_grad_norm``, also as ``optimality``, with ``measure``
        naming it), ``tol_abs``, ``nit``, ``status`` (0 converged, 1 a limit),
        ``success``, ``message``, ``limit`` (``"max_iter"``, ``"time"``,
        ``"interrupt"``, ``"callback"`` or None), ``time``, work counts
        (``n_grad``, ``n_block_grad``, ``n_line_search``; ``n_epochs``,
        ``n_newton``, ``ws_size``, ``n_screened`` for working sets) and
        ``history`` when asked.

    Warns
    -----
    ConvergenceWarning
        When the iteration or time limit stops the run before ``tol``.

    Notes
    -----
    The first call compiles the Numba kernels (a few seconds); they are
    cached on disk, so later processes start at once.

    Examples
    --------
    >>> import numpy as np
    >>> import optsolve
    >>> from optsolve.optimize.bcd import Lasso
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((100, 300))
    >>> y = X[:, :5] @ np.ones(5) + 0.01 * rng.standard_normal(100)
    >>> res = optsolve.bcd(Lasso(X, y, alpha=0.05), tol=1e-8)
    >>> res.status, np.flatnonzero(res.x)[:5]
    (0, array([0, 1, 2, 3, 4]))

    Greedy Gauss-Southwell-Lipschitz against cyclic selection on a least
    squares problem, same iteration budget:

    >>> from optsolve.optimize.bcd import LeastSquares
    >>> ls = LeastSquares(X[:, :50], y)
    >>> import warnings
    >>> with warnings.catch_warnings():  # both stop at max_iter on purpose
    ...     warnings.simplefilter("ignore", optsolve.ConvergenceWarning)
    ...     f_gsl = optsolve.bcd(ls, rule="gsl", max_iter=200).fun
    ...     f_cyc = optsolve.bcd(ls, rule="cyclic", max_iter=200).fun
    >>> bool(f_gsl < f_cyc)
    True
    """
    (problem, x, rule, blocks, user_blocks, block_size, update, tol, max_iter) = _bcd_iv(
        problem, x0, rule, blocks, block_size, update, tol, max_iter, time_limit)
    rng = np.random.default_rng(random_state)

    zero = np.zeros(problem.n_vars)
    fun0 = problem._value(zero, problem._zero_state())
    mname = "gap" if getattr(problem, "_has_gap", False) else (
        "prox_grad_norm" if problem._nonsmooth else "grad_norm")
    # the gap is relative to P(0), which fun0 is
    scale = fun0 if mname == "gap" else problem._measure_scale()
    if blocks == "working-set":
        mon = Monitor(mname, tol * scale, 1000 if max_iter is None else max_iter,
                      time_limit, callback, verbose, history)
        with mon:
            res = solve_working_sets(problem, x, rule, mon, screen=screen)
        res.fun0 = fun0
        return res
    mon = Monitor(mname, tol * scale, 100_000 if max_iter is None else max_iter,
                  time_limit, callback, verbose, history)
    with mon:
        if (isinstance(problem, Quadratic) and problem.sparse and not problem._nonsmooth
                and blocks == "variable" and block_size == 1 and rule in ("gs", "gsl")
                and update in ("gradient", "newton")):
            res = _greedy_sparse_quadratic(problem, x, rule, mon)
        elif (problem.penalty == "group" and rule == "cyclic" and isinstance(problem, _GLM)
              and isinstance(problem.datafit, datafits.LeastSquares)):
            res = _group_lasso_cyclic(problem, x, mon)
        else:
            res = _block_loop(problem, x, rule, blocks, user_blocks, block_size, update, mon,
                              rng)
    res.fun0 = fun0
    return res


def _greedy_sparse_quadratic(problem, x, rule, mon):
    """Greedy single coordinates (GS or GSL) on a sparse quadratic, in Numba:
    the argmax comes from a tournament tree over the scores, of which a
    step changes only the moved coordinate and its neighbours, so a step
    costs O(deg log p) instead of a scan of all p scores; below 1024
    variables the scan, in the same Numba loop, is faster (lattice 20 x 20:
    0.4 against 0.8 us per step; 40 x 40: 3.3 against 1.8 us). The measure
    is checked every min(p, 10000) steps (every step when a history is
    kept)."""
    p = problem.n_vars
    g = problem._state(x)
    L = problem.coord_lipschitz
    weight = coordinate_weights(rule, L)
    score = np.abs(g) * weight
    tree = max_tree(score)
    chunk = 1 if mon.keep_history else max(1, min(p, 10_000))
    nit = 0
    while True:
        fun = problem._value(x, g)
        measure = float(np.max(np.abs(g)))
        mon.record(nit, fun, measure)
        if mon.check(nit, x, fun, measure):
            break
        todo = chunk if mon.max_iter is None else max(1, min(chunk, mon.max_iter - nit))
        nit += greedy_cd_sparse_quadratic(problem._indptr, problem._indices, problem._data, L,
                                          problem._l2, weight, x, g, todo, p >= 1024, tree,
                                          score)
    return mon.result(x, fun, measure, nit, n_grad=0, n_block_grad=0, n_line_search=0,
                      n_newton_fallback=0)


def _group_lasso_cyclic(problem, x, mon):
    """Cyclic group updates for the group Lasso in Numba, the residual kept
    current; the certified measure (the proximal-gradient mapping) is
    computed between chunks of sweeps (1, 2, 4, ... up to 64); ``nit``
    counts group updates, in whole sweeps."""
    groups = problem.groups
    gptr = np.concatenate([[0], np.cumsum([g.size for g in groups])]).astype(np.int64)
    gidx = np.concatenate(groups).astype(np.int64)
    lips = np.array([problem.coord_lipschitz[g[0]] if g.size == 1 else problem._block_lips(g)
                     for g in groups])
    r = problem.y - problem._state(x)
    nit = 0
    chunk = 1
    while True:
        z = problem.y - r
        fun = problem._value(x, z)
        measure = problem._optimality(x, z, problem._grad(x, z))[1]
        mon.record(nit, fun, measure)
        if mon.check(nit, x, fun, measure):
            break
        sweeps = chunk
        if mon.max_iter is not None:   # nit counts group updates, in whole sweeps
            sweeps = max(1, min(chunk, -(-(mon.max_iter - nit) // len(groups))))
        done = group_lasso_cd(*problem._karr, x, r, gptr, gidx, lips, problem.alpha,
                              sweeps, 0.5 * mon.tol_abs)
        nit += done * len(groups)
        chunk = min(2 * chunk, 64)   # check often early, rarely later
    return mon.result(x, fun, measure, nit, n_grad=0, n_block_grad=0, n_line_search=0,
                      n_newton_fallback=0)


def _block_loop(problem, x, rule, blocks, user_blocks, block_size, update, mon, rng):
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
