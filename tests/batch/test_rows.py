"""Validation at the door, option syntax, output files, the in-worker
checks; no cluster needed."""
import json

import numpy as np
import pytest

from optsolve.batch import COLUMNS, solve_many
from optsolve.batch._options import parse_option_tokens, parse_portfolio
from optsolve.batch._rows import blank_row, open_output
from optsolve.batch._task import run_task
from optsolve.batch._verify import check_milp_solution, check_model
from optsolve.milp import Problem
from optsolve.sat import CNF


@pytest.mark.parametrize("kwargs, match", [
    (dict(engine="smt"), "`engine` must be 'sat' or 'milp'"),
    (dict(time_limit=-1), "`time_limit` must be non-negative"),
    (dict(memory_limit=0), "`memory_limit` must be a positive"),
    (dict(memory_limit="lots"), "`memory_limit` must be a positive"),
    (dict(retries=-1), "`retries` must be a non-negative integer"),
    (dict(retries=1.5), "`retries` must be a non-negative integer"),
    (dict(workers=0), "`workers` must be at least 1"),
    (dict(options={"tier1": 10**6}), "option 'tier1' must be an integer in"),
    (dict(options={"time_limit": 3}), "'time_limit' is set by the batch"),
    (dict(options={"seed": -1}), "'seed' must be an integer >= 0"),
    (dict(portfolio=""), "`portfolio` must be a non-empty string"),
    (dict(portfolio="seed=1;seed=1"), "repeats the configuration 'seed=1'"),
    (dict(portfolio="nosuch=1"), "unknown option 'nosuch'"),
    (dict(out="r.txt"), "`out` must end in .csv, .jsonl or .parquet"),
    (dict(resume=True), "`resume` needs an output file"),
])
def test_arguments_checked_before_any_cluster(kwargs, match):
    with pytest.raises(ValueError, match=match):
        solve_many([CNF([[1]])], **kwargs)


def test_items_checked():
    with pytest.raises(ValueError, match="names 'a' twice"):
        solve_many(["a", "a"])
    with pytest.raises(ValueError, match="paths or CNF objects"):
        solve_many([Problem(c=[1])], "sat")
    with pytest.raises(ValueError, match="paths or Problem objects"):
        solve_many([CNF([[1]])], "milp")
    with pytest.raises(ValueError, match="`options`: .*unknown keys"):
        solve_many([Problem(c=[1])], "milp", options={"nosuch": 1})
    assert solve_many([], progress=False) == []


def test_parquet_without_pyarrow_is_a_one_line_error(tmp_path, monkeypatch,
                                                     capsys):
    import sys

    from optsolve.cli import main
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    with pytest.raises(ValueError, match="^`out`: Parquet output needs "
                                         "pyarrow \\(pip install pyarrow\\)"):
        solve_many([CNF([[1]])], out=tmp_path / "r.parquet")
    CNF([[1]]).to_dimacs(tmp_path / "a.cnf")
    code = main(["batch", "sat", str(tmp_path / "a.cnf"),
                 "--out", str(tmp_path / "r.parquet")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith("optsolve batch: error: --out: Parquet output "
                          "needs pyarrow"), err
    assert not (tmp_path / "r.parquet").exists()


def test_parquet_rows(tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq
    out = open_output(tmp_path / "r.parquet")
    row = blank_row("x", "sat")
    row.update(status="SAT", verified=True, wall_time=0.5, conflicts=3)
    out.write(row)
    out.close()
    table = pq.read_table(tmp_path / "r.parquet")
    assert table.column_names == list(COLUMNS)
    assert table.to_pylist() == [row]


def test_option_syntax():
    assert parse_option_tokens(["--seed", "3", "--stable=0", "--node-limit",
                                "10", "--cuts", "false", "--heuristics"]) == {
        "seed": 3, "stable": 0, "node_limit": 10, "cuts": False,
        "heuristics": True}
    with pytest.raises(ValueError, match="--NAME VALUE"):
        parse_option_tokens(["seed", "3"])
    assert parse_portfolio("seed=1; seed=2,stable=0 ;default") == [
        ("seed=1", {"seed": 1}), ("seed=2,stable=0", {"seed": 2, "stable": 0}),
        ("default", {})]
    with pytest.raises(ValueError, match="'seed' in 'seed' must read NAME=VALUE"):
        parse_portfolio("seed")


def test_jsonl_rows_are_one_line_and_json(tmp_path):
    path = tmp_path / "r.jsonl"
    out = open_output(path)
    row = blank_row("a", "milp")
    row.update(status="failed", error="two\nlines", gap=float("inf"))
    out.write(row)
    out.close()
    line, = path.read_text().splitlines()
    data = json.loads(line)
    assert list(data) == list(COLUMNS)
    assert data["error"] == "two lines" and data["gap"] is None
    again = open_output(path, resume=True)
    assert again.done == {"a"}
    again.close()


def test_resume_refuses_a_foreign_file(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="other columns"):
        open_output(path, resume=True)


def test_model_check_finds_every_kind_of_wrong_model():
    cnf = CNF([[1, -2], [2, 3], [-1, -3]])
    assert check_model(cnf, [1, 2, -3]) is None
    assert "clause 3 (-1 -3)" in check_model(cnf, [1, 2, 3])
    assert "exactly once" in check_model(cnf, [1, 2])
    assert "exactly once" in check_model(cnf, [1, 1, -3])
    assert "clause 1 ()" in check_model(CNF([[]], nvars=1), [1])


def test_milp_check():
    p = Problem(c=[1, 2], A=[[1, 1]], row_lower=[2], row_upper=[np.inf],
                lb=[0, 0], ub=[3, 3], integrality=[1, 0], offset=1.0)
    assert check_milp_solution(p, [2.0, 0.0], 3.0) is None
    assert "rows" in check_milp_solution(p, [1.0, 0.0], 2.0)
    assert "bounds" in check_milp_solution(p, [4.0, -2.0], 1.0)
    assert "integrality" in check_milp_solution(p, [1.5, 0.5], 3.5)
    assert "objective reported" in check_milp_solution(p, [2.0, 0.0], 2.0)
    assert "entries" in check_milp_solution(p, [2.0], 3.0)


def test_a_wrong_sat_answer_is_never_a_success(monkeypatch):
    from optsolve.sat import _solver

    cnf = CNF([[1, 2], [-1, 2]])
    row = run_task("x", cnf, "sat")
    assert row["status"] == "SAT" and row["verified"] is True
    monkeypatch.setattr(_solver.Solver, "get_model", lambda self: [1, -2])
    row = run_task("x", cnf, "sat")
    assert row["status"] == "failed" and row["verified"] is False
    assert row["error"] == ("the solver answered SAT but clause 2 (-1 2) is "
                            "false under the model")
    assert row["model_hash"] is None


def test_a_wrong_milp_answer_is_never_a_success(monkeypatch):
    p = Problem(c=[-1, -1], A=[[1, 1]], row_lower=[-np.inf], row_upper=[1.5],
                lb=0, ub=1, integrality=1)
    row = run_task("p", p, "milp")
    assert (row["status"], row["verified"], row["objective"]) == ("optimal", True, -1.0)
    real = Problem.solve

    def wrong(self, **options):
        res = real(self, **options)
        res.x = np.array([1.0, 1.0])
        res.fun = -2.0
        return res

    monkeypatch.setattr(Problem, "solve", wrong)
    row = run_task("p", p, "milp")
    assert row["status"] == "failed" and row["verified"] is False
    assert "answered optimal but x violates rows by 0.5" in row["error"]


def test_memout_in_process():
    # the limit is relative to the process's size now; 1 MB cannot hold
    # this formula's arrays
    cnf = CNF.from_arrays(np.arange(1, 600_001), np.arange(0, 600_001, 3))
    row = run_task("big", cnf, "sat", memory_limit_mb=1)
    assert row["status"] == "memout" and "1 MB" in row["error"]
    row = run_task("big", cnf, "sat", options={"conflicts": 1})
    assert row["status"] in ("SAT", "UNKNOWN")
    # in a chunk, the instances after a memout run within their own limits
    from optsolve.batch._task import run_chunk
    rows = run_chunk("b", [("big", cnf), ("small", CNF([[1, -2], [2]]))],
                     "sat", memory_limit_mb=1)
    assert [r["status"] for r in rows] == ["memout", "SAT"]
    assert rows[1]["verified"] is True


def test_out_of_memory_without_a_limit_is_a_memout_row(monkeypatch):
    # MemoryError with no memory_limit once escaped run_task as a TypeError
    from optsolve.sat import _solver

    def boom(self, formula):
        raise MemoryError

    monkeypatch.setattr(_solver.Solver, "append_formula", boom)
    row = run_task("x", CNF([[1]]), "sat")
    assert row["status"] == "memout" and row["verified"] is None
    assert row["error"] == "the solve ran out of memory"


def test_parquet_output_without_rows_and_closed_twice(tmp_path):
    # a batch stopped before its first row wrote a Parquet file without
    # columns (resume then failed), and a second close() (the CLI's, after
    # an error) raised FileNotFoundError on the journal
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "r.parquet"
    out = open_output(path)
    out.close()
    out.close()
    assert pq.read_table(path).column_names == list(COLUMNS)
    again = open_output(path, resume=True)
    assert again.done == set()
    again.write(blank_row("x", "sat"))
    again.close()
    assert pq.read_table(path).column("instance").to_pylist() == ["x"]


def test_portfolio_without_a_decision_reports_the_most_informative_row():
    # the guide's order: a verified solution with the smallest gap, else a
    # limit, else a failure (memout before failed)
    from optsolve.batch._schedule import _rank

    def row(status, **fields):
        return {**blank_row("p", "milp"), "status": status, **fields}

    failed, memout = row("failed", error="x"), row("memout")
    limit = row("time_limit", gap=None)
    loose = row("node_limit", objective=3.0, verified=True, gap=0.5)
    tight = row("time_limit", objective=2.0, verified=True, gap=0.1)
    rows = [failed, memout, limit, loose, tight]
    assert min(rows, key=_rank) is tight
    assert min([failed, memout, limit, loose], key=_rank) is loose
    assert min([failed, memout, limit], key=_rank) is limit
    assert min([failed, memout], key=_rank) is memout


@pytest.mark.parametrize("with_tqdm", [True, False])
def test_progress_bar_is_labelled_per_use(monkeypatch, with_tqdm):
    import io
    import sys

    from optsolve.batch import BatchProgress
    from optsolve.batch._progress import BatchProgress as private
    assert private is BatchProgress  # the old name still works
    if not with_tqdm:
        monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    stream = io.StringIO()
    bar = BatchProgress(2, label="neuroback labels", stream=stream, initial=3)
    bar.update({"status": "SAT"})
    bar.update({"status": "UNSAT"})
    bar.close()
    text = stream.getvalue()
    assert "neuroback labels" in text and "optsolve batch" not in text
    assert "resuming: 3" in text or not with_tqdm
    assert "SAT=1 UNSAT=1" in text
    quiet = io.StringIO()
    bar = BatchProgress(1, enabled=False, stream=quiet)
    bar.update({"status": "SAT"})
    bar.close()
    assert quiet.getvalue() == ""
