"""Limits of one solve inside a worker process: memory and wall time.

Memory: ``RLIMIT_AS`` is lowered to the process's current address space plus
the solve's allowance for the length of the solve, so that numpy, HiGHS and
the C SAT core fail their allocations with :class:`MemoryError` instead of
taking the machine down. The limit is the process's: a worker of one thread
(the batch's own clusters) gives it to one solve; solves running at once in
one process share it (their allowances summed). Small blocks can still land in
address space malloc reserved earlier, so the watchdog also stops a solve
whose resident size grows past the allowance.

Time: a :class:`Watchdog` thread interrupts the solver a little after the
engine's own limit should have stopped it, or as soon as the client cancels
the task (a portfolio member that lost, Ctrl-C on the client); if the solve
still has not returned after a grace period, it reports the kill to the
scheduler and ends the worker process, which the Nanny then replaces.
"""
from __future__ import annotations

import contextlib
import os
import resource
import threading
import time

__all__ = ["memory_limit", "Watchdog", "grace_period", "KILL_TOPIC",
           "START_TOPIC", "ROW_TOPIC"]

#: Scheduler event topic under which a watchdog reports the task it killed.
KILL_TOPIC = "optsolve-batch-kill"
#: Topic of the tasks that started: a task that was only waiting on a
#: worker that died has not used up an attempt.
START_TOPIC = "optsolve-batch-start"
#: Topic of the rows of a chunk of instances, sent as each one finishes.
ROW_TOPIC = "optsolve-batch-row"


def _address_space():
    """Bytes of virtual memory mapped by this process now."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # not Linux: resident peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _resident():
    """Bytes of this process in memory now."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


_malloc_tuned = False


def _fixed_mmap_threshold():
    """Large blocks always come from mmap, so that they count against
    RLIMIT_AS: glibc otherwise raises its threshold after large frees and
    serves them from address space already reserved (arena slack)."""
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD: fixed at 128 KiB
    except (OSError, AttributeError):  # not glibc
        pass


# solves under a limit at once in this process (a worker of several
# threads): the limit is one per process, so it is their allowances summed
# over the size when the first began, and the last to end restores it
_limits_lock = threading.Lock()
_limits = {"active": 0, "extra": 0, "base": 0, "saved": None}


def _set_address_limit():
    soft, hard = _limits["saved"]
    limit = _limits["base"] + _limits["extra"]
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft != resource.RLIM_INFINITY:
        limit = min(limit, soft)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


@contextlib.contextmanager
def memory_limit(nbytes):
    """Allow the process ``nbytes`` more address space inside the block."""
    if nbytes is None:
        yield
        return
    _fixed_mmap_threshold()
    with _limits_lock:
        if _limits["active"] == 0:
            _limits.update(saved=resource.getrlimit(resource.RLIMIT_AS),
                           base=_address_space(), extra=0)
        _limits["active"] += 1
        _limits["extra"] += int(nbytes)
        _set_address_limit()
    try:
        yield
    finally:
        with _limits_lock:
            _limits["active"] -= 1
            _limits["extra"] -= int(nbytes)
            if _limits["active"] == 0:
                resource.setrlimit(resource.RLIMIT_AS, _limits["saved"])
            else:
                _set_address_limit()


def grace_period(time_limit):
    """Seconds the engine gets past its own limit before the interrupt, and
    again between the interrupt and the kill."""
    return 1.0 + 0.05 * time_limit


class _Monitor(threading.Thread):
    """One thread per process looks after the solves running in it
    (starting a thread per task costs more than a tiny task itself)."""

    poll = 0.05

    def __init__(self):
        super().__init__(name="optsolve-batch-watchdog", daemon=True)
        self.watches = set()
        self.lock = threading.Lock()

    def run(self):
        while True:
            time.sleep(self.poll)
            with self.lock:
                watches = list(self.watches)
            now = time.monotonic()
            for w in watches:
                w._check(now)


_monitor = None
_monitor_lock = threading.Lock()


def _the_monitor():
    global _monitor
    with _monitor_lock:
        if _monitor is None or not _monitor.is_alive():
            _monitor = _Monitor()
            _monitor.start()
        return _monitor


class Watchdog:
    """Interrupts a solve at its deadline or on cancellation, kills the
    process if the interrupt is not obeyed.

    Parameters
    ----------
    time_limit : float or None
        The solve's limit in seconds, counted from the watchdog's start.
    cancelled : callable or None
        Polled; returns True when the client no longer wants the result.
    on_kill : callable
        ``on_kill(reason)``, called just before the process ends.
    memory : int or None
        Bytes the process may grow (resident) before the solve is stopped.
    kill : bool
        End the process when the interrupt is ignored. Only where a Nanny
        starts a new worker: an in-process worker (``processes=False``) or a
        direct call runs in the caller's own interpreter.
    """

    def __init__(self, time_limit, cancelled=None, on_kill=None, memory=None,
                 kill=True):
        self.start_time = time.monotonic()
        self.deadline = None
        self.grace = grace_period(time_limit or 0.0)
        if time_limit is not None:
            self.deadline = self.start_time + time_limit + self.grace
        self.cancelled = cancelled
        # resident size above which the solve is stopped (memout): the
        # address-space limit alone lets allocations into reserved slack
        self.rss_limit = None if memory is None else _resident() + memory
        self.on_kill = on_kill
        self.kill = kill
        self.reason = None          # "time", "cancelled" or "memory" once fired
        self._interrupt = None      # the running solver's interrupt
        self._interrupted_at = None
        self._done = False
        self._lock = threading.Lock()

    def start(self):
        monitor = _the_monitor()
        with monitor.lock:
            monitor.watches.add(self)

    def stop(self):
        self._done = True
        monitor = _monitor
        if monitor is not None:
            with monitor.lock:
                monitor.watches.discard(self)

    def arm(self, interrupt):
        """Register the solver's interrupt; calls it at once if the
        deadline or a cancellation has already passed."""
        with self._lock:
            self._interrupt = interrupt
            late = self.reason is not None
        if late:
            interrupt()

    def _fire(self, reason):
        with self._lock:
            self.reason = reason
            interrupt = self._interrupt
        self._interrupted_at = time.monotonic()
        if interrupt is not None:
            interrupt()

    def _check(self, now):
        if self._done:
            return
        if self.reason is None:
            if self.deadline is not None and now >= self.deadline:
                self._fire("time")
            elif self.cancelled is not None and self.cancelled():
                self._fire("cancelled")
            elif self.rss_limit is not None and _resident() > self.rss_limit:
                self._fire("memory")
        elif now - self._interrupted_at >= self.grace and not self._done:
            if not self.kill:
                return  # the solve runs on until it returns
            if self.on_kill is not None:
                try:
                    self.on_kill(self.reason)
                except Exception:  # pragma: no cover - best effort
                    pass
            # the solve ignores its interrupt: only a new process frees
            # the CPU and memory it holds
            os._exit(70)
