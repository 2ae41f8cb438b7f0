"""``bcd``: the block coordinate descent driver.

One iteration = pick a block (rule, partition) -> move it (update) -> keep
the gradient information current. ``bcd`` validates the
generic arguments and resolves the "auto" choices, then runs the first
solver of :mod:`.solvers` that accepts the problem (the working sets for L1
least squares / logistic regression by default).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ._monitor import Monitor
from .options import options_iv
from .partitions import GRAPH_PARTITIONS, are_the_groups, default_block_size
from .problems import _check_partition, _Problem
from .rules import GREEDY_RULES
from .solvers import SOLVERS, choose

__all__ = ["bcd"]

def _bcd_iv(problem, x0, opts):
    """Input validation: one canonical form for every accepted input; the
    options by their table, then their "auto" choices (how they pair with
    the problem is each solver's to say: :func:`.solvers.choose`)."""
    if not isinstance(problem, _Problem):
        raise ValueError("`problem` must be a problem object of optsolve.optimize.bcd "
                         f"(Lasso, LeastSquares, Logistic, ...), got {type(problem).__name__}")
    o = options_iv(**opts)
    x = _x0_iv(problem, x0)
    user_blocks = None
    blocks = o["blocks"]
    if not isinstance(blocks, str):
        user_blocks = _check_user_blocks(blocks, problem.n_vars)
        blocks = "user"
    block_size = o["block_size"]
    if block_size is not None:
        block_size = int(min(block_size, problem.n_vars))
    rule, blocks, user_blocks, block_size, update = _resolve(
        problem, o["rule"], blocks, user_blocks, block_size, o["update"])
    o.update(rule=rule, blocks=blocks, user_blocks=user_blocks, block_size=block_size,
             update=update)
    return x, o


def _x0_iv(problem, x0):
    p = problem.n_vars
    if x0 is None:
        return np.zeros(p)
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
    return x


def _resolve(problem, rule, blocks, user_blocks, block_size, update):
    """The "auto" choices: the groups of a group penalty are its blocks;
    else working sets where a working-set solver takes the problem, greedy
    variable blocks for the other greedy rules, contiguous blocks otherwise;
    message passing on graph blocks, gradient steps otherwise."""
    if problem.penalty == "group" and blocks == "auto":
        blocks, user_blocks = "user", problem.groups
    elif problem.penalty == "group" and blocks == "user" and are_the_groups(
            problem, SimpleNamespace(blocks=blocks, user_blocks=user_blocks)):
        user_blocks = problem.groups
    if blocks == "auto":
        ws = SimpleNamespace(blocks="working-set", rule=rule, update=update)
        takes = any(not s.missing(problem, ws) for s in SOLVERS if "working-set" in s.PARTITIONS)
        if takes and update == "auto" and block_size in (None, 1):
            blocks = "working-set"
        elif rule in GREEDY_RULES and rule != "gsq":
            blocks = "variable"
        else:
            blocks = "contiguous"
    if update == "auto":
        update = "exact" if blocks in GRAPH_PARTITIONS else "gradient"
    if block_size is None:
        block_size = default_block_size(problem, blocks)
    return rule, blocks, user_blocks, block_size, update


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
    greedy working sets with gap-safe screening and Numba inner solvers; an
    L1 model on a data fit of your own with ``loss_kernels`` runs on greedy
    working sets too (see :mod:`optsolve.optimize.bcd.datafits`).

    The options (all but ``problem`` and ``x0``) are declared once in
    :data:`optsolve.optimize.bcd.options.TABLE`, which validates them.

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
        forest of the graph); ``"working-set"`` (L1 linear models: least
        squares, logistic, or a data fit with ``loss_kernels``); or your own
        list of index arrays. ``"auto"``: ``"working-set"`` for L1 linear
        models that a working-set solver takes, with a greedy rule,
        ``"variable"`` for other greedy rules, ``"contiguous"`` otherwise.
    block_size : int, optional
        Block size: 1 by default (``n_classes`` for :class:`Softmax`, 100 for
        tree and forest blocks).
    update : {"auto", "gradient", "newton", "exact"}, default "auto"
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
    x, o = _bcd_iv(problem, x0, dict(
        rule=rule, blocks=blocks, block_size=block_size, update=update, tol=tol,
        max_iter=max_iter, time_limit=time_limit, callback=callback, verbose=verbose,
        history=history, random_state=random_state, screen=screen))
    opts = SimpleNamespace(rng=np.random.default_rng(random_state), **o)
    solver = choose(problem, opts)
    zero = np.zeros(problem.n_vars)
    fun0 = problem._value(zero, problem._zero_state())
    mname = "gap" if getattr(problem, "_has_gap", False) else (
        "prox_grad_norm" if problem._nonsmooth else "grad_norm")
    # the gap is relative to P(0), which fun0 is
    scale = fun0 if mname == "gap" else problem._measure_scale()
    max_iter = o["max_iter"]
    if max_iter is None:
        max_iter = getattr(solver, "DEFAULT_MAX_ITER", 100_000)
    mon = Monitor(mname, o["tol"] * scale, max_iter, o["time_limit"], callback, verbose,
                  history)
    with mon:
        res = solver.solve(problem, x, opts, mon)
    res.fun0 = fun0
    return res
