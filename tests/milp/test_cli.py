import numpy as np
import pytest

from optsolve.cli import main
from optsolve.milp import write_mps
from optsolve.milp.generators import knapsack

from ._instances import reference


@pytest.fixture
def knap_file(tmp_path):
    p = knapsack(15, 2, seed=6)
    path = tmp_path / "knap.mps.gz"
    write_mps(p, path)
    return p, path


def test_cli_solves_and_writes_solution(knap_file, tmp_path, capsys):
    p, path = knap_file
    sol = tmp_path / "out.sol"
    rc = main(["milp", str(path), "--branching", "pscost", "--gap", "0",
               "--solution", str(sol)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "status             : optimal (0)" in out
    assert "dual bound" in out and "primal bound" in out
    lines = sol.read_text().splitlines()
    assert lines[1].startswith("objective value:")
    x = np.zeros(p.num_cols)
    names = p.column_names()
    for line in lines[2:]:
        name, v = line.split()
        x[names.index(name)] = float(v)
    assert p.is_feasible(x)
    ref = reference(dict(c=-p.c, integrality=1, bounds=(0, 1),
                         constraints=(p.A, p.row_lower, p.row_upper)))
    assert abs(float(lines[1].split(":")[1]) + ref.fun) < 1e-6
    assert abs(p.objective(x) + ref.fun) < 1e-6


def test_cli_limits_and_quiet(knap_file, capsys):
    _, path = knap_file
    rc = main(["milp", str(path), "--node-limit", "1", "-q", "--branching", "mostinf"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "limit reached (1)" in out or "optimal (0)" in out
    assert "time" not in out.splitlines()[0]       # no progress table with -q


def test_cli_verbose_prints_log(knap_file, capsys):
    _, path = knap_file
    assert main(["milp", str(path), "-v"]) == 0
    out = capsys.readouterr().out
    assert "nodes" in out and "gap" in out and "branch and bound:" in out


def test_cli_bad_input_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.mps"
    bad.write_text("ROWS\n N obj\nCOLUMNS\n x obj zz\nENDATA\n")
    assert main(["milp", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.mps:4" in err and "COLUMNS" in err
    assert main(["milp", str(tmp_path / "missing.mps")]) == 1
    assert "cannot open" in capsys.readouterr().err


def test_cli_negative_time_limit_is_bad_input(knap_file, capsys):
    _, path = knap_file
    assert main(["milp", str(path), "--time-limit", "-1"]) == 1
    assert "`time_limit`" in capsys.readouterr().err


def test_cli_no_cuts(knap_file, capsys):
    _, path = knap_file
    assert main(["milp", str(path), "--no-cuts", "-q"]) == 0
    out = capsys.readouterr().out
    assert "root cuts          : 0 kept of 0 added in 0 rounds" in out
    assert "optimal (0)" in out


def test_cli_no_presolve(knap_file, capsys):
    _, path = knap_file
    assert main(["milp", str(path), "--no-presolve", "-q"]) == 0
    off = capsys.readouterr().out
    assert main(["milp", str(path), "-q"]) == 0
    on = capsys.readouterr().out

    def primal(out):
        return [ln for ln in out.splitlines() if ln.startswith("primal bound")]

    assert "optimal (0)" in off and primal(off) == primal(on) != []


def test_cli_time_limit_counts_the_reading(knap_file, monkeypatch, capsys):
    import time

    import optsolve.milp._cli as cli
    real = cli.read_mps

    def slow_read(*args, **kwargs):
        time.sleep(0.3)
        return real(*args, **kwargs)

    monkeypatch.setattr(cli, "read_mps", slow_read)
    _, path = knap_file
    rc = main(["milp", str(path), "-q", "--time-limit", "0.2"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "limit reached (1) Time limit reached." in out
    assert "nodes              : 0 " in out


def test_cli_flags_from_the_options_table_reach_the_solver(knap_file, monkeypatch, capsys):
    import optsolve.milp._cli as cli
    seen = {}
    real = cli.solve_problem

    def spy(problem, options, **kw):
        seen.update(options)
        return real(problem, options, **kw)
    monkeypatch.setattr(cli, "solve_problem", spy)
    _, path = knap_file
    rc = main(["milp", str(path), "-q", "--node-selection", "depth-first",
               "--cut-families", "gomory,cover", "--no-submip", "--cut-rounds", "3",
               "--integrality-tolerance", "1e-7", "--mip-abs-gap", "0"])
    assert rc == 0 and "optimal (0)" in capsys.readouterr().out
    assert seen["node_selection"] == "depth-first" and seen["submip"] is False
    assert seen["cut_families"] == ("gomory", "cover") and seen["cut_rounds"] == 3
    assert seen["integrality_tolerance"] == 1e-7 and seen["mip_abs_gap"] == 0.0
    assert "branching" not in seen               # left to the table's default
    assert main(["milp", str(path), "--cut-families", "flow"]) == 1
    assert "`cut_families` must be a subset" in capsys.readouterr().err


def test_cli_bad_option_reported_before_the_file_is_read(tmp_path, monkeypatch, capsys):
    # options were checked only after read_mps: a bad --node-limit on a large
    # file was reported after the whole read (here: a missing file's error)
    import optsolve.milp._cli as cli

    def no_read(*args, **kwargs):
        raise AssertionError("the file was read")
    monkeypatch.setattr(cli, "read_mps", no_read)
    assert main(["milp", str(tmp_path / "missing.mps"), "--node-limit", "-1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("optsolve milp: `node_limit` must be a non-negative integer")
    assert len(err.strip().splitlines()) == 1
