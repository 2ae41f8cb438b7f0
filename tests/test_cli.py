"""The console script: help, version, usage errors, cnf-stats."""
import json
import subprocess
import sys

import pytest

import optsolve
from optsolve.cli import main
from optsolve.sat import CNF


def run(*args, input=None):
    return subprocess.run(["optsolve", *args], capture_output=True, text=True,
                          input=input, timeout=120)


def test_console_script_help_and_version():
    r = run("--help")
    assert r.returncode == 0
    assert "cnf-stats" in r.stdout
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"optsolve {optsolve.__version__}"


def test_module_entry_point():
    r = subprocess.run([sys.executable, "-m", "optsolve", "--version"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and optsolve.__version__ in r.stdout


def test_usage_errors_exit_2_with_one_line():
    for args in (["no-such-command"], ["cnf-stats"], ["cnf-stats", "a", "b"]):
        r = run(*args)
        assert r.returncode == 2
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert r.stderr.startswith("optsolve")
    assert main([]) == 2


@pytest.fixture
def cnf_file(tmp_path):
    path = tmp_path / "small.cnf.gz"
    CNF([[1, -2, 3], [2, 3], [-1], [1, 2, 3, 4]]).to_dimacs(path)
    return path


def test_cnf_stats(cnf_file):
    r = run("cnf-stats", str(cnf_file))
    assert r.returncode == 0, r.stderr
    assert "c variables       4 (4 used)" in r.stdout
    assert "c clauses         4" in r.stdout
    assert "c header          ok" in r.stdout
    r = run("cnf-stats", "--json", str(cnf_file))
    stats = json.loads(r.stdout)
    assert stats["length_histogram"] == {"1": 1, "2": 1, "3": 1, "4": 1}
    assert stats["literals"] == 10 and stats["positive_literals"] == 8


def test_cnf_stats_stdin_and_header_mismatch():
    r = run("cnf-stats", "--json", "-", input="p cnf 2 5\n1 2 0\n")
    assert r.returncode == 0
    stats = json.loads(r.stdout)
    assert stats["header"] == "mismatch" and "declares 5 clauses" in stats["header_warnings"][0]
    r = run("cnf-stats", "--strict", "-", input="p cnf 2 5\n1 2 0\n")
    assert r.returncode == 1 and "declares 5 clauses" in r.stderr


def test_cnf_stats_bad_file(tmp_path):
    bad = tmp_path / "bad.cnf"
    bad.write_text("p cnf 2 1\n1 two 0\n")
    r = run("cnf-stats", str(bad))
    assert r.returncode == 1
    assert f"{bad}:2: invalid token 'two'" in r.stderr
    r = run("cnf-stats", str(tmp_path / "missing.cnf"))
    assert r.returncode == 1 and "No such file" in r.stderr
