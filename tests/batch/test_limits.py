"""Limits that hold: memory (memout, the worker goes on), a worker killed
mid-task (retried, nothing lost, nothing twice), a solve that ignores its
interrupt (its worker is replaced), Ctrl-C (running tasks stop)."""
import importlib.util
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from optsolve.batch import solve_many
from optsolve.sat import CNF

_spec = importlib.util.spec_from_file_location(
    "optsolve_batch_test_gen", Path(__file__).with_name("_gen.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def test_memory_limit_gives_memout_and_the_batch_goes_on(tmp_path, idle_client):
    big = tmp_path / "big.cnf"
    rng = np.random.default_rng(0)
    lits = rng.integers(1, 5000, (200_000, 3)) * np.where(
        rng.random((200_000, 3)) < 0.5, -1, 1)
    CNF.from_arrays(lits.ravel(), np.arange(0, lits.size + 1, 3)).to_dimacs(big)
    small = {f"s{i}": gen.random_3sat(40, 4.0, seed=i) for i in range(4)}
    items = {"big": str(big), **small}
    rows = solve_many(items, client=idle_client, memory_limit=2, progress=False)
    by = {r["instance"]: r for r in rows}
    assert by["big"]["status"] == "memout"
    assert "memory limit of 2 MB" in by["big"]["error"]
    for name, cnf in small.items():
        assert by[name]["status"] == gen.pysat_answer(cnf)
    # the worker that hit the limit survived and its limit was lifted
    assert all(r["attempts"] == 1 for r in rows)
    row, = solve_many({"big": str(big)}, client=idle_client, progress=False,
                      options={"conflicts": 1})
    assert row["status"] in ("UNKNOWN", "SAT", "UNSAT")


def test_worker_killed_mid_task_is_retried(tmp_path, idle_client):
    items = {"php": gen.pigeonhole(11)}
    items.update({f"s{i}": gen.random_3sat(40, 4.0, seed=i) for i in range(3)})
    out = tmp_path / "rows.csv"
    killed, done = [], threading.Event()
    killer = threading.Thread(target=gen.kill_worker_running,
                              args=(idle_client, killed, done), daemon=True)
    killer.start()
    try:
        rows = solve_many(items, client=idle_client, out=out, progress=False,
                          time_limit=1.5)
    finally:
        done.set()
        killer.join()
    assert killed
    assert sorted(r["instance"] for r in rows) == sorted(items)
    attempts = {r["instance"]: r["attempts"] for r in rows}
    assert attempts == {"php": 2, "s0": 1, "s1": 1, "s2": 1}
    lines = out.read_text().splitlines()[1:]
    assert sorted(line.split(",")[0] for line in lines) == sorted(items)
    for r in rows:
        expected = "UNKNOWN" if r["instance"] == "php" else gen.pysat_answer(items[r["instance"]])
        assert r["status"] == expected, r
    idle_client.wait_for_workers(2, timeout=30)


def test_worker_killed_too_often_gives_failed_row(idle_client):
    killed, done = [], threading.Event()
    killer = threading.Thread(target=gen.kill_worker_running,
                              args=(idle_client, killed, done), daemon=True)
    killer.start()
    try:
        row, = solve_many([gen.pigeonhole(11)], client=idle_client,
                          progress=False, time_limit=1.5, retries=0)
    finally:
        done.set()
        killer.join()
    assert row["status"] == "failed" and row["attempts"] == 1
    assert "worker running it died 1 times" in row["error"]
    idle_client.wait_for_workers(2, timeout=30)


def _solve_a_milp():
    gen.knapsack_problem(1).solve()


def test_solve_ignoring_its_interrupt_is_killed(idle_client):
    def stuck(intermediate_result):  # a callback that never returns in time
        time.sleep(120)

    problem = gen.knapsack_problem(0, n=30)
    # a worker started by an earlier test loads the MILP engine first: the
    # limit would end the solve before its first callback
    idle_client.run(_solve_a_milp)
    t0 = time.monotonic()
    row, = solve_many([problem], "milp", client=idle_client, progress=False,
                      time_limit=0.5, options={"callback": stuck,
                                               "callback_interval": 1})
    assert row["status"] == "time_limit"
    assert "ignored its interrupt" in row["error"]
    assert time.monotonic() - t0 < 30
    idle_client.wait_for_workers(2, timeout=30)


def test_ctrl_c_cancels_running_tasks(tmp_path, idle_client):
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("needs the main thread")
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    items = {f"php{i}": gen.pigeonhole(11) for i in range(4)}
    items["easy"] = CNF([[1]])
    out = tmp_path / "rows.jsonl"
    timer = threading.Timer(1.5, signal.raise_signal, (signal.SIGINT,))
    timer.start()
    try:
        t0 = time.monotonic()
        rows = solve_many(items, client=idle_client, out=out, progress=False,
                          time_limit=60)
        stopped = time.monotonic() - t0
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    assert rows.interrupted and stopped < 10
    assert rows.remaining == len(items) - len(rows)
    assert len(out.read_text().splitlines()) == len(rows)
    # the cancelled solves stop in their workers (interrupt, not the limit)
    deadline = time.monotonic() + 5
    while any(idle_client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(idle_client.processing().values())


@pytest.mark.parametrize("where", ["call", "in-process worker"])
def test_a_stuck_solve_never_ends_the_callers_process(where):
    # the watchdog's os._exit ended the caller's interpreter when no Nanny
    # runs the worker: a direct run_task, or LocalCluster(processes=False)
    # as in solve_many's example
    import subprocess
    import sys
    import textwrap
    code = textwrap.dedent(f"""
        import time, warnings
        warnings.simplefilter("ignore")
        from optsolve.batch import solve_many
        from optsolve.batch._task import run_task
        from optsolve.milp import Problem

        def stuck(intermediate_result):   # ignores the interrupt a while
            time.sleep(4.0)               # past the kill at 0.5 + 2 * 1.025 s

        p = Problem(c=[-1, -1], A=[[1, 2]], row_upper=[2.5], lb=0, ub=1,
                    integrality=1)
        opts = {{"callback": stuck, "callback_interval": 1}}
        p.solve()                         # kernels loaded: the callback runs
        import distributed                # its import is not in the limit
        t0 = time.monotonic()
        if {where!r} == "call":
            row = run_task("p", p, "milp", time_limit=0.5, options=opts)
        else:
            from distributed import Client, LocalCluster
            with LocalCluster(n_workers=1, processes=False,
                              dashboard_address=None) as cluster, \\
                    Client(cluster) as client:
                row, = solve_many([p], "milp", client=client, progress=False,
                                  time_limit=0.5, options=opts)
        print(time.monotonic() - t0 > 3.5, "alive", row["status"])
    """)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert p.stdout.split()[-3:] == ["True", "alive", "time_limit"], p.stdout


def test_overlapping_memory_limits_restore_the_process_limit():
    # two solves of one worker process (threads) ending out of order left
    # the process with the first one's lowered RLIMIT_AS for good
    import resource

    from optsolve.batch._limits import memory_limit
    before = resource.getrlimit(resource.RLIMIT_AS)
    a, b = memory_limit(2**30), memory_limit(2**30)
    try:
        a.__enter__()
        b.__enter__()
        during = resource.getrlimit(resource.RLIMIT_AS)[0]
        a.__exit__(None, None, None)
        assert resource.getrlimit(resource.RLIMIT_AS)[0] <= during
        b.__exit__(None, None, None)
        after = resource.getrlimit(resource.RLIMIT_AS)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)  # the suite goes on
    assert after == before


def test_ctrl_c_during_chunks_keeps_each_row_once(tmp_path, idle_client):
    import csv
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("needs the main thread")
    php = gen.pigeonhole(9)  # about 10 ms each with 1000 conflicts
    items = {f"p{i}": php for i in range(500)}
    out = tmp_path / "rows.csv"
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    done = threading.Event()

    def interrupt_after_some_rows():
        while not done.is_set():
            if out.exists() and len(out.read_text().splitlines()) > 20:
                signal.raise_signal(signal.SIGINT)
                return
            time.sleep(0.01)

    watcher = threading.Thread(target=interrupt_after_some_rows, daemon=True)
    watcher.start()
    try:
        rows = solve_many(items, client=idle_client, out=out, progress=False,
                          options={"conflicts": 1000})
    finally:
        done.set()
        watcher.join()
        signal.signal(signal.SIGINT, previous)
    assert rows.interrupted and 0 < len(rows) < len(items)

    def written():
        with open(out, newline="") as f:
            return [r["instance"] for r in csv.DictReader(f)]
    assert sorted(written()) == sorted(r["instance"] for r in rows)
    rest = solve_many(items, client=idle_client, out=out, resume=True,
                      progress=False, options={"conflicts": 1000})
    assert not rest.interrupted and rest.skipped == len(rows)
    assert sorted(written()) == sorted(items)
    assert all(r["status"] == "UNKNOWN" for r in rows + rest)
