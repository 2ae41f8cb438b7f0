"""Greedy working sets for an L1-penalised linear model whose data fit is
your own: the same selection as :mod:`..working_set` (the rule's scores, the
set doubling over the support), solved inside by the proximal CD of least squares
(glmnet's sweeps, Anderson extrapolation) in Numba, calling the data fit's
per-sample loss and derivative (``loss_kernels``, see
:mod:`optsolve.optimize.bcd.datafits`). Its measure is the
proximal-gradient mapping (no dual, hence no screening).

Needs: a :class:`~optsolve.optimize.bcd.GLM` with the L1 penalty and a data
fit with ``loss_kernels`` and ``kernel_args``. Accepts: the greedy rules but
"gsq", ``update`` "auto"/"gradient".
"""
from __future__ import annotations

import numpy as np

from ..._matrix import xt_dot
from ...problems import _GLM
from ...rules import working_set_scores
from ..working_set import refusal
from ._kernels import datafit_ws_cd

NAME = "working-set-datafit"
PARTITIONS = ("working-set",)
DEFAULT_MAX_ITER = 1000
_P0 = 100           # the smallest working set, as for least squares
_INNER = 0.3        # inner tolerance relative to the largest violation
_ANDERSON = 5       # sweeps between Anderson extrapolations, as for least squares


def missing(problem, opts):
    """What this solver lacks to take the problem with these options."""
    takes = (isinstance(problem, _GLM) and problem.penalty == "l1"
             and hasattr(problem.datafit, "loss_kernels"))
    return refusal(None if takes else "an L1 linear model whose data fit has `loss_kernels` "
                   "(Lasso, SparseLogisticRegression, Huber, your own)", opts)


def _kernels_iv(fit):
    """The pair (loss, d1) of ``loss_kernels()``, checked on two samples:
    d1 must be the loss's derivative (a central difference agrees)."""
    kernels = fit.loss_kernels()
    if not (isinstance(kernels, tuple) and len(kernels) == 2
            and all(callable(k) for k in kernels)):
        raise ValueError("`loss_kernels()` must return a pair (loss, d1) of Numba functions")
    loss, d1 = kernels
    c, y0, h = float(fit.kernel_args), float(fit.y[0]), 1e-6
    for z in (y0 + 0.37, y0 - 1.3):
        fd = (loss(z + h, y0, c) - loss(z - h, y0, c)) / (2 * h)
        if not abs(d1(z, y0, c) - fd) <= 1e-4 * (1.0 + abs(fd)):
            raise ValueError("`loss_kernels()` must return (loss, d1) with d1 the loss's "
                             f"derivative: at z={z:g}, d1 is {d1(z, y0, c):g} but the "
                             f"loss's slope is {fd:g}")
    return loss, d1


def solve(problem, x, opts, mon):
    X = problem.X
    Xd, data, indices, indptr = problem._karr
    n, p = X.shape
    fit = problem.datafit
    loss, d1 = _kernels_iv(fit)
    c = float(fit.kernel_args)
    alpha, positive = problem.alpha, problem.positive
    L = problem.coord_lipschitz
    w = np.array(x, dtype=np.float64)
    z = np.asarray(X @ w, dtype=np.float64) if w.any() else np.zeros(n)
    keep = np.ones(p, dtype=bool)
    g = np.empty(p)
    score = np.empty(p)
    nit = ws_size = 0
    epochs = 0
    while True:
        xt_dot(Xd, data, indices, indptr, fit.gradient(z), problem._all_cols, 1.0, g)
        fun = problem._value(w, z)
        measure = problem._optimality(w, z, g)[1]
        mon.record(nit, fun, measure)
        if mon.check(nit, w, fun, measure):
            break
        score, v_max, n_supp, n_viol = working_set_scores(opts.rule, problem, w, g, keep, L,
                                                          alpha, positive, score)
        ws_size = min(max(_P0, 2 * n_supp, ws_size), p)
        ws = np.argpartition(-score, ws_size - 1)[:ws_size] if ws_size < p else np.arange(p)
        ws = np.sort(ws).astype(np.int64)
        tol_in = _INNER * v_max
        if n_viol == 0:
            # nothing outside the support violates: aim at the target at once
            tol_in = min(tol_in, 0.5 * mon.tol_abs)
        nit += 1
        epochs += datafit_ws_cd(Xd, data, indices, indptr, fit.y, w, z, ws, L, alpha,
                                positive, 10_000, tol_in, _ANDERSON, loss, d1, c)
    return mon.result(w, fun, measure, nit, n_epochs=epochs, n_newton=0, ws_size=ws_size,
                      n_screened=0)
