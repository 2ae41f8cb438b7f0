"""Run bookkeeping of ``minimize_bilevel`` on the shared
:class:`optsolve._runtime.RunMonitor` (limits, Ctrl-C, callback, progress
lines, history): what an iteration records and how each end of a run
reads."""
from __future__ import annotations

import math

import numpy as np

from ..._runtime import LIMIT, OTHER, STATUS_MESSAGES, SUCCESS, OptimizeResult, RunMonitor
from .hypergrad import _norm

__all__ = ["Monitor"]

_COLUMNS = [("iter", "{:>6d}"), ("work", "{:>9d}"), ("upper", "{:>12.6g}"),
            ("|h|", "{:>10.3e}"), ("bound", "{:>10.3e}"), ("eps", "{:>9.2e}"),
            ("delta", "{:>9.2e}"), ("step", "{:>9.2e}")]
_HISTORY = ("work", "fun", "time", "eps", "delta", "grad_norm")
# how each end of a run reads: (status, limit, message); None keeps the oracle's limit
_ENDS = {
    "converged": (SUCCESS, None, "The hypergradient bound is below `tol`."),
    "maxiter": (LIMIT, "maxiter", "The maximum number of outer iterations was reached."),
    "callback": (LIMIT, "callback", "The callback asked to stop."),
    "eps_min": (OTHER, None, "The accuracies reached `eps_min` without satisfying the error "
                             "bound or the line search (the hypergradient may be tiny or the "
                             "problem's constants wrong)."),
}
_LIMITS = {"max_work": "The work budget `max_work` was used up.",
           "time": "The time limit was reached.",
           "interrupt": "Interrupted by the user."}


class Monitor(RunMonitor):
    """Tracks one run. The method calls ``record(event, **state)`` (event
    "start" or "iteration"; True: stop for the callback); ``oracle`` is set
    once it exists and provides the work counters (and checks the time and
    Ctrl-C through ``deadline`` and ``guard``)."""

    def __init__(self, theta, x0, time_limit, callback, verbose):
        super().__init__(time_limit, callback, verbose, _COLUMNS, _HISTORY)
        self.last = {"theta": theta, "fun": math.nan, "jac": None, "eps": math.nan,
                     "delta": math.nan, "step": math.nan, "grad_bound": math.nan, "x": x0}
        self.nit = 0
        self.oracle = None

    def snapshot(self, state, limit=None):
        jac = state.get("jac")
        oracle = self.oracle
        return OptimizeResult(
            x=np.array(state["theta"], copy=True), fun=state["fun"],
            jac=None if jac is None else np.array(jac, copy=True),
            nit=self.nit, nlower=oracle.nlower, ncg=oracle.ncg,
            nfev=oracle.nfev, nwork=oracle.work, eps=state["eps"],
            delta=state["delta"], step=state["step"],
            grad_bound=state["grad_bound"], x_lower=state["x"], limit=limit)

    def record(self, event, accepted=True, **state):
        self.last.update(state)
        if event == "iteration":
            self.nit += 1
        jac = state.get("jac")
        hn = _norm(jac) if jac is not None else math.nan
        self.keep(self.oracle.work, state["fun"], self.deadline.elapsed(), state["eps"],
                  state["delta"], hn)
        self.progress.line(self.nit, self.oracle.work, state["fun"], hn,
                           state["grad_bound"], state["eps"], state["delta"], state["step"],
                           force=(event == "start"))
        if self.callback is not None and event == "iteration":
            return self.callback(self.snapshot(state))
        return False

    def result(self, end, limit, **extra):
        """The OptimizeResult of a run that ended with ``end`` (a status of the
        method, or "limit" with the oracle's ``limit``)."""
        if end in _ENDS:
            status, end_limit, message = _ENDS[end]
            limit = end_limit or limit
        else:
            status, message = LIMIT, _LIMITS.get(limit, STATUS_MESSAGES[LIMIT])
        res = self.snapshot(self.last, limit=limit)
        res.update(status=status, success=status == SUCCESS, message=message, **extra,
                   time=self.deadline.elapsed(),
                   history=self.history(dtype=float))
        self.progress.message(f"{message} theta-norm {np.linalg.norm(res.x):.4g}, upper "
                              f"{res.fun:.6g}, work {res.nwork} (lower {res.nlower}, "
                              f"cg {res.ncg})")
        return res
