"""The client side of a batch: group small instances into chunks, submit
tasks in a bounded window, collect rows as they finish, retry the
instances whose worker died, settle portfolios, write each row once.
"""
from __future__ import annotations

import itertools
import os
import pickle
import threading
import uuid
from collections import deque

from optsolve.batch._limits import KILL_TOPIC, ROW_TOPIC, START_TOPIC
from optsolve.batch._rows import DEFINITIVE, blank_row
from optsolve.batch._task import run_chunk, run_task

__all__ = ["Scheduler", "disagreement"]

_counter = itertools.count()


class _Instance:
    __slots__ = ("name", "item", "size", "results", "futures", "finished",
                 "attempt", "waits", "alone")

    def __init__(self, name, item, size=0):
        self.name = name
        self.item = item
        self.size = size        # bytes, what its expected time scales with
        self.results = []       # rows of the configurations that ended
        self.futures = {}       # portfolio: key -> future still running
        self.finished = False
        self.attempt = 1        # the number of its next run (chunks)
        self.waits = 0          # runs lost waiting on a worker that died
        self.alone = False      # its worker died under it: not chunked again


class _Task:
    """One Dask task: a chunk of instances, or one instance of a portfolio
    under one configuration."""
    __slots__ = ("insts", "index", "attempts", "done")

    def __init__(self, insts, index, attempts=None):
        self.insts = {inst.name: inst for inst in insts}
        self.index = index      # the configuration
        self.attempts = attempts or {inst.name: inst.attempt for inst in insts}
        self.done = set()       # instances whose row came back


def _size(item):
    """Bytes of an instance: a file's (text, about 4x its compressed
    size), an object's about what its file would be."""
    if isinstance(item, (str, os.PathLike)):
        try:
            size = os.path.getsize(item)
        except OSError:
            return 0
        return 4 * size if os.fspath(item).endswith((".gz", ".bz2", ".xz")) else size
    lits = getattr(item, "lits", None)
    if lits is not None:
        return 4 * len(lits)
    nnz = getattr(getattr(item, "A", None), "nnz", None)
    return 30 * int(nnz or 0) + 30 * int(getattr(item, "num_cols", 0) or 0)


# rows of chunks arrive as events; a client has one handler per topic, so
# one handler per client routes them to the batches running on it
_routes_lock = threading.Lock()
_routes = {}


def _subscribe(client, batch, handler):
    with _routes_lock:
        routes = _routes.setdefault(id(client), {})
        first = not routes
        routes[batch] = handler
    if first:
        def route(event, routes=routes):
            msg = event[1]
            handler = routes.get(msg.get("batch")) if isinstance(msg, dict) else None
            if handler is not None:
                handler(msg)
        client.subscribe_topic(ROW_TOPIC, route)


def _unsubscribe(client, batch):
    with _routes_lock:
        routes = _routes.get(id(client), {})
        routes.pop(batch, None)
        last = not routes
        if last:
            _routes.pop(id(client), None)
    if last:
        try:
            client.unsubscribe_topic(ROW_TOPIC)
        except Exception:  # pragma: no cover - the client closed meanwhile
            pass


def _rank(row):
    """Order of the rows of a portfolio that all failed to decide: a row
    with a verified solution and a small gap first, failures last."""
    bad = {"failed": 2, "memout": 1}.get(row["status"], 0)
    has_x = row.get("objective") is not None and row.get("verified") is True
    gap = row.get("gap")
    return (bad, not has_x, gap if isinstance(gap, float) else float("inf"))


def _tolerance(options):
    """How far an "optimal" objective may be from the optimum under the
    configuration's own gap options (the search's defaults otherwise)."""
    rel = options.get("mip_rel_gap", 1e-4)
    absolute = options.get("mip_abs_gap", 1e-6)
    return float(rel if rel is not None else 0.0), float(absolute or 0.0)


def _answer(row):
    if row["status"] == "optimal" and row.get("objective") is not None:
        return f"{row['config'] or 'default'} answered optimal {row['objective']:.10g}"
    return f"{row['config'] or 'default'} answered {row['status']}"


def disagreement(rows, gaps=None):
    """None if the definitive answers in ``rows`` agree, else a one-line
    reason: different statuses (SAT/UNSAT, optimal/infeasible, ...) or
    "optimal" objectives further apart than both configurations' gaps
    allow. ``gaps`` maps a configuration's name to (rel, abs).

    Examples
    --------
    >>> a = {"status": "SAT", "config": "seed=1", "verified": True}
    >>> b = {"status": "UNSAT", "config": "seed=2", "verified": None}
    >>> disagreement([a, b])
    'configurations disagree: seed=1 answered SAT, seed=2 answered UNSAT'
    """
    gaps = gaps or {}
    rows = [r for r in rows if r["status"] in DEFINITIVE]
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a["status"] != b["status"]:
                break
            if a["status"] != "optimal" or None in (a.get("objective"),
                                                    b.get("objective")):
                continue
            x, y = float(a["objective"]), float(b["objective"])
            size = max(abs(x), abs(y))
            tol = max(max(r * size, t) for r, t in (
                gaps.get(a["config"], (1e-4, 1e-6)),
                gaps.get(b["config"], (1e-4, 1e-6))))
            if abs(x - y) > tol + 1e-9 * (1.0 + size):
                break
        else:
            continue
        return f"configurations disagree: {_answer(a)}, {_answer(b)}"
    return None


class Scheduler:
    """Runs ``instances`` (name, item) on ``client``; ``emit(row)`` is
    called once per instance, in completion order.

    With one configuration, small instances are grouped into chunks (one
    Dask task each, see :func:`run_chunk`): a chunk holds about
    ``chunk_time`` seconds of expected work and at most a quarter of a
    thread's share of the work left (but ``min_chunk_time`` at least), the
    expected time of an instance being learnt from the rows so far
    (seconds per byte of its file). Until the first row, one task per
    worker thread runs, of one instance each. ``chunk=False`` gives every
    instance its own task.
    """

    #: seconds of expected work per chunk: a Dask task costs milliseconds
    chunk_time = 0.25
    #: ... and at least: a chunk of a few tasks' cost is not worth balancing
    min_chunk_time = 0.02
    #: instances per chunk at most: a misjudged chunk runs on one worker
    max_chunk = 256

    def __init__(self, client, engine, configs, *, time_limit, memory_limit,
                 retries, emit, window=None, chunk=True):
        self.client = client
        self.engine = engine
        self.configs = configs          # [(name, options)], one or more
        self.gaps = {name: _tolerance(opts) for name, opts in configs}
        self.portfolio = len(configs) > 1
        self.chunking = bool(chunk) and not self.portfolio
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.retries = retries
        self.emit = emit
        self.threads = sum(client.nthreads().values()) or 1
        if window is None:
            window = 4 * self.threads + 8
        self.window = window
        self.prefix = f"optsolve-batch-{uuid.uuid4().hex[:8]}"
        self.tasks = {}                 # key -> _Task still running
        self.futures = {}               # key -> its future
        self.interrupted = False
        self.closed = False
        self.failure = None             # raised while writing a chunk's row
        # the rows of chunks come in the client's event-loop thread; no
        # blocking call to the client is made while holding this lock
        self.lock = threading.RLock()
        self.cancel_later = []          # portfolio losers, cancelled unlocked
        self.queue = deque()
        self.queued_bytes = 0
        self.rows_seen = 0              # rows so far, their seconds and bytes
        self.seconds = 0.0
        self.nbytes = 0

    # -- chunks ------------------------------------------------------------
    def _cost(self, inst):
        """Expected seconds of ``inst``: half the mean time of an instance,
        half in proportion to its size (files of one family differ
        mostly in size, but a file's reading and checking cost a floor)."""
        mean_t = self.seconds / self.rows_seen
        mean_size = max(self.nbytes / self.rows_seen, 1.0)
        return 0.5 * mean_t * (1.0 + inst.size / mean_size)

    def _take(self):
        inst = self.queue.popleft()
        self.queued_bytes -= inst.size
        return inst

    def _put_back(self, inst):
        self.queue.appendleft(inst)
        self.queued_bytes += inst.size

    def _take_chunk(self):
        chunk = [self._take()]
        if not self.chunking or chunk[0].alone or self.rows_seen == 0:
            return chunk
        mean_size = max(self.nbytes / self.rows_seen, 1.0)
        left = 0.5 * self.seconds / self.rows_seen * (
            len(self.queue) + 1 + (self.queued_bytes + chunk[0].size) / mean_size)
        # guided: the workers end together if no chunk is a large share
        budget = min(self.chunk_time,
                     max(self.min_chunk_time, left / (4 * self.threads)))
        cost = self._cost(chunk[0])
        while self.queue and len(chunk) < self.max_chunk:
            nxt = self.queue[0]
            if nxt.alone or cost + self._cost(nxt) > budget:
                break
            cost += self._cost(nxt)
            chunk.append(self._take())
        return chunk

    # -- submission ------------------------------------------------------
    def _submit(self, insts, index, attempts=None):
        name, options = self.configs[index]
        key = f"{self.prefix}-{next(_counter)}"
        # registered before: its rows may come first
        self.tasks[key] = _Task(insts, index, attempts)
        if self.chunking:
            fut = self.client.submit(
                run_chunk, self.prefix, [(i.name, i.item) for i in insts],
                self.engine, self.time_limit, self.memory_limit, options, "",
                key=key, pure=False)
        else:
            inst, = insts
            fut = self.client.submit(
                run_task, inst.name, inst.item, self.engine, self.time_limit,
                self.memory_limit, options, name if self.portfolio else "",
                key=key, pure=False)
            inst.futures[key] = fut
        self.futures[key] = fut
        self.ac.add(fut)

    def _fill(self):
        if self.portfolio:
            n = len(self.configs)
            while self.queue and len(self.tasks) + n <= max(self.window, n):
                inst = self._take()
                for index in range(n):
                    self._submit([inst], index)
            return
        # before any row, one instance a task and a task a thread: the
        # tasks after them can be chunks once times are known
        limit = self.window if self.rows_seen or not self.chunking else self.threads
        while self.queue and len(self.tasks) < limit:
            self._submit(self._take_chunk(), 0)

    def _again(self, inst, index, attempt):
        """Run ``inst`` under configuration ``index`` once more, as run
        number ``attempt``."""
        if self.portfolio:
            self._submit([inst], index, {inst.name: attempt})
        else:
            inst.attempt = attempt
            self._put_back(inst)

    # -- completion ------------------------------------------------------
    def _events(self, topic):
        try:
            return self.client.get_events(topic)
        except Exception:  # pragma: no cover - an old scheduler
            return ()

    def _settle(self, inst, index, row):
        """A row of ``inst`` under configuration ``index`` came back."""
        if inst.finished:
            return
        self.rows_seen += 1
        self.seconds += float(row.get("wall_time") or 0.0)
        self.nbytes += inst.size
        inst.results.append(row)
        decided = row["status"] in DEFINITIVE and row["verified"] is not False
        if not decided and len(inst.results) < len(self.configs):
            return  # other configurations are still running
        if decided:
            # configurations that also ended by now are compared with the
            # winner: two answers that disagree are never a success
            self._gather_finished(inst)
            reason = disagreement([r for r in inst.results
                                   if r["verified"] is not False], self.gaps)
            if reason is not None:
                row = dict(row, status="failed", verified=False,
                           objective=None, model_hash=None, error=reason)
        else:
            row = min(inst.results, key=_rank)
        inst.finished = True
        if inst.futures:  # the portfolio's losers stop in their workers
            self.cancel_later.extend(inst.futures.values())
            for key in inst.futures:
                self.tasks.pop(key, None)
                self.futures.pop(key, None)
            inst.futures.clear()
        inst.item = None
        self.emit(row)

    def _gather_finished(self, inst):
        """Add the rows of ``inst``'s other configurations that have ended
        (not yet seen here) to its results (portfolios: no chunk events,
        so this blocking call holds no one up)."""
        for key, fut in list(inst.futures.items()):
            if fut.status != "finished":
                continue
            try:
                row = fut.result()
            except Exception:  # pragma: no cover - released meanwhile
                continue
            row["attempts"] = self.tasks[key].attempts[inst.name]
            inst.results.append(row)

    def _row(self, task, inst, row):
        if inst.name in task.done:
            return
        task.done.add(inst.name)
        row["attempts"] = task.attempts[inst.name]
        self._settle(inst, task.index, row)

    def _on_event(self, msg):
        """A row of a chunk, sent as its instance finished."""
        with self.lock:
            task = None if self.closed else self.tasks.get(msg.get("key"))
            if task is None:
                return
            row = pickle.loads(msg["row"])
            inst = task.insts.get(row["instance"])
            if inst is None:
                return
            try:
                self._row(task, inst, row)
            except BaseException as exc:  # e.g. the disk is full
                # raised in the caller's thread, not lost in Dask's loop
                self.failure = self.failure or exc

    def _complete(self, fut, result, events=None):
        task = self.tasks.pop(fut.key, None)
        self.futures.pop(fut.key, None)
        if task is None:
            return
        for inst in task.insts.values():
            inst.futures.pop(fut.key, None)
        if fut.status == "cancelled":
            return
        if fut.status == "finished":
            rows = result if self.chunking else [result]
            for row in rows:
                inst = task.insts.get(row["instance"])
                if inst is not None:
                    self._row(task, inst, row)
            for inst in reversed(list(task.insts.values())):
                if inst.name not in task.done and not inst.finished:
                    # stopped by a cancel it did not get from us
                    self._again(inst, task.index, task.attempts[inst.name])
            return
        self._failed_task(fut, task, result, events or {})

    def _failed_task(self, fut, task, result, events):
        """Rows or new runs for the unfinished instances of a task that
        raised or whose worker died."""
        from distributed.scheduler import KilledWorker

        exc = result[1] if isinstance(result, tuple) and len(result) == 3 else result
        todo = [i for i in task.insts.values()
                if i.name not in task.done and not i.finished]
        config = self.configs[task.index][0] if self.portfolio else ""

        def row_of(inst, **fields):
            row = blank_row(inst.name, self.engine, config)
            row["attempts"] = task.attempts[inst.name]
            row.update(fields)
            return row

        if not isinstance(exc, KilledWorker):
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            for inst in todo:
                self._settle(inst, task.index, row_of(inst, status="failed",
                                                      error=error))
            return
        kill = events.get("kill") or {}
        started = events.get("started", False)
        running = None
        if kill.get("instance") is not None:
            running = next((i for i in todo if i.name == kill["instance"]), None)
        elif started and todo:
            # a chunk runs its instances in order: the first without a row
            # (a row sent just before the SIGKILL may be lost: it runs again)
            running = todo[0]
        again = []
        for inst in todo:
            charged = inst is running
            if not started:
                # it was waiting on that worker, not running there: the
                # attempt is not used up (bounded, as a start event can be
                # lost)
                inst.waits += 1
                charged = inst.waits > 3
            attempt = task.attempts[inst.name]
            if not charged:
                again.append((inst, attempt))
                continue
            reason = kill.get("reason") if kill.get("instance") == inst.name else None
            if reason == "memory":
                self._settle(inst, task.index, row_of(
                    inst, status="memout", worker=kill.get("worker"),
                    error=f"the solve needed more than its memory limit of "
                          f"{self.memory_limit:g} MB and ignored its "
                          f"interrupt; its worker was restarted"))
            elif reason == "time":
                self._settle(inst, task.index, row_of(
                    inst, worker=kill.get("worker"),
                    status="UNKNOWN" if self.engine == "sat" else "time_limit",
                    error="the solve ignored its interrupt after the time "
                          "limit; its worker was restarted"))
            elif attempt <= self.retries:
                inst.alone = True   # it may be what kills its worker
                again.append((inst, attempt + 1))
            else:
                self._settle(inst, task.index, row_of(
                    inst, status="failed",
                    error=f"the worker running it died {attempt} times "
                          f"(killed, crashed or out of memory)"))
        for inst, attempt in reversed(again):
            self._again(inst, task.index, attempt)

    def _task_events(self, fut, result):
        """What the scheduler heard about a task whose worker died, asked
        before taking the lock (a blocking call)."""
        from distributed.scheduler import KilledWorker

        exc = result[1] if isinstance(result, tuple) and len(result) == 3 else result
        if fut.status != "error" or not isinstance(exc, KilledWorker):
            return {}
        kill = None
        for _, msg in self._events(KILL_TOPIC):
            if isinstance(msg, dict) and msg.get("key") == fut.key:
                kill = msg
        started = any(msg == fut.key for _, msg in self._events(START_TOPIC))
        return {"kill": kill, "started": started}

    def _cancel_losers(self):
        with self.lock:
            losers, self.cancel_later = self.cancel_later, []
        if losers:
            self.client.cancel(losers)

    def run(self, instances):
        from distributed import as_completed

        for name, item in instances:
            self._put_back(_Instance(name, item, _size(item) if self.chunking else 0))
        self.queue.reverse()
        # results are gathered in the background, several at a time
        self.ac = as_completed(with_results=True, raise_errors=False)
        if self.chunking:
            _subscribe(self.client, self.prefix, self._on_event)
        try:
            with self.lock:
                self._fill()
            for fut, result in self.ac:
                events = self._task_events(fut, result)
                with self.lock:
                    if self.failure is not None:
                        raise self.failure
                    self._complete(fut, result, events)
                    self._fill()
                self._cancel_losers()
        except KeyboardInterrupt:
            self.interrupted = True
            with self.lock:
                self.closed = True
                self.queue.clear()
                running = list(self.futures.values()) + self.cancel_later
                self.tasks.clear()
                self.futures.clear()
            if running:
                self.client.cancel(running)
        finally:
            with self.lock:
                self.closed = True
            if self.chunking:
                _unsubscribe(self.client, self.prefix)
        return not self.interrupted
