"""Small instances share a Dask task (a chunk) without losing a guarantee:
chunk sizes follow the expected time, rows come back as each instance
ends, a worker killed mid-chunk reruns only the unfinished instances; and
a portfolio whose configurations disagree says so."""
import csv
import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest

from optsolve.batch import _task
from optsolve.batch._rows import COLUMNS, open_output
from optsolve.batch._schedule import Scheduler, _Instance, disagreement
from optsolve.milp import Problem
from optsolve.sat import CNF

_spec = importlib.util.spec_from_file_location(
    "optsolve_batch_test_gen", Path(__file__).with_name("_gen.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


class _Future:
    def __init__(self, key, value):
        self.key, self.status, self.value = key, "finished", value

    def result(self):
        return self.value


class _Client:
    """Runs each task at once, in this process, when it is submitted."""

    def __init__(self, threads=2):
        self.threads = threads
        self.cancelled = []

    def nthreads(self):
        return {f"w{i}": 1 for i in range(self.threads)}

    def submit(self, fn, *args, key, pure):
        return _Future(key, fn(*args))

    def cancel(self, futures):
        self.cancelled += futures


class _Bag(list):
    add = list.append


def _scheduler(engine="sat", configs=(("", {}),), threads=2):
    rows = []
    s = Scheduler(_Client(threads), engine, list(configs), time_limit=None,
                  memory_limit=None, retries=0, emit=rows.append)
    s.ac = _Bag()
    return s, rows


def _learnt(names_sizes, threads=2):
    """A scheduler that has seen rows of 1 ms per 100-byte instance."""
    s, _ = _scheduler(threads=threads)
    for name, size in names_sizes:
        s._put_back(_Instance(name, None, size=size))
    s.queue.reverse()
    s.rows_seen, s.seconds, s.nbytes = 10, 0.01, 1000
    return s


def test_chunks_follow_the_expected_time():
    small = [(f"s{i}", 100) for i in range(1000)]
    s = _learnt(small)
    s.rows_seen = 0
    assert len(s._take_chunk()) == 1  # before any row: one instance a task
    # about chunk_time of expected work (1 ms each) when much is left
    assert 240 <= len(_learnt(small * 4)._take_chunk()) <= 250
    # a large instance goes alone, and a chunk stops before it
    s = _learnt([("big", 10**6)] + small)
    assert [i.name for i in s._take_chunk()] == ["big"]
    s = _learnt(small[:5] + [("big", 10**6)] + small[5:])
    assert len(s._take_chunk()) == 5
    # near the end, a quarter of a thread's share of the work left ...
    assert 45 <= len(_learnt(small[:400])._take_chunk()) <= 50
    # ... but not below min_chunk_time
    assert 18 <= len(_learnt(small[:60])._take_chunk()) <= 20
    # an instance that was running when its worker died is never chunked
    s = _learnt(small * 4)
    s.queue[0].alone = True
    s.queue[3].alone = True
    assert [len(s._take_chunk()) for _ in range(3)] == [1, 2, 1]
    s.max_chunk = 3
    assert len(s._take_chunk()) == 3


def test_a_chunk_runs_its_instances_each_in_its_own_limits():
    hard = gen.pigeonhole(9)
    entries = [("a", CNF([[1]])), ("hard", hard), ("b", CNF([[1], [-1]])),
               ("bad", "no/such/file.cnf")]
    rows = _task.run_chunk("batch", entries, "sat", time_limit=0.2)
    by = {r["instance"]: r for r in rows}
    assert [r["instance"] for r in rows] == ["a", "hard", "b", "bad"]
    assert by["a"]["status"] == "SAT" and by["a"]["verified"] is True
    assert by["hard"]["status"] == "UNKNOWN" and by["hard"]["wall_time"] < 2
    assert by["b"]["status"] == "UNSAT"
    assert by["bad"]["status"] == "failed" and "no/such/file.cnf" in by["bad"]["error"]


class _FixedChunks(Scheduler):
    """Chunks of a fixed size, whatever the expected times."""
    size = 5

    def _take_chunk(self):
        chunk = [self._take()]
        while self.queue and len(chunk) < self.size and not chunk[0].alone \
                and not self.queue[0].alone:
            chunk.append(self._take())
        return chunk


def test_worker_killed_mid_chunk_reruns_only_its_unfinished_instances(
        tmp_path, idle_client):
    names = ["a0", "a1", "php", "b0", "b1"]
    items = {n: gen.random_3sat(40, 4.0, seed=i) for i, n in enumerate(names)}
    items["php"] = gen.pigeonhole(11)
    out = open_output(tmp_path / "rows.csv")
    rows = []

    def emit(row):
        out.write(row)
        rows.append(row)

    s = _FixedChunks(idle_client, "sat", [("", {})], time_limit=1.5,
                     memory_limit=None, retries=2, emit=emit)
    killed, done = [], threading.Event()
    killer = threading.Thread(target=gen.kill_worker_running,
                              args=(idle_client, killed, done), daemon=True)
    killer.start()
    try:
        assert s.run([(n, items[n]) for n in names])
    finally:
        done.set()
        killer.join()
        out.close()
    assert killed
    by = {r["instance"]: r for r in rows}
    assert sorted(by) == sorted(names) and len(rows) == len(names)
    with open(tmp_path / "rows.csv", newline="") as f:
        lines = list(csv.reader(f))
    assert tuple(lines[0]) == COLUMNS
    assert sorted(r[0] for r in lines[1:]) == sorted(names)  # none twice
    # the rows finished before the kill came from the killed worker and
    # were not run again; the running instance ran once more; the ones
    # after it had not started and used no attempt
    assert by["a0"]["worker"] == by["a1"]["worker"] == killed[0]
    assert {n: by[n]["attempts"] for n in names} == {
        "a0": 1, "a1": 1, "php": 2, "b0": 1, "b1": 1}
    assert by["php"]["worker"] != killed[0]
    for n in names:
        expected = "UNKNOWN" if n == "php" else gen.pysat_answer(items[n])
        assert by[n]["status"] == expected, by[n]
    idle_client.wait_for_workers(2, timeout=30)


def _broken(monkeypatch, engine, wrong):
    """A fake engine hook: the configuration whose options satisfy
    ``wrong`` answers falsely (the others solve)."""
    name = "_solve_sat" if engine == "sat" else "_solve_milp"
    real = getattr(_task, name)

    def solve(item, row, options, *args):
        bad = wrong(options)
        real(item, row, options, *args)
        if bad and engine == "sat":
            row.update(status="UNSAT", verified=None, model_hash=None)
        elif bad:
            row["objective"] += 5.0
    monkeypatch.setattr(_task, name, solve)


@pytest.mark.parametrize("broken_first", [False, True])
def test_a_portfolio_whose_sat_answers_disagree_fails(monkeypatch, broken_first):
    _broken(monkeypatch, "sat", lambda o: o.get("seed") == 2)
    configs = [("seed=1", {"seed": 1}), ("seed=2", {"seed": 2})]
    s, rows = _scheduler("sat", configs)
    s._put_back(_Instance("x", gen.random_3sat(30, 3.0, seed=4)))
    s._fill()
    first = s.ac[1] if broken_first else s.ac[0]
    s._complete(first, first.result())
    row, = rows
    assert row["status"] == "failed" and row["verified"] is False
    assert row["error"] == ("configurations disagree: seed=2 answered UNSAT, "
                            "seed=1 answered SAT" if broken_first else
                            "configurations disagree: seed=1 answered SAT, "
                            "seed=2 answered UNSAT")


def test_a_portfolio_that_agrees_reports_the_first_answer(monkeypatch):
    _broken(monkeypatch, "sat", lambda o: False)
    configs = [("seed=1", {"seed": 1}), ("seed=2", {"seed": 2})]
    s, rows = _scheduler("sat", configs)
    s._put_back(_Instance("x", gen.random_3sat(30, 3.0, seed=4)))
    s._fill()
    s._complete(s.ac[1], s.ac[1].result())
    row, = rows
    assert (row["status"], row["verified"], row["config"], row["error"]) == (
        "SAT", True, "seed=2", None)


def test_a_portfolio_whose_optimal_objectives_disagree_fails(monkeypatch):
    _broken(monkeypatch, "milp", lambda o: o.get("node_limit") == 10**6)
    configs = [("default", {}), ("node_limit=1000000", {"node_limit": 10**6})]
    s, rows = _scheduler("milp", configs)
    s._put_back(_Instance("k", gen.knapsack_problem(3)))
    s._fill()
    s._complete(s.ac[0], s.ac[0].result())
    row, = rows
    assert row["status"] == "failed" and row["verified"] is False
    assert row["error"].startswith("configurations disagree: default answered "
                                   "optimal")
    assert row["objective"] is None


def test_disagreement_within_the_configurations_gaps():
    def opt(config, objective):
        return {"status": "optimal", "config": config, "objective": objective}
    assert disagreement([opt("a", 100.0), opt("b", 100.005)]) is None
    assert disagreement([opt("a", 100.0), opt("b", 100.5)]) is not None
    # a configuration that asked for a 1% gap may be 1% off
    assert disagreement([opt("a", 100.0), opt("b", 100.5)],
                        {"b": (0.01, 0.0)}) is None
    assert disagreement([opt("a", 1.0), {"status": "infeasible",
                                         "config": "b"}]) is not None
    # limits are not answers
    assert disagreement([opt("a", 1.0), {"status": "time_limit",
                                         "config": "b"}]) is None
    assert disagreement([{"status": "SAT", "config": "a"},
                         {"status": "SAT", "config": "b"}]) is None


def test_milp_problem_size():
    from optsolve.batch._schedule import _size
    p = Problem(c=[1, 1], A=[[1, 1]], row_upper=[1])
    assert _size(p) > 0 and _size(CNF([[1, 2]])) == 8


def test_a_row_that_cannot_be_written_stops_the_batch(idle_client):
    # rows of a chunk are written in Dask's event loop: an error there
    # (a full disk) must reach the caller, not vanish in Dask's log
    def emit(row):
        raise OSError("No space left on device")

    s = _FixedChunks(idle_client, "sat", [("", {})], time_limit=None,
                     memory_limit=None, retries=0, emit=emit)
    with pytest.raises(OSError, match="No space left"):
        s.run([(f"c{i}", CNF([[i + 1]])) for i in range(5)])


def _stuck_on_large_objectives(intermediate_result):
    # ignores its interrupt on the knapsack only (objective about -600)
    if intermediate_result.mip_dual_bound < -50:
        import time
        time.sleep(120)


def test_a_solve_killed_by_its_watchdog_in_a_chunk(idle_client):
    small = Problem(c=[1, 1], A=[[1, 1]], row_lower=[1], row_upper=[np.inf],
                    lb=0, ub=3, integrality=1)
    names = ["small0", "stuck", "small1"]
    items = {"small0": small, "stuck": gen.knapsack_problem(0, n=30),
             "small1": small}
    idle_client.run(_load_milp)  # the limit is not for loading the engine
    rows = []
    s = _FixedChunks(idle_client, "milp", [("", {
        "callback": _stuck_on_large_objectives, "callback_interval": 1})],
        time_limit=0.5, memory_limit=None, retries=2, emit=rows.append)
    assert s.run([(n, items[n]) for n in names])
    by = {r["instance"]: r for r in rows}
    assert sorted(by) == sorted(names) and len(rows) == 3
    assert by["stuck"]["status"] == "time_limit"
    assert "ignored its interrupt" in by["stuck"]["error"]
    # the instance before it kept its row, the one after it had not started
    assert by["small0"]["status"] == by["small1"]["status"] == "optimal"
    assert by["small0"]["objective"] == by["small1"]["objective"] == 1.0
    assert all(r["attempts"] == 1 for r in rows)
    assert by["small0"]["worker"] != by["small1"]["worker"]
    idle_client.wait_for_workers(2, timeout=30)


def _load_milp():
    gen.knapsack_problem(1).solve()


def test_one_task_a_thread_until_the_first_row():
    s, _ = _scheduler(threads=2)
    for i in range(100):
        s._put_back(_Instance(f"c{i}", CNF([[1]]), size=8))
    s._fill()
    assert len(s.tasks) == 2 and len(s.ac) == 2
    s.rows_seen, s.seconds, s.nbytes = 2, 0.2, 16  # 0.1 s each: 2 a chunk
    s._fill()
    assert len(s.tasks) == s.window == 4 * 2 + 8
    assert sum(len(t.insts) for t in s.tasks.values()) > s.window
