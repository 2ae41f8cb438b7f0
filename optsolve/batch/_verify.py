"""Independent checks of the answers, run in the worker before a row is
reported: a SAT model against the formula, a MILP ``x`` against the problem
as read."""
from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["check_model", "check_milp_solution", "model_hash"]


def check_model(cnf, model):
    """None if ``model`` satisfies ``cnf``, else a one-line reason.

    ``model`` holds one signed literal for each variable ``1..cnf.nvars``.

    Examples
    --------
    >>> from optsolve.sat import CNF
    >>> cnf = CNF([[1, -2], [2, 3]])
    >>> check_model(cnf, [1, 2, -3]) is None
    True
    >>> check_model(cnf, [-1, 2, -3])
    'clause 1 (1 -2) is false under the model'
    """
    model = np.asarray(model, dtype=np.int64).ravel()
    n = cnf.nvars
    if model.size != n or not np.array_equal(np.sort(np.abs(model)),
                                             np.arange(1, n + 1)):
        return (f"the model does not assign each of the {n} variables "
                f"exactly once ({model.size} literals)")
    value = np.zeros(n + 1, dtype=bool)
    value[np.abs(model)] = model > 0
    lits = np.asarray(cnf.lits, dtype=np.int64)
    true = value[np.abs(lits)] == (lits > 0)
    # true literals per clause from a running count (empty clauses count 0)
    counts = np.concatenate(([0], np.cumsum(true, dtype=np.int64)))
    offsets = np.asarray(cnf.offsets, dtype=np.int64)
    false = np.flatnonzero(counts[offsets[1:]] == counts[offsets[:-1]])
    if false.size == 0:
        return None
    i = int(false[0])
    text = " ".join(map(str, lits[offsets[i]:offsets[i + 1]][:8].tolist()))
    if offsets[i + 1] - offsets[i] > 8:
        text += " ..."
    return f"clause {i + 1} ({text}) is false under the model"


def model_hash(model):
    """Short stable hash of a SAT model (the sign of each variable)."""
    signs = np.packbits(np.asarray(model) > 0)
    return hashlib.blake2b(signs.tobytes(), digest_size=8).hexdigest()


def check_milp_solution(problem, x, fun, tol=1e-6):
    """None if ``x`` is feasible for ``problem`` and ``c @ x + offset``
    equals ``fun``, within ``tol`` (relative to the size of each bound),
    else a one-line reason.

    Examples
    --------
    >>> from optsolve.milp import Problem
    >>> p = Problem(c=[1, 1], A=[[1, 1]], row_lower=[1.5], lb=0, ub=3,
    ...             integrality=1)
    >>> check_milp_solution(p, [1.0, 1.0], 2.0) is None
    True
    >>> check_milp_solution(p, [0.5, 1.0], 1.5)
    'x violates integrality by 0.5'
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    if x.shape != (problem.num_cols,):
        return f"x has {x.size} entries for {problem.num_cols} columns"
    if not np.all(np.isfinite(x)):
        return "x has entries that are not finite"
    if not problem.is_feasible(x, tol=tol):
        worst = problem.violation(x)
        what = max(worst, key=worst.get)
        return f"x violates {what} by {worst[what]:.3g}"
    obj = problem.objective(x)
    if fun is None or not abs(obj - fun) <= tol * (1.0 + abs(obj)):
        return f"the objective reported ({fun}) is not c @ x + offset ({obj:.17g})"
    return None
