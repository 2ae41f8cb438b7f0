"""The client side of a batch: submit tasks in a bounded window, collect
them as they complete, retry those whose worker died, settle portfolios,
write each row once.
"""
from __future__ import annotations

import itertools
import uuid
from collections import deque

from optsolve.batch._limits import KILL_TOPIC, START_TOPIC
from optsolve.batch._rows import DEFINITIVE, blank_row
from optsolve.batch._task import run_task

__all__ = ["Scheduler"]

_counter = itertools.count()


class _Instance:
    __slots__ = ("name", "item", "results", "futures", "finished")

    def __init__(self, name, item):
        self.name = name
        self.item = item
        self.results = []       # rows of the configurations that ended
        self.futures = {}       # key -> future still running
        self.finished = False


def _rank(row):
    """Order of the rows of a portfolio that all failed to decide: a row
    with a verified solution and a small gap first, failures last."""
    bad = {"failed": 2, "memout": 1}.get(row["status"], 0)
    has_x = row.get("objective") is not None and row.get("verified") is True
    gap = row.get("gap")
    return (bad, not has_x, gap if isinstance(gap, float) else float("inf"))


class Scheduler:
    """Runs ``instances`` (name, item) on ``client``; ``emit(row)`` is
    called once per instance, in completion order."""

    def __init__(self, client, engine, configs, *, time_limit, memory_limit,
                 retries, emit, window=None):
        self.client = client
        self.engine = engine
        self.configs = configs          # [(name, options)], one or more
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.retries = retries
        self.emit = emit
        if window is None:
            threads = sum(client.nthreads().values()) or 1
            window = 4 * threads + 8
        self.window = window
        self.prefix = f"optsolve-batch-{uuid.uuid4().hex[:8]}"
        self.meta = {}                  # key -> (instance, config index, attempt)
        self.waits = {}                 # key -> times it waited on a worker that died
        self.interrupted = False

    # -- submission ------------------------------------------------------
    def _submit(self, inst, index, attempt):
        name, options = self.configs[index]
        key = f"{self.prefix}-{next(_counter)}"
        fut = self.client.submit(
            run_task, inst.name, inst.item, self.engine, self.time_limit,
            self.memory_limit, options, name if len(self.configs) > 1 else "",
            key=key, pure=False)
        self.meta[key] = (inst, index, attempt)
        inst.futures[key] = fut
        self.ac.add(fut)
        return key

    def _fill(self):
        while self.queue and len(self.meta) + len(self.configs) <= max(
                self.window, len(self.configs)):
            inst = self.queue.popleft()
            for index in range(len(self.configs)):
                self._submit(inst, index, 1)

    # -- completion ------------------------------------------------------
    def _events(self, topic):
        try:
            return self.client.get_events(topic)
        except Exception:  # pragma: no cover - an old scheduler
            return ()

    def _killed_by_watchdog(self, key):
        for _, msg in self._events(KILL_TOPIC):
            if isinstance(msg, dict) and msg.get("key") == key:
                return msg
        return None

    def _started(self, key):
        return any(msg == key for _, msg in self._events(START_TOPIC))

    def _row_of_error(self, inst, index, attempt, fut):
        """The row of a task that raised, or None after submitting it
        again (a worker died under it)."""
        from distributed.scheduler import KilledWorker

        exc = fut.exception()
        name = self.configs[index][0] if len(self.configs) > 1 else ""
        row = blank_row(inst.name, self.engine, name)
        row["attempts"] = attempt
        if not isinstance(exc, KilledWorker):
            row.update(status="failed", error=" ".join(
                f"{type(exc).__name__}: {exc}".split()))
            return row
        kill = self._killed_by_watchdog(fut.key) or {}
        reason = kill.get("reason")
        row["worker"] = kill.get("worker")
        if reason == "memory":
            row.update(status="memout",
                       error=f"the solve needed more than its memory limit of "
                             f"{self.memory_limit:g} MB and ignored its "
                             f"interrupt; its worker was restarted")
            return row
        if reason == "time":
            row.update(status="UNKNOWN" if self.engine == "sat" else "time_limit",
                       error="the solve ignored its interrupt after the time "
                             "limit; its worker was restarted")
            return row
        waited = self.waits.pop(fut.key, 0)
        if not self._started(fut.key) and waited < 3:
            # it was waiting on that worker, not running there: the attempt
            # is not used up (bounded, as a start event can be lost)
            self.waits[self._submit(inst, index, attempt)] = waited + 1
            return None
        if attempt <= self.retries:
            self._submit(inst, index, attempt + 1)
            return None
        row.update(status="failed",
                   error=f"the worker running it died {attempt} times "
                         f"(killed, crashed or out of memory)")
        return row

    def _complete(self, fut, result):
        entry = self.meta.pop(fut.key, None)
        if entry is None:
            return
        inst, index, attempt = entry
        inst.futures.pop(fut.key, None)
        if inst.finished or fut.status == "cancelled":
            return
        if fut.status == "finished":
            row = result
            row["attempts"] = attempt
        else:
            row = self._row_of_error(inst, index, attempt, fut)
            if row is None:
                return
        inst.results.append(row)
        decided = row["status"] in DEFINITIVE and row["verified"] is not False
        if not decided and len(inst.results) < len(self.configs):
            return  # other configurations are still running
        if not decided:
            row = min(inst.results, key=_rank)
        inst.finished = True
        if inst.futures:  # the portfolio's losers stop in their workers
            self.client.cancel(list(inst.futures.values()))
            for key in inst.futures:
                self.meta.pop(key, None)
            inst.futures.clear()
        inst.item = None
        self.emit(row)

    def run(self, instances):
        from distributed import as_completed

        self.queue = deque(_Instance(name, item) for name, item in instances)
        # results are gathered in the background, several at a time
        self.ac = as_completed(with_results=True, raise_errors=False)
        self._fill()
        try:
            for fut, result in self.ac:
                self._complete(fut, result)
                self._fill()
        except KeyboardInterrupt:
            self.interrupted = True
            self.queue.clear()
            running = {key: f for inst, _, _ in self.meta.values()
                       for key, f in inst.futures.items()}
            if running:
                self.client.cancel(list(running.values()))
            self.meta.clear()
        return not self.interrupted
