"""``solve_many``: many SAT or MILP instances on Dask, one row each."""
from __future__ import annotations

import math
import os

from optsolve._runtime import check_time_limit
from optsolve.batch._cluster import batch_client
from optsolve.batch._options import check_options, parse_portfolio
from optsolve.batch._progress import BatchProgress
from optsolve.batch._rows import open_output

__all__ = ["solve_many", "BatchResult"]

_ENGINES = ("sat", "milp")


class BatchResult(list):
    """The rows computed by :func:`solve_many` (a list of dicts, in the
    order of ``items``), with what happened to the batch.

    Attributes
    ----------
    interrupted : bool
        Ctrl-C stopped the batch; the rows finished before are here and in
        ``out``.
    skipped : int
        Instances left out because ``out`` already had their row (resume).
    remaining : int
        Instances without a row (after an interrupt).
    out : str or None
        The output file.
    """

    interrupted = False
    skipped = 0
    remaining = 0
    out = None


def _items_iv(items, engine):
    """(name, item) pairs; names are paths or ``#i`` for objects."""
    if engine == "sat":
        from optsolve.sat import CNF as kind
    else:
        from optsolve.milp import Problem as kind
    if isinstance(items, (str, os.PathLike, kind)):
        items = [items]
    pairs = items.items() if isinstance(items, dict) else None
    if pairs is None:
        try:
            items = list(items)
        except TypeError:
            raise ValueError(f"`items` must be an iterable of paths or "
                             f"{kind.__name__} objects, got {items!r}") from None
        pairs = []
        for i, item in enumerate(items):
            if isinstance(item, (str, os.PathLike)):
                pairs.append((os.fspath(item), os.fspath(item)))
            else:
                pairs.append((f"#{i}", item))
    out, seen = [], set()
    for name, item in pairs:
        if isinstance(item, os.PathLike):
            item = os.fspath(item)
        if not isinstance(item, (str, kind)):
            raise ValueError(f"`items` must contain paths or {kind.__name__} "
                             f"objects for engine={engine!r}, got "
                             f"{type(item).__name__}")
        name = str(name)
        if name in seen:
            raise ValueError(f"`items` names {name!r} twice")
        seen.add(name)
        out.append((name, item))
    return out


def _configs_iv(engine, options, portfolio):
    options = check_options(engine, options)
    if portfolio is None:
        return [("", options)]
    if isinstance(portfolio, str):
        configs = parse_portfolio(portfolio)
    else:
        try:
            configs = [(",".join(f"{k}={v}" for k, v in c.items()) or "default",
                        dict(c)) for c in portfolio]
        except (TypeError, AttributeError):
            raise ValueError("`portfolio` must be a string such as "
                             "'seed=1;seed=2,stable=0' or a list of dicts"
                             ) from None
        if not configs:
            raise ValueError("`portfolio` must name at least one configuration")
    return [(name, check_options(engine, {**options, **opts}, "portfolio"))
            for name, opts in configs]


def _count_iv(value, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, got {value!r}")
    return value


def solve_many(items, engine="sat", *, client=None, time_limit=None,
               memory_limit=None, options=None, out=None, resume=False,
               retries=2, progress=True, portfolio=None, workers=None):
    """Solve many SAT or MILP instances on Dask, one verified row each.

    A ``dask.distributed`` worker reads each instance, solves it within its
    limits, checks the answer and returns a row (a dict with the keys
    :data:`optsolve.batch.COLUMNS`). Rows are appended to ``out`` as they
    finish. Small instances share a Dask task (a chunk of about 0.25 s of
    expected work, learnt from the rows so far), each still within its own
    limits; instances of seconds have a task each.

    Parameters
    ----------
    items : iterable or dict
        Paths (DIMACS CNF for ``"sat"``, MPS for ``"milp"``), or in-memory
        :class:`~optsolve.sat.CNF` / :class:`~optsolve.milp.Problem`
        objects (named ``#0``, ``#1``, ... in the rows), or a dict
        ``{name: path or object}``.
    engine : {"sat", "milp"}
        :func:`optsolve.sat.solve` or :meth:`optsolve.milp.Problem.solve`.
    client : distributed.Client or str, optional
        The Dask client to run on, or a scheduler address to connect to.
        By default a ``LocalCluster`` is started for the call (``workers``
        processes of one thread) and closed at the end.
    time_limit : float, optional
        Seconds for each instance (reading, solving, checking). The
        engine's own limit; a solve that has not stopped a little after it
        is interrupted, and its worker is replaced if that fails too.
    memory_limit : float, optional
        Megabytes each solve may allocate; one that needs more ends with
        status ``"memout"`` and the worker goes on.
    options : dict, optional
        Solver options for every instance: for SAT the C core's options
        (:meth:`optsolve.sat.Solver.option_table`) and ``seed``,
        ``conflicts``, ``propagations``, ``strict``; for MILP the options
        of :func:`optsolve.milp`.
    out : str or path-like, optional
        Output file, ``.csv``, ``.jsonl`` or ``.parquet`` (needs pyarrow),
        or ``"-"`` for CSV on standard output. Refused if it exists,
        unless ``resume``.
    resume : bool
        Skip the instances ``out`` already has a row for, append the rest.
    retries : int
        Times an instance runs again after its worker died under it
        (SIGKILL, out of memory) before its row says ``failed``; the
        instances of its chunk that had not started run again without
        using one up, those that had finished keep their rows.
    progress : bool
        A progress bar on standard error (done/total, counts by status,
        rate, time left).
    portfolio : str or list of dict, optional
        Several configurations per instance, e.g. ``"seed=1;seed=2,stable=0"``
        (``;`` between configurations, ``,`` between ``NAME=VALUE``
        options, merged over ``options``). The first definitive answer
        (SAT/UNSAT; optimal/infeasible/unbounded) wins and the others are
        cancelled; the row's ``config`` names the winner. Answers of other
        configurations that have ended by then and disagree with it make
        the row ``failed`` (``verified`` False), naming both.
    workers : int, optional
        Worker processes of the LocalCluster started when there is no
        ``client`` (default: one per CPU).

    Returns
    -------
    BatchResult
        The rows of this call (a list of dicts in the order of ``items``,
        without the instances skipped by ``resume``), with ``interrupted``,
        ``skipped``, ``remaining`` and ``out``.

    Notes
    -----
    Every SAT model is checked against the formula and every MILP solution
    against the problem as read (bounds, rows, integrality, objective), in
    the worker: ``verified`` is True, or the row's status is ``"failed"``
    with the reason. UNSAT answers are not checked here (``verified`` is
    None): ask the SAT engine for a DRAT proof for that.

    Ctrl-C stops submitting, cancels the running tasks and returns the rows
    finished, which are already in ``out``; call again with
    ``resume=True`` to finish.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> from optsolve.sat import CNF
    >>> from optsolve.batch import solve_many
    >>> cluster = LocalCluster(n_workers=1, processes=False,
    ...                        dashboard_address=None)
    >>> client = Client(cluster)
    >>> rows = solve_many([CNF([[1, 2], [-1]]), CNF([[1], [-1]])],
    ...                   client=client, progress=False)
    >>> [(r["instance"], r["status"], r["verified"]) for r in rows]
    [('#0', 'SAT', True), ('#1', 'UNSAT', None)]
    >>> client.close(); cluster.close()
    """
    plan = prepare(items, engine, time_limit=time_limit,
                   memory_limit=memory_limit, options=options, out=out,
                   resume=resume, retries=retries, portfolio=portfolio,
                   workers=workers)
    if isinstance(client, str):
        return execute(plan, scheduler=client, progress=progress)
    return execute(plan, client=client, progress=progress)


class _Plan:
    """A validated batch, not started yet."""

    def __init__(self, **fields):
        self.__dict__.update(fields)


def prepare(items, engine="sat", *, time_limit=None, memory_limit=None,
            options=None, out=None, resume=False, retries=2, portfolio=None,
            workers=None):
    """Validate the arguments of :func:`solve_many` (ValueError naming the
    argument) before any cluster starts."""
    if engine not in _ENGINES:
        raise ValueError(f"`engine` must be 'sat' or 'milp', got {engine!r}")
    pairs = _items_iv(items, engine)
    time_limit = check_time_limit(time_limit)
    if memory_limit is not None:
        try:
            memory_limit = float(memory_limit)
        except (TypeError, ValueError):
            memory_limit = math.nan
        if not (memory_limit > 0 and math.isfinite(memory_limit)):
            raise ValueError("`memory_limit` must be a positive number of "
                             "megabytes or None")
    retries = _count_iv(retries, "retries")
    if workers is not None and (_count_iv(workers, "workers") == 0):
        raise ValueError("`workers` must be at least 1")
    configs = _configs_iv(engine, options, portfolio)
    if resume and (out is None or out == "-"):
        raise ValueError("`resume` needs an output file `out`")
    output = open_output(out, resume)
    return _Plan(engine=engine, pairs=pairs, time_limit=time_limit,
                 memory_limit=memory_limit, retries=retries, configs=configs,
                 output=output, workers=workers,
                 out=None if out is None or out == "-" else os.fspath(out))


def execute(plan, client=None, scheduler=None, progress=True):
    """Run a prepared batch; see :func:`solve_many`."""
    output = plan.output
    result = BatchResult()
    result.out = plan.out
    todo = [(n, it) for n, it in plan.pairs if n not in output.done]
    result.skipped = len(plan.pairs) - len(todo)
    rows = {}
    bar = BatchProgress(len(todo), progress, initial=result.skipped)

    def emit(row):
        output.write(row)
        rows[row["instance"]] = row
        bar.update(row)

    try:
        if todo:
            with batch_client(client, scheduler, plan.workers) as (c, _):
                from optsolve.batch._schedule import Scheduler
                run = Scheduler(c, plan.engine, plan.configs,
                                time_limit=plan.time_limit,
                                memory_limit=plan.memory_limit,
                                retries=plan.retries, emit=emit)
                result.interrupted = not run.run(todo)
    except KeyboardInterrupt:  # during the cluster's start or close
        result.interrupted = True
    finally:
        bar.close()
        output.close()
    result.extend(rows[n] for n, _ in todo if n in rows)
    result.remaining = len(todo) - len(result)
    if result.interrupted and progress:
        where = f" in {result.out}" if result.out else ""
        bar.write(f"interrupted: {len(result)} rows written{where}, "
                  f"{result.remaining} instances left; run again with "
                  f"resume=True (--resume) to finish them")
    return result
