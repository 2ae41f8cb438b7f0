"""Conventions shared by every engine: results, status codes, limits,
interrupts, progress output and callbacks.

Every engine follows the same rules, so that a user who learned one knows
them all:

* Outcomes are data. A run returns a :class:`scipy.optimize.OptimizeResult`
  (SAT returns :class:`optsolve.sat.SolveResult`) with ``status``, ``success``
  and ``message``; reaching a limit is a status, only misuse raises.
* Status codes are those of :func:`scipy.optimize.milp`, shared by all engines
  (see :data:`STATUS_MESSAGES`).
* Limits are passed the same way everywhere: ``time_limit`` (seconds of wall
  time) plus the engine's own count limits (``node_limit``, ``max_iter``,
  ``conflicts``, ``max_work``). The result says which limit stopped the run in
  its ``limit`` field.
* Ctrl-C (SIGINT) during a run ends it with the best answer known so far
  (status 1, ``limit="interrupt"``); a second Ctrl-C raises
  :class:`KeyboardInterrupt` at once.
* Silent by default. ``verbose=True`` (``-v`` on the command line) prints
  progress lines to standard output, rate-limited in time.
* Callbacks follow scipy: a callable whose only parameter is named
  ``intermediate_result`` receives an ``OptimizeResult``; raising
  ``StopIteration`` in it ends the run cleanly (``limit="callback"``).
"""
from __future__ import annotations

import math
import signal
import sys
import threading
import time
from typing import Callable, Optional

__all__ = [
    "OptimizeResult",
    "SUCCESS", "LIMIT", "INFEASIBLE", "UNBOUNDED", "OTHER",
    "STATUS_MESSAGES",
    "ConvergenceWarning",
    "Deadline",
    "InterruptGuard",
    "Progress",
    "wrap_callback",
    "RunMonitor",
    "check_time_limit",
    "check_count_limit",
]

#: The solver found an optimal (or, for continuous methods, converged) answer.
SUCCESS = 0
#: A limit ended the run: iterations, nodes, conflicts, work, time, a user
#: interrupt (Ctrl-C) or a callback that raised ``StopIteration``.
LIMIT = 1
#: The problem is infeasible (MILP) or unsatisfiable where that is a failure.
INFEASIBLE = 2
#: The problem is unbounded.
UNBOUNDED = 3
#: Anything else: numerical trouble, an error reported by a sub-solver.
OTHER = 4

STATUS_MESSAGES = {
    SUCCESS: "Optimization terminated successfully.",
    LIMIT: "A limit was reached before the run finished.",
    INFEASIBLE: "The problem is infeasible.",
    UNBOUNDED: "The problem is unbounded.",
    OTHER: "The run stopped for another reason (see message).",
}


def __getattr__(name):
    # scipy.optimize takes most of a second to import; only the engines that
    # build OptimizeResult objects pay for it, when they are first used.
    if name == "OptimizeResult":
        from scipy.optimize import OptimizeResult
        return OptimizeResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class ConvergenceWarning(UserWarning):
    """Issued when an iterative method stops before its optimality measure
    reaches the requested tolerance."""


def check_time_limit(time_limit, name="time_limit"):
    """Validate a time limit in seconds; ``None`` means no limit."""
    if time_limit is None:
        return None
    try:
        t = float(time_limit)
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a number of seconds or None, "
                         f"got {time_limit!r}") from None
    if math.isnan(t) or t < 0:
        raise ValueError(f"`{name}` must be non-negative, got {time_limit!r}")
    return t


def check_count_limit(limit, name):
    """Validate a count limit (nodes, iterations, conflicts); ``None`` = none."""
    if limit is None:
        return None
    import numbers
    import operator
    try:
        # exact for ints of any size and every integer dtype; other reals
        # only when integral (strings, lists, 10**400 as a float refused)
        n = operator.index(limit)
    except TypeError:
        n = None
        if isinstance(limit, numbers.Real) and float(limit).is_integer():
            n = int(float(limit))
    if isinstance(limit, bool) or n is None:
        raise ValueError(f"`{name}` must be a non-negative integer or None, "
                         f"got {limit!r}")
    if n < 0:
        raise ValueError(f"`{name}` must be a non-negative integer or None, "
                         f"got {limit!r}")
    return n


class Deadline:
    """Wall-clock budget started at construction.

    >>> d = Deadline(None)
    >>> d.expired()
    False
    """

    __slots__ = ("start", "limit")

    def __init__(self, time_limit: Optional[float]):
        self.start = time.perf_counter()
        self.limit = check_time_limit(time_limit)

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def remaining(self) -> float:
        if self.limit is None:
            return math.inf
        return max(0.0, self.limit - self.elapsed())

    def expired(self) -> bool:
        return self.limit is not None and self.elapsed() >= self.limit


class InterruptGuard:
    """Context manager turning the first Ctrl-C into a flag.

    Inside the ``with`` block, SIGINT sets :attr:`interrupted` (and calls the
    optional ``on_interrupt`` hook, e.g. a C solver's ``terminate``) instead of
    raising; the run checks the flag and returns its best answer. A second
    SIGINT raises :class:`KeyboardInterrupt` immediately. Outside the main
    thread, signals cannot be caught; the guard then does nothing and
    :attr:`interrupted` stays false. The previous handler is restored on exit,
    so the guard leaves no global state behind.
    """

    def __init__(self, on_interrupt: Optional[Callable[[], None]] = None,
                 signals=(signal.SIGINT,)):
        self.on_interrupt = on_interrupt
        self.signals = tuple(signals)
        self.interrupted = False
        self._previous = {}
        self._deferring = 0
        self._pending = False

    def _handler(self, signum, frame):
        if self.interrupted:
            if self._deferring:
                self._pending = True
                return
            raise KeyboardInterrupt
        self.interrupted = True
        if self.on_interrupt is not None:
            self.on_interrupt()

    def deferred(self):
        """A context in which a second SIGINT does not raise at once but
        when the context ends: for native code that calls back into Python
        (a solver's interrupt callback), through which an exception cannot
        unwind safely."""
        return _Deferred(self)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for s in self.signals:
                try:
                    self._previous[s] = signal.signal(s, self._handler)
                except (ValueError, OSError):  # pragma: no cover
                    pass
        return self

    def __exit__(self, *exc):
        for s, h in self._previous.items():
            signal.signal(s, h)
        self._previous.clear()
        return False


class _Deferred:
    __slots__ = ("guard",)

    def __init__(self, guard):
        self.guard = guard

    def __enter__(self):
        self.guard._deferring += 1
        return self.guard

    def __exit__(self, *exc):
        g = self.guard
        g._deferring -= 1
        if g._pending and not g._deferring:
            g._pending = False
            if exc[0] is None:
                raise KeyboardInterrupt
        return False


class Progress:
    """Rate-limited progress table (silent unless ``verbose``).

    Parameters
    ----------
    verbose : bool or int
        ``False``/0: print nothing. ``True``/1: a line at most every
        ``interval`` seconds. 2 or more: every call to :meth:`line` prints.
    columns : sequence of (name, format) pairs
        Column headers and ``str.format`` specs, e.g. ``("nodes", "{:>8d}")``.
    interval : float
        Minimum seconds between two lines at verbosity 1.
    stream : file, optional
        Where to print (standard output by default, looked up at print time).
    """

    def __init__(self, verbose, columns, interval=1.0, stream=None, prefix=""):
        self.level = int(verbose) if verbose is not None else 0
        self.columns = list(columns)
        self.interval = float(interval)
        self._stream = stream
        self.prefix = prefix
        self._last = -math.inf
        self._header_done = False
        self.start = time.perf_counter()

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def _width(self, fmt):
        try:
            return len(fmt.format(0))
        except (ValueError, IndexError):  # pragma: no cover
            return 10

    def header(self):
        if self.level <= 0 or self._header_done:
            return
        names = [name.rjust(self._width(fmt)) for name, fmt in self.columns]
        print(self.prefix + " ".join(names), file=self.stream, flush=True)
        self._header_done = True

    def line(self, *values, force=False):
        """Print one row if verbose and the interval has passed (or ``force``)."""
        if self.level <= 0:
            return False
        now = time.perf_counter()
        if not force and self.level < 2 and now - self._last < self.interval:
            return False
        self._last = now
        self.header()
        cells = []
        for (name, fmt), v in zip(self.columns, values):
            try:
                cells.append(fmt.format(v))
            except (ValueError, TypeError):
                cells.append(str(v).rjust(self._width(fmt)))
        print(self.prefix + " ".join(cells), file=self.stream, flush=True)
        return True

    def message(self, text):
        if self.level > 0:
            print(self.prefix + text, file=self.stream, flush=True)


def wrap_callback(callback):
    """Normalise a user callback to ``f(result) -> bool`` (True = stop).

    A callback whose only parameter is named ``intermediate_result`` receives
    the :class:`OptimizeResult`; any other callable receives ``result.x``
    (scipy's legacy convention). ``StopIteration`` raised inside the callback,
    or a return value of ``True``, asks the run to stop cleanly.
    """
    if callback is None:
        return None
    if not callable(callback):
        raise ValueError("`callback` must be callable or None")
    import inspect  # here: `optsolve sat` imports this module and starts in ms
    try:
        params = list(inspect.signature(callback).parameters)
    except (TypeError, ValueError):  # builtins without a signature
        params = []
    new_style = params == ["intermediate_result"]

    def call(result):
        try:
            out = callback(result) if new_style else callback(result.x)
        except StopIteration:
            return True
        return bool(out) if out is not None else False

    return call


class RunMonitor:
    """The bookkeeping of one run of an iterative method, shared by the
    engines (BCD, bilevel): its limits (a :class:`Deadline`, Ctrl-C through
    an :class:`InterruptGuard`, an optional iteration limit), the user's
    callback (:func:`wrap_callback`), progress lines (:class:`Progress` with
    ``columns``) and the history of the run (a list per key of
    ``history_keys``). Used as a context manager around the run, which
    catches Ctrl-C inside it; an engine adds what its iterations record and
    how its result reads.
    """

    def __init__(self, time_limit, callback, verbose, columns, history_keys, max_iter=None):
        self.deadline = Deadline(time_limit)
        self.guard = InterruptGuard()
        self.callback = wrap_callback(callback)
        self.progress = Progress(verbose, columns)
        self.hist = {k: [] for k in history_keys}
        self.max_iter = max_iter
        self.limit = None

    def __enter__(self):
        self.guard.__enter__()
        return self

    def __exit__(self, *exc):
        return self.guard.__exit__(*exc)

    def keep(self, *values):
        """Append one value to each history list, in ``history_keys`` order."""
        for lst, v in zip(self.hist.values(), values):
            lst.append(v)

    def history(self, dtype=None):
        """The history as arrays."""
        import numpy as np  # here: `optsolve sat` imports this module and starts in ms
        return {k: np.asarray(v, dtype=dtype) for k, v in self.hist.items()}

    def limit_reached(self, nit):
        """Whether Ctrl-C, the time limit or the iteration limit (at ``nit``
        iterations) ends the run; ``limit`` names which."""
        if self.guard.interrupted:
            self.limit = "interrupt"
        elif self.deadline.expired():
            self.limit = "time"
        elif self.max_iter is not None and nit >= self.max_iter:
            self.limit = "max_iter"
        return self.limit is not None
