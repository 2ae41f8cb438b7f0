"""One task of a batch, run in a worker: read the instance, solve it within
its limits, check the answer, return the row.

Every outcome is a row: a malformed file gives ``failed`` with the
reader's one-line message, a solve over its memory allowance gives
``memout``, an answer that fails its check is never reported as a success.
"""
from __future__ import annotations

import os
import pickle
import time
import warnings

import numpy as np

from optsolve.batch._limits import (KILL_TOPIC, ROW_TOPIC, START_TOPIC,
                                    Watchdog, memory_limit)
from optsolve.batch._rows import blank_row
from optsolve.batch._verify import check_milp_solution, check_model, model_hash

__all__ = ["run_task", "run_chunk"]

_MILP_STATUS = {0: "optimal", 2: "infeasible", 3: "unbounded", 4: "other"}
_MILP_LIMIT = {"time": "time_limit", "node": "node_limit"}


def _worker():
    """The Dask worker running this task, or None outside one."""
    try:
        from distributed import get_worker
        return get_worker()
    except (ImportError, ValueError):
        return None


def _cancel_probe(worker):
    """A function telling whether the client has given this task up."""
    if worker is None:
        return None
    try:
        key = worker.get_current_task()
    except Exception:  # pragma: no cover - not inside a task
        return None

    def cancelled():
        ts = worker.state.tasks.get(key)
        return ts is None or ts.state in ("cancelled", "released", "forgotten")
    return cancelled


def _kill_reporter(worker, instance):
    if worker is None:
        return None
    key = str(worker.get_current_task())  # only known in the task's thread

    def report(reason):
        worker.log_event(KILL_TOPIC, {"key": key, "instance": instance,
                                      "reason": reason})
        time.sleep(0.5)  # the event travels on the worker's batched stream
    return report


def _one_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def run_task(instance, item, engine, time_limit=None, memory_limit_mb=None,
             options=None, config=""):
    """Solve one instance and return its row (see :data:`COLUMNS`)."""
    worker = _worker()
    if worker is not None:
        worker.log_event(START_TOPIC, str(worker.get_current_task()))
    return _run_one(worker, instance, item, engine, time_limit,
                    memory_limit_mb, options, config)


def run_chunk(batch, entries, engine, time_limit=None, memory_limit_mb=None,
              options=None, config=""):
    """Solve the ``(instance, item)`` pairs of ``entries`` in turn, each
    within its own limits, and return their rows.

    Several small instances share one Dask task, whose own cost (some
    milliseconds) would otherwise exceed theirs. Each row also goes to the
    client as it finishes, as an event under :data:`ROW_TOPIC` tagged with
    ``batch`` and the task's key, so that the rows of a chunk whose worker
    dies are not lost and only its unfinished instances run again.
    """
    worker = _worker()
    key = None
    if worker is not None:
        key = str(worker.get_current_task())
        worker.log_event(START_TOPIC, key)
    cancelled = _cancel_probe(worker)
    rows = []
    for instance, item in entries:
        if cancelled is not None and cancelled():
            break  # Ctrl-C on the client: the rest would be thrown away
        row = _run_one(worker, instance, item, engine, time_limit,
                       memory_limit_mb, options, config)
        rows.append(row)
        if worker is not None and len(entries) > 1:
            # pickled: stats may hold numpy scalars, events must be msgpack
            worker.log_event(ROW_TOPIC, {"batch": batch, "key": key,
                                         "row": pickle.dumps(row)})
    return rows


def _run_one(worker, instance, item, engine, time_limit, memory_limit_mb,
             options, config):
    start = time.perf_counter()
    row = blank_row(instance, engine, config)
    row["worker"] = worker.address if worker is not None else "local"
    nbytes = None if memory_limit_mb is None else int(memory_limit_mb * 2**20)
    # ending the process is safe only where a Nanny replaces the worker
    nanny = worker is not None and getattr(worker, "nanny", None) is not None
    dog = Watchdog(time_limit, _cancel_probe(worker),
                   _kill_reporter(worker, instance), memory=nbytes, kill=nanny)
    dog.start()
    try:
        solve = _solve_sat if engine == "sat" else _solve_milp
        solve(item, row, dict(options or {}), time_limit, start, nbytes, dog)
        if dog.reason == "memory":
            raise MemoryError
    except MemoryError:
        # without a limit of ours the machine itself ran out
        error = ("the solve ran out of memory" if memory_limit_mb is None
                 else f"the solve needed more than its memory limit of "
                      f"{memory_limit_mb:g} MB")
        row.update(_empty_answer(), status="memout", verified=None, error=error)
    except Exception as exc:  # every failure is a row, never a lost task
        row.update(_empty_answer(), status="failed", verified=None,
                   error=_one_line(exc))
    finally:
        dog.stop()
    row["wall_time"] = time.perf_counter() - start
    return row


def _empty_answer():
    return dict(objective=None, model_hash=None)


def _remaining(time_limit, start):
    if time_limit is None:
        return None
    return max(0.0, time_limit - (time.perf_counter() - start))


def _read(item, reader, kind):
    if isinstance(item, (str, os.PathLike)):
        with warnings.catch_warnings():
            # header/body mismatches are read as written; the worker's log
            # is not where a user would see the warning anyway
            warnings.simplefilter("ignore")
            return reader(item)
    if not isinstance(item, kind):
        raise ValueError(f"expected a path or a {kind.__name__}, got "
                         f"{type(item).__name__}")
    return item


def _solve_sat(item, row, options, time_limit, start, nbytes, dog):
    from optsolve.sat import CNF, Solver, read_dimacs

    strict = bool(options.pop("strict", False))
    with memory_limit(nbytes):
        cnf = _read(item, lambda p: read_dimacs(p, strict=strict), CNF)
        conflicts = options.pop("conflicts", None)
        propagations = options.pop("propagations", None)
        seed = options.pop("seed", None)
        solver = Solver(seed=seed, options=options,
                        time_limit=_remaining(time_limit, start))
        try:
            dog.arm(solver.interrupt)
            solver.append_formula(cnf)
            if conflicts is not None:
                solver.conf_budget(conflicts)
            if propagations is not None:
                solver.prop_budget(propagations)
            answer = solver.solve_limited()
            stats = solver.accum_stats()
            model = solver.get_model() if answer else None
            limit = solver.limit()
        finally:
            solver.delete()
    row.update(conflicts=stats.get("conflicts"), decisions=stats.get("decisions"),
               propagations=stats.get("propagations"),
               restarts=stats.get("restarts"), solve_time=stats.get("time"))
    if answer is None:
        row["status"] = "UNKNOWN"
        if dog.reason == "time":
            limit = "time"
        row["error"] = f"stopped by the {limit} limit" if limit else None
        return
    if answer is False:
        # an UNSAT answer is checked by a DRAT proof, not here
        row.update(status="UNSAT", verified=None)
        return
    model = np.asarray(model, dtype=np.int32)
    if model.size < cnf.nvars:  # variables in no clause: any value
        model = np.concatenate(
            [model, np.arange(model.size + 1, cnf.nvars + 1, dtype=np.int32)])
    reason = check_model(cnf, model)
    if reason is not None:
        row.update(status="failed", verified=False,
                   error=f"the solver answered SAT but {reason}")
        return
    row.update(status="SAT", verified=True, model_hash=model_hash(model))


def _solve_milp(item, row, options, time_limit, start, nbytes, dog):
    from optsolve.milp import Problem, read_mps

    stop = []
    user_callback = options.pop("callback", None)

    def callback(intermediate_result):
        if stop:
            raise StopIteration
        if user_callback is not None:
            return user_callback(intermediate_result)
        return None

    dog.arm(lambda: stop.append(True))
    options.setdefault("callback_interval", 10)
    with memory_limit(nbytes):
        problem = _read(item, read_mps, Problem)
        as_read = problem.copy()  # the check runs against the problem as read
        res = problem.solve(**options, callback=callback, disp=0,
                            time_limit=_remaining(time_limit, start))
    row.update(nodes=res.get("nodes", res.get("mip_node_count")),
               lp_iterations=res.get("lp_iterations"),
               dual_bound=res.get("mip_dual_bound"), gap=res.get("mip_gap"),
               solve_time=res.get("time"))
    if res.status == 1:
        limit = "time" if dog.reason == "time" else res.get("limit")
        status = _MILP_LIMIT.get(limit, "interrupted")
    else:
        status = _MILP_STATUS.get(res.status, "other")
    row["status"] = status
    if res.status == 4:
        row["error"] = _one_line(res.message)
    if res.get("x") is None:
        return
    reason = check_milp_solution(as_read, res.x, res.fun)
    if reason is not None:
        row.update(status="failed", verified=False,
                   error=f"the solver answered {status} but {reason}")
        return
    row.update(verified=True, objective=float(res.fun))
