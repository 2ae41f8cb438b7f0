"""The Dask client a batch runs on: the user's, one connected to a
scheduler address, or a LocalCluster started and closed for the batch."""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading

__all__ = ["batch_client"]


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def _sigint_ignored():
    """Worker processes inherit an ignored SIGINT: Ctrl-C in a terminal
    reaches the whole process group, and the batch, not each worker,
    decides what an interrupt means."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def batch_client(client=None, scheduler=None, workers=None, dashboard=False):
    """The Dask client of a batch, as a context: the caller's own, one
    connected to a scheduler's address, or a LocalCluster started here and
    closed on exit.

    Parameters
    ----------
    client : distributed.Client or str, optional
        A client to use as it is (not closed on exit), or a scheduler
        address (same as ``scheduler``).
    scheduler : str, optional
        Address of a running scheduler, e.g. ``"tcp://10.0.0.1:8786"``.
    workers : int, optional
        Worker processes of the LocalCluster started when neither
        ``client`` nor ``scheduler`` is given (default: one per CPU).
    dashboard : bool
        Serve the LocalCluster's dashboard (on any free port; its address
        is ``client.dashboard_link``).

    Yields
    ------
    (client, owned) : (distributed.Client, bool)
        ``owned`` is True when the client (and its cluster) was made here.

    Notes
    -----
    A LocalCluster made here has processes of one thread each, and a
    scheduler that hands a worker one task at a time and gives up on a
    task the first time a worker dies under it: the batch counts and
    retries such tasks itself, so that ``attempts`` in the rows is exact.
    Its workers ignore SIGINT: Ctrl-C is the caller's to handle.

    Examples
    --------
    >>> from optsolve.batch import batch_client
    >>> with batch_client(workers=1) as (client, owned):  # doctest: +SKIP
    ...     client.submit(sum, [1, 2]).result(), owned
    (3, True)
    """
    if isinstance(client, str):
        client, scheduler = None, client
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ImportError("optsolve.batch needs dask.distributed: "
                          "pip install 'optsolve[dist]'") from None
    if client is not None:
        yield client, False
        return
    if scheduler is not None:
        with Client(scheduler, timeout="30s") as c:
            yield c, True
        return
    import dask

    n = workers or _cpu_count()
    # one task per worker thread at a time: a task queued on a worker that
    # dies would otherwise count as killed by it without having run
    with dask.config.set({"distributed.scheduler.worker-saturation": 1.0}), \
            _sigint_ignored():
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True,
            dashboard_address=":0",  # any free port: no clash with 8787
            scheduler_kwargs={"allowed_failures": 0, "dashboard": dashboard},
            silence_logs=logging.CRITICAL)
    try:
        with Client(cluster) as c:
            yield c, True
    finally:
        cluster.close()
