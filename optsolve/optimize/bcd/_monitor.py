"""Run bookkeeping shared by the block loop and the working-set solver:
limits, Ctrl-C, callback, progress lines, history and the final result."""
from __future__ import annotations

import warnings

import numpy as np

from optsolve._runtime import (LIMIT, STATUS_MESSAGES, SUCCESS, ConvergenceWarning,
                               Deadline, InterruptGuard, OptimizeResult, Progress,
                               wrap_callback)

__all__ = ["Monitor"]


class Monitor:
    """Tracks one run. ``measure_name`` is ``"gap"``, ``"grad_norm"`` or
    ``"prox_grad_norm"``; the run succeeds when measure <= ``tol_abs``."""

    def __init__(self, measure_name, tol_abs, max_iter, time_limit, callback,
                 verbose, history):
        self.measure_name = measure_name
        self.tol_abs = tol_abs
        self.max_iter = max_iter
        self.deadline = Deadline(time_limit)
        self.callback = wrap_callback(callback)
        self.progress = Progress(verbose, [("iter", "{:>8d}"), ("objective", "{:>14.7e}"),
                                           (measure_name, "{:>12.4e}"), ("time", "{:>8.2f}")])
        self.keep_history = bool(history)
        self.hist = {"nit": [], "fun": [], measure_name: [], "time": []}
        self.guard = InterruptGuard()
        self.limit = None
        self.last = None

    def __enter__(self):
        self.guard.__enter__()
        return self

    def __exit__(self, *exc):
        return self.guard.__exit__(*exc)

    def record(self, nit, fun, measure=np.nan):
        if self.keep_history:
            self.hist["nit"].append(nit)
            self.hist["fun"].append(fun)
            self.hist[self.measure_name].append(measure)
            self.hist["time"].append(self.deadline.elapsed())

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
        return self.cheap_stop(nit)

    def cheap_stop(self, nit):
        """Limits that can be checked every iteration."""
        if self.guard.interrupted:
            self.limit = "interrupt"
        elif self.deadline.expired():
            self.limit = "time"
        elif self.max_iter is not None and nit >= self.max_iter:
            self.limit = "max_iter"
        return self.limit is not None

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
            res.history = {k: np.asarray(v) for k, v in self.hist.items()}
        return res
