"""solve_many on a 2-process LocalCluster: every answer checked against an
independent solver (PySAT's MiniSat for SAT, scipy.optimize.milp for MILP)."""
import csv
import importlib.util
import json
from pathlib import Path

import pytest

from optsolve.batch import COLUMNS, solve_many
from optsolve.milp import Problem, read_mps
from optsolve.sat import CNF, read_dimacs

_spec = importlib.util.spec_from_file_location(
    "optsolve_batch_test_gen", Path(__file__).with_name("_gen.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_mixed_cnfs_match_pysat(tmp_path, idle_client):
    items = {}
    for i, (n, ratio) in enumerate([(30, 3.0), (40, 4.26), (50, 4.26), (50, 4.26),
                                    (60, 4.3), (40, 5.5), (60, 5.0), (20, 2.0)]):
        path = tmp_path / f"r{i}.cnf"
        gen.random_3sat(n, ratio, seed=i).to_dimacs(path)
        items[str(path)] = str(path)
    items["php5"] = gen.pigeonhole(5)           # in memory, UNSAT
    items["empty"] = CNF([], nvars=3)           # no clauses: SAT
    out = tmp_path / "rows.csv"
    rows = solve_many(items, "sat", client=idle_client, out=out, progress=False)
    assert [r["instance"] for r in rows] == list(items)
    statuses = set()
    for row in rows:
        item = items[row["instance"]]
        cnf = read_dimacs(item) if isinstance(item, str) else item
        assert row["status"] == gen.pysat_answer(cnf), row
        assert row["verified"] is (True if row["status"] == "SAT" else None)
        assert (row["model_hash"] is not None) == (row["status"] == "SAT")
        assert row["attempts"] == 1 and row["worker"].startswith("tcp://")
        assert row["conflicts"] >= 0 and row["wall_time"] > 0
        statuses.add(row["status"])
    assert statuses == {"SAT", "UNSAT"}
    written = read_rows(out)
    assert tuple(written[0]) == COLUMNS
    assert sorted(r["instance"] for r in written) == sorted(items)
    assert {r["worker"] for r in written} == {r["worker"] for r in rows}


def test_milps_match_scipy(tmp_path, idle_client):
    problems = [gen.knapsack_problem(s) for s in range(4)]
    problems += [gen.mixed_problem(s) for s in range(6)]
    infeasible = Problem(c=[1, 1], A=[[1, 1]], row_lower=[2.5], row_upper=[2.7],
                         lb=0, ub=5, integrality=1)
    problems.append(infeasible)
    items = {}
    for i, p in enumerate(problems):
        if i % 2:
            path = tmp_path / f"p{i}.mps"
            p.write_mps(path)
            items[str(path)] = str(path)
        else:
            items[f"mem{i}"] = p
    out = tmp_path / "rows.jsonl"
    rows = solve_many(items, "milp", client=idle_client, out=out,
                      progress=False, time_limit=60)
    seen = set()
    for row in rows:
        item = items[row["instance"]]
        problem = read_mps(item) if isinstance(item, str) else item
        ref = gen.scipy_reference(problem)
        if ref.status == 2:
            assert row["status"] == "infeasible" and row["objective"] is None
            continue
        assert ref.status == 0
        assert row["status"] == "optimal" and row["verified"] is True, row
        assert row["objective"] == pytest.approx(ref.fun, rel=1e-6, abs=1e-6)
        assert row["nodes"] >= 0 and row["error"] is None
        seen.add(row["instance"])
    assert len(seen) == len(problems) - 1
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["instance"] for r in lines) == sorted(items)
    assert all(tuple(r) == COLUMNS for r in lines)


def test_malformed_files_give_failed_rows(tmp_path, idle_client):
    good = tmp_path / "good.cnf"
    CNF([[1, 2], [-1]]).to_dimacs(good)
    bad = tmp_path / "bad.cnf"
    bad.write_text("p cnf 2 1\n1 two 0\n")
    missing = tmp_path / "missing.cnf"
    rows = solve_many([good, bad, missing], client=idle_client, progress=False)
    by = {r["instance"]: r for r in rows}
    assert by[str(good)]["status"] == "SAT"
    assert by[str(bad)]["status"] == "failed"
    assert by[str(bad)]["error"] == f"{bad}:2: invalid token 'two'"
    assert by[str(missing)]["status"] == "failed"
    assert "No such file" in by[str(missing)]["error"]
    bad_mps = tmp_path / "bad.mps"
    bad_mps.write_text("NAME x\nROWS\n N obj\nCOLUMNS\n    x obj abc\nENDATA\n")
    row, = solve_many([bad_mps], "milp", client=idle_client, progress=False)
    assert row["status"] == "failed" and row["error"].startswith(f"{bad_mps}:5")


def test_resume_gives_one_row_per_instance(tmp_path, idle_client):
    paths = []
    for i in range(6):
        p = tmp_path / f"r{i}.cnf"
        gen.random_3sat(30, 4.0, seed=100 + i).to_dimacs(p)
        paths.append(str(p))
    out = tmp_path / "rows.csv"
    first = solve_many(paths[:3], client=idle_client, out=out, progress=False)
    assert len(first) == 3
    # a batch killed while writing leaves an unfinished last line
    with open(out, "a") as f:
        f.write(f"{paths[3]},sat,SA")
    with pytest.raises(ValueError, match="`out`.*exists"):
        solve_many(paths, client=idle_client, out=out, progress=False)
    rest = solve_many(paths, client=idle_client, out=out, resume=True,
                      progress=False)
    assert rest.skipped == 3 and [r["instance"] for r in rest] == paths[3:]
    written = read_rows(out)
    assert sorted(r["instance"] for r in written) == sorted(paths)
    assert all(r["status"] in ("SAT", "UNSAT") for r in written)
    again = solve_many(paths, client=idle_client, out=out, resume=True,
                       progress=False)
    assert len(again) == 0 and again.skipped == 6
    assert len(read_rows(out)) == 6


def test_portfolio_first_definitive_answer_wins(tmp_path, idle_client):
    cnfs = {f"r{i}": gen.random_3sat(60, 4.26, seed=200 + i) for i in range(4)}
    # one conflict is too few to decide these: that configuration never wins
    rows = solve_many(cnfs, client=idle_client, progress=False,
                      portfolio="conflicts=1;seed=2,stable=0")
    assert [r["instance"] for r in rows] == list(cnfs)
    for row in rows:
        assert row["config"] == "seed=2,stable=0"
        assert row["status"] == gen.pysat_answer(cnfs[row["instance"]])
    # no configuration decides: the row says so and names one of them
    row, = solve_many([gen.pigeonhole(7)], client=idle_client, progress=False,
                      portfolio=[{"conflicts": 1}, {"conflicts": 2}])
    assert row["status"] == "UNKNOWN" and row["config"] in ("conflicts=1",
                                                            "conflicts=2")
    assert "conflicts limit" in row["error"]


def test_time_limit_gives_unknown(idle_client):
    row, = solve_many([gen.pigeonhole(11)], client=idle_client, progress=False,
                      time_limit=0.5)
    assert row["status"] == "UNKNOWN" and row["error"] == "stopped by the time limit"
    assert row["wall_time"] < 5


def test_sat_options_reach_the_solver(idle_client):
    cnf = gen.random_3sat(60, 4.26, seed=7)
    a, b = solve_many({"a": cnf, "b": cnf}, client=idle_client, progress=False,
                      options={"seed": 5, "stable": 0})
    c, = solve_many({"c": cnf}, client=idle_client, progress=False)
    assert a["status"] == b["status"] == c["status"]
    # the same options give the same search, other options another one
    assert a["conflicts"] == b["conflicts"]
    assert (a["conflicts"], a["decisions"]) != (c["conflicts"], c["decisions"])


def test_scheduler_address_and_milp_portfolio(idle_client):
    problem = gen.mixed_problem(3)
    ref = gen.scipy_reference(problem)
    row, = solve_many({"p": problem}, "milp", client=idle_client.scheduler.address,
                      progress=False, time_limit=60,
                      portfolio="branching=mostinf;branching=pscost")
    assert row["config"] in ("branching=mostinf", "branching=pscost")
    if ref.status == 0:
        assert row["status"] == "optimal" and row["verified"] is True
        assert row["objective"] == pytest.approx(ref.fun, rel=1e-6, abs=1e-6)
    else:
        assert row["status"] == "infeasible"


def test_many_small_instances_share_tasks(tmp_path, idle_client):
    from optsolve.batch._limits import START_TOPIC
    cnfs = {f"s{i}": gen.random_3sat(20, 3.0 + (i % 3), seed=300 + i)
            for i in range(300)}
    before = len(idle_client.get_events(START_TOPIC))
    out = tmp_path / "rows.jsonl"
    rows = solve_many(cnfs, client=idle_client, out=out, progress=False)
    tasks = len(idle_client.get_events(START_TOPIC)) - before
    assert [r["instance"] for r in rows] == list(cnfs)
    for row in rows:
        assert row["status"] == gen.pysat_answer(cnfs[row["instance"]])
        assert row["attempts"] == 1
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert sorted(r["instance"] for r in lines) == sorted(cnfs)
    # one task per instance at first, until their time is known
    assert tasks < len(cnfs) / 3, tasks


def test_parquet_output_and_resume(tmp_path, idle_client):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    cnfs = {f"r{i}": gen.random_3sat(30, 4.0, seed=400 + i) for i in range(4)}
    out = tmp_path / "rows.parquet"
    solve_many(dict(list(cnfs.items())[:2]), client=idle_client, out=out,
               progress=False)
    rest = solve_many(cnfs, client=idle_client, out=out, resume=True,
                      progress=False)
    assert rest.skipped == 2 and len(rest) == 2
    table = pq.read_table(out)
    assert table.column_names == list(COLUMNS)
    assert sorted(table.column("instance").to_pylist()) == sorted(cnfs)
    assert not (tmp_path / "rows.parquet.jsonl").exists()


def test_batch_client_by_address_is_owned_and_closed(idle_client):
    from optsolve.batch import batch_client
    from optsolve.batch._cluster import batch_client as private
    assert private is batch_client  # the old name still works
    with batch_client(idle_client.scheduler.address) as (c, owned):
        assert owned and c is not idle_client
        assert c.submit(sum, [1, 2]).result() == 3
    assert c.status == "closed"
    with batch_client(idle_client) as (c, owned):
        assert c is idle_client and not owned
    assert idle_client.status == "running"
