"""``optsolve bcd`` on bad input: one line on stderr naming the file (and
the line where there is one), exit status 1 (2 for usage), no traceback."""
import gzip
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

from optsolve.cli import main

GOOD = "1 1:0.5 2:1\n-1 2:0.3 3:1\n1 1:1\n-1 3:2\n"


def run_cli(argv, capsys):
    try:
        rc = main(["bcd", *map(str, argv)])
    except SystemExit as exc:  # argparse's usage errors
        rc = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return rc, out, err


def test_truncated_gzip_names_file_and_line(tmp_path, capsys):
    path = tmp_path / "d.svm.gz"
    data = gzip.compress((GOOD * 2000).encode())
    path.write_bytes(data[: len(data) // 2])
    rc, _, err = run_cli([path], capsys)
    assert rc == 1 and len(err.splitlines()) == 1
    assert err.startswith(f"optsolve bcd: {path}:") and "compressed data ends" in err
    line = int(err.split(f"{path}:")[1].split(":")[0])
    assert 1 < line <= 8001


@pytest.mark.parametrize("index", [99999999999, 2**31, 2**64])
def test_feature_index_beyond_the_maximum(tmp_path, capsys, index):
    path = tmp_path / "big.svm"
    path.write_text(f"1 1:0.5\n-1 2:1 {index}:1\n")
    rc, _, err = run_cli([path], capsys)
    assert rc == 1
    assert err == f"optsolve bcd: {path}:2: feature index {index} is outside 0..2147483647\n"


def test_huge_feature_index_costs_memory_for_nonzeros_only(tmp_path):
    # feature 2e9 once made 2e9-sized column arrays (a 14.9 GiB allocation);
    # under a 6 GiB address-space cap (one thread per pool: thread stacks and
    # BLAS buffers count too) the fit must still run and name it
    path = tmp_path / "huge.svm"
    path.write_text("1 1:0.5 2000000000:1\n-1 2:1\n1 1:1 2:0.5\n")
    out = tmp_path / "w.txt"
    cap = 6 * 2**30
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1")

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    proc = subprocess.run([sys.executable, "-m", "optsolve", "bcd", str(path), "--model",
                           "logistic", "--alpha-ratio", "0.1", "-o", str(out)],
                          capture_output=True, text=True, preexec_fn=limit, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert "p=2000000000" in proc.stdout and "status=0" in proc.stdout
    rows = [r.split() for r in out.read_text().splitlines() if not r.startswith("#")]
    assert "n_features=2000000000" in out.read_text()
    assert {int(j) for j, _ in rows} <= {0, 1, 1999999999}
    assert 1999999999 in {int(j) for j, _ in rows}


def test_unwritable_output_fails_before_the_fit(tmp_path, capsys):
    path = tmp_path / "d.svm"
    path.write_text(GOOD)
    for target in (tmp_path / "no" / "dir" / "w.txt", tmp_path):
        rc, out, err = run_cli([path, "-o", target], capsys)
        assert rc == 1 and out == ""  # no summary line: the fit never ran
        assert err.startswith(f"optsolve bcd: {target}:") and "--output" in err
        assert len(err.splitlines()) == 1


@pytest.mark.parametrize("text", ["", "# a comment only\n\n"])
def test_empty_file_is_named(tmp_path, capsys, text):
    path = tmp_path / "empty.svm"
    path.write_text(text)
    rc, _, err = run_cli([path], capsys)
    assert rc == 1 and err == f"optsolve bcd: {path}: no data lines (empty file)\n"


@pytest.mark.parametrize("text, why", [
    ("1 1:1\n-1 3:1 2:1\n", "2: feature index 2 does not increase"),
    ("1 1:1\n-1 2:inf\n", "2: feature '2:inf' has a non-finite value"),
    ("1 1:1\nnan 2:1\n", "2: label 'nan' is not finite"),
    ("1 1:1\n-1 2:1 -3:1\n", "2: feature index -3 is outside"),
])
def test_bad_lines_are_named(tmp_path, capsys, text, why):
    path = tmp_path / "bad.svm"
    path.write_text(text)
    rc, _, err = run_cli([path], capsys)
    assert rc == 1 and err.startswith(f"optsolve bcd: {path}:{why}")


def test_file_level_problems_name_the_file(tmp_path, capsys):
    one = tmp_path / "one.svm"
    one.write_text("1 1:1\n1 2:1\n")
    rc, _, err = run_cli([one, "--model", "logistic"], capsys)
    assert rc == 1 and err.startswith(f"optsolve bcd: {one}: ") and "two distinct" in err
    nofeat = tmp_path / "nofeat.svm"
    nofeat.write_text("1\n-1\n")
    rc, _, err = run_cli([nofeat], capsys)
    assert rc == 1 and err == f"optsolve bcd: {nofeat}: no feature values, nothing to fit\n"
    rc, _, err = run_cli([tmp_path], capsys)
    assert rc == 1 and "is a directory" in err


@pytest.mark.parametrize("opt, value", [
    ("--alpha", "nan"), ("--alpha", "-1"), ("--alpha-ratio", "1e400"), ("--tol", "inf"),
    ("--time-limit", "-1"), ("--max-iter", "-3"), ("--max-iter", str(2**63)),
    ("--max-iter", "1.5"),
])
def test_bad_option_values_are_usage_errors(tmp_path, capsys, opt, value):
    path = tmp_path / "d.svm"
    path.write_text(GOOD)
    rc, _, err = run_cli([path, opt, value], capsys)
    assert rc == 2 and len(err.splitlines()) == 1 and f"argument {opt}:" in err


def test_features_absent_from_the_file_get_zero(tmp_path, capsys):
    # only the columns that occur are solved: the same answer as the full X
    from sklearn.datasets import load_svmlight_file

    from optsolve.optimize.bcd import Lasso, bcd
    path = tmp_path / "gappy.svm"
    path.write_text("1 1:0.5 7:1\n-1 2:0.3 7:1\n1 1:1 9:2\n-1 9:1 12:0.5\n0.5 2:1 12:1\n")
    out = tmp_path / "w.txt"
    rc, stdout, _ = run_cli([path, "--alpha-ratio", "0.05", "--tol", "1e-12", "-o", out],
                            capsys)
    assert rc == 0 and "p=12" in stdout
    w = np.zeros(12)
    for j, v in (r.split() for r in out.read_text().splitlines() if not r.startswith("#")):
        w[int(j)] = float(v)
    X, y = load_svmlight_file(str(path))
    prob = Lasso(X, y, 0.05 * Lasso(X, y, 1.0).alpha_max())
    np.testing.assert_allclose(w, bcd(prob, tol=1e-12).x, atol=1e-8)
