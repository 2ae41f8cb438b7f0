"""Run bookkeeping of the BCD solvers on the shared
:class:`optsolve._runtime.RunMonitor`: what an iterate records, when the
measure stops the run, and the final result."""
from __future__ import annotations

import warnings

import numpy as np

from optsolve._runtime import (LIMIT, STATUS_MESSAGES, SUCCESS, ConvergenceWarning,
                               OptimizeResult, RunMonitor)

__all__ = ["Monitor"]


class Monitor(RunMonitor):
    """Tracks one run (limits, Ctrl-C, callback, progress and history are
    :class:`optsolve._runtime.RunMonitor`'s). ``measure_name`` is ``"gap"``,
    ``"grad_norm"`` or ``"prox_grad_norm"``; the run succeeds when measure
    <= ``tol_abs``."""

    def __init__(self, measure_name, tol_abs, max_iter, time_limit, callback,
                 verbose, history):
        super().__init__(time_limit, callback, verbose,
                         [("iter", "{:>8d}"), ("objective", "{:>14.7e}"),
                          (measure_name, "{:>12.4e}"), ("time", "{:>8.2f}")],
                         ("nit", "fun", measure_name, "time"), max_iter)
        self.measure_name = measure_name
        self.tol_abs = tol_abs
        self.keep_history = bool(history)
        self.last = None

    def record(self, nit, fun, measure=np.nan):
        if self.keep_history:
            self.keep(nit, fun, measure, self.deadline.elapsed())

    def check(self, nit, x, fun, measure):
        """At an iterate whose measure is known: True when the run must stop
        (converged or a limit), with ``self.limit`` set for limits."""
        self.last = (nit, fun, measure)
        self.progress.line(nit, fun, measure, self.deadline.elapsed())
        if measure <= self.tol_abs:
            return True
        if self.callback is not None:
            inter = OptimizeResult(x=x.copy(), fun=fun, nit=nit,
                                   **{self.measure_name: measure})
            if self.callback(inter):
                self.limit = "callback"
                return True
        return self.limit_reached(nit)

    def result(self, x, fun, measure, nit, **extra):
        converged = measure <= self.tol_abs
        if converged:
            status, limit = SUCCESS, None
            message = STATUS_MESSAGES[SUCCESS]
        else:
            status, limit = LIMIT, self.limit or "max_iter"
            message = (f"Stopped by the {limit} limit before {self.measure_name} "
                       f"<= {self.tol_abs:.3e} ({self.measure_name} = {measure:.3e}).")
            if limit in ("max_iter", "time"):
                warnings.warn(message, ConvergenceWarning, stacklevel=3)
        self.progress.line(nit, fun, measure, self.deadline.elapsed(), force=True)
        res = OptimizeResult(x=x, fun=fun, nit=nit, status=status, success=converged,
                             message=message, limit=limit, measure=self.measure_name,
                             optimality=measure, tol_abs=self.tol_abs,
                             time=self.deadline.elapsed(), **{self.measure_name: measure})
        res.update(extra)
        if self.keep_history:
            res.history = self.history()
        return res
