"""``optsolve batch``: exit codes, usage errors, Ctrl-C and --resume."""
import csv
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from optsolve.batch import COLUMNS
from optsolve.sat import CNF

_spec = importlib.util.spec_from_file_location(
    "optsolve_batch_test_gen", Path(__file__).with_name("_gen.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def _default_sigint():
    # a suite started in the background inherits SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def batch(*args, cwd, **kw):
    return subprocess.Popen([sys.executable, "-m", "optsolve", "batch", *args],
                            cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint, **kw)


def rows_of(path):
    with open(path, newline="") as f:
        reader = csv.reader(f)
        assert tuple(next(reader)) == COLUMNS
        rows = list(reader)
    assert all(len(r) == len(COLUMNS) for r in rows)
    return rows


@pytest.mark.parametrize("args, message", [
    (["sat", "nothing*.cnf"], "no file matches 'nothing*.cnf'"),
    (["sat", "a.cnf", "--", "--bogus", "1"], "unknown option 'bogus'"),
    (["sat", "a.cnf", "--out", "r.txt"], "must end in .csv, .jsonl or .parquet"),
    (["sat", "a.cnf", "--resume"], "--resume needs --out FILE"),
    (["sat", "a.cnf", "--portfolio", "seed=1;seed"], "must read NAME=VALUE"),
    (["sat", "a.cnf", "--workers", "0"], "--workers must be at least 1"),
    (["sat", "a.cnf", "--memory-limit", "-5"], "--memory-limit must be a positive"),
    (["sat", "a.cnf", "--", "--conflicts", "0"], "'conflicts' must be an integer >= 1"),
    (["milp", "a.cnf", "--", "--branching", "nosuch"], "branching"),
    (["sat", "a.cnf", "--workers", "2", "--scheduler", "tcp://x:1"], "not allowed with"),
    (["sat", "a.cnf", "--out", "exists.csv"], "exists: resume into it"),
    (["sat", "a.cnf", "--time-limit", "nan"], "--time-limit must be non-negative"),
])
def test_usage_errors_exit_2_with_one_line(tmp_path, args, message):
    CNF([[1]]).to_dimacs(tmp_path / "a.cnf")
    (tmp_path / "exists.csv").write_text("instance\n")
    p = batch(*args, cwd=tmp_path)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 2, err
    assert len(err.strip().splitlines()) == 1 and message in err, err
    assert err.startswith("optsolve batch: error: "), err


def test_exit_status_and_rows_on_stdout(tmp_path):
    gen.random_3sat(30, 4.0, seed=1).to_dimacs(tmp_path / "a.cnf")
    CNF([[1], [-1]]).to_dimacs(tmp_path / "b.cnf")
    p = batch("sat", "*.cnf", "--workers", "1", "-q", cwd=tmp_path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert err == ""
    lines = list(csv.reader(out.splitlines()))
    assert tuple(lines[0]) == COLUMNS
    assert sorted((r[0], r[2]) for r in lines[1:]) == [
        ("a.cnf", gen.pysat_answer(gen.random_3sat(30, 4.0, seed=1))),
        ("b.cnf", "UNSAT")]
    (tmp_path / "c.cnf").write_text("p cnf 1 1\n1 x 0\n")
    p = batch("sat", "c.cnf", "b.cnf", "--workers", "1", "--out", "r.jsonl",
              cwd=tmp_path)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 1 and "2 rows, 1 failed" in err
    assert "c.cnf:2: invalid token 'x'" in (tmp_path / "r.jsonl").read_text()


def test_sigint_leaves_a_valid_file_and_resume_completes_it(tmp_path):
    for i in range(6):
        gen.pigeonhole(11).to_dimacs(tmp_path / f"php{i}.cnf")
    args = ("sat", "php*.cnf", "--workers", "2", "--time-limit", "1",
            "--out", "rows.csv", "-q")
    p = batch(*args, cwd=tmp_path)
    out = tmp_path / "rows.csv"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if out.exists() and len(out.read_text().splitlines()) >= 3:
            break
        time.sleep(0.05)
    os.kill(p.pid, signal.SIGINT)
    t0 = time.monotonic()
    _, err = p.communicate(timeout=60)
    assert time.monotonic() - t0 < 15
    assert p.returncode == 130, err
    assert "run again with --resume" in err
    first = rows_of(out)
    assert 2 <= len(first) < 6
    assert all(r[2] == "UNKNOWN" for r in first)
    p = batch(*args, "--resume", cwd=tmp_path)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    rows = rows_of(out)
    assert sorted(r[0] for r in rows) == [f"php{i}.cnf" for i in range(6)]


def test_verbose_prints_the_dashboard_address(tmp_path):
    CNF([[1, 2], [-1]]).to_dimacs(tmp_path / "a.cnf")
    p = batch("sat", "a.cnf", "--workers", "1", "-v", "--out", "r.csv",
              cwd=tmp_path)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    line, = [x for x in err.splitlines() if "dashboard" in x]
    assert line.startswith("optsolve batch: dashboard at http://"), line
    assert [r[2] for r in rows_of(tmp_path / "r.csv")] == ["SAT"]
