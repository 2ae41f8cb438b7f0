"""``optsolve.milp(c, ...)``: scipy.optimize.milp's call, solved by our branch
and bound."""
from __future__ import annotations

import time

from optsolve._options import doc_list
from optsolve.milp.bnb import empty_domain_result, solve_problem
from optsolve.milp.options import TABLE, options_iv
from optsolve.milp.problem import EmptyDomain, milp_iv

__all__ = ["milp"]


def milp(c, *, integrality=None, bounds=None, constraints=None, options=None):
    r"""Mixed-integer linear programming by branch and bound over HiGHS.

    Solves

    .. math::

        \min_x \; c^T x \quad \text{s.t.} \quad b_l \le A x \le b_u,
        \quad l \le x \le u, \quad x_i \in \mathbb{Z} \text{ for } i \in X_i

    with the arguments and result fields of :func:`scipy.optimize.milp`. LP
    relaxations are solved by HiGHS's dual simplex, warm-started from node
    to node; the tree search, branching rules and heuristics are ours.

    Parameters
    ----------
    c : 1-D array_like
        Objective coefficients (dense, finite).
    integrality : 1-D array_like, optional
        ``0`` continuous, ``1`` integer, broadcast to ``c``. Default: all
        continuous. Semi-continuous/semi-integer (``2``, ``3``) raise.
    bounds : scipy.optimize.Bounds or (lb, ub), optional
        Column bounds, default ``lb = 0``, ``ub = inf``.
    constraints : LinearConstraint, (A, lb, ub) tuple, or a sequence of them, optional
        Rows ``lb <= A @ x <= ub``; ``A`` dense or sparse.
    options : dict, optional
        Solver options; unknown keys raise ``ValueError``. ``disp``,
        ``time_limit``, ``node_limit``, ``mip_rel_gap`` and ``presolve``
        mean what they mean in scipy. The list (from
        ``optsolve.milp.options.TABLE``):

{options}

    Returns
    -------
    res : scipy.optimize.OptimizeResult
        ``x``, ``fun``, ``status`` (0 optimal, 1 limit reached, 2
        infeasible, 3 unbounded, 4 other), ``success``, ``message`` (worded
        as scipy's), ``mip_node_count``, ``mip_dual_bound``, ``mip_gap``
        (``(fun - mip_dual_bound) / |fun|``) as scipy: ``x``, ``fun``,
        ``mip_node_count``, ``mip_dual_bound`` and ``mip_gap`` are None
        without a feasible solution. Ours: ``limit`` (``"time"``,
        ``"node"``, ``"interrupt"``, ``"callback"`` or None), ``nodes``
        (nodes solved, whatever the outcome), ``lp_iterations`` (node
        LPs), ``sb_lp_iterations`` (strong branching),
        ``heuristic_lp_iterations``, ``max_depth``, ``nodes_per_second``,
        ``time``, ``lp_time`` (seconds inside HiGHS's LP solves; the rest
        of ``time`` is the search's own), ``root_bound``,
        ``incumbents_found``, ``branching``, ``restarts`` (0, or 1 after
        a restart at the root).

    Notes
    -----
    Bad arguments raise ``ValueError`` with scipy's messages; a lower bound
    of ``+inf`` or an upper bound of ``-inf`` (column or row) makes the
    problem infeasible (status 2), as in scipy. The time limit counts from
    the call, including the first load of the compiled kernels in a process
    (loaded in the background; a run with a time limit waits for them a
    tenth of its limit at most, then goes without node propagation and
    c-MIR cuts).
    Integer columns get their bounds rounded inwards. When the LP relaxation
    is unbounded the problem is unbounded if it is feasible, which is decided
    by a second search with a zero objective. Ctrl-C, from the start of
    the call (presolve, a long LP solve in HiGHS included), ends the search
    with the incumbent (status 1, ``limit="interrupt"``).

    Examples
    --------
    The example of :func:`scipy.optimize.milp`:

    >>> import numpy as np
    >>> from scipy.optimize import LinearConstraint
    >>> import optsolve
    >>> c = -np.array([0, 1])
    >>> A = np.array([[-1, 1], [3, 2], [2, 3]])
    >>> cons = LinearConstraint(A, -np.inf, [1, 12, 12])
    >>> res = optsolve.milp(c, integrality=np.ones_like(c), constraints=cons)
    >>> res.fun, res.status, res.mip_gap
    (-2.0, 0, 0.0)
    """
    start = time.perf_counter()
    try:
        problem = milp_iv(c, integrality, bounds, constraints)
    except EmptyDomain:
        options_iv(options)          # bad options raise all the same
        return empty_domain_result(start)
    return solve_problem(problem, options, start=start)


if milp.__doc__ is not None:         # None under python -OO
    milp.__doc__ = milp.__doc__.replace("{options}", doc_list(TABLE))
