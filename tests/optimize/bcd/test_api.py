"""bcd's public face: bad input, limits and statuses, callbacks, the
estimators and the ``optsolve bcd`` subcommand."""
import argparse

import numpy as np
import pytest
import scipy.sparse as sp

import optsolve
from optsolve import ConvergenceWarning
from optsolve.optimize.bcd import (BCDLasso, BCDLogisticRegression, LabelPropagation,
                                   Lasso, LeastSquares, Logistic, Quadratic, Softmax,
                                   SparseLogisticRegression, bcd)
from optsolve.optimize.bcd import _cli


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 50))
    y = X[:, :3].sum(axis=1) + 0.1 * rng.standard_normal(30)
    return X, y


def test_top_level_name_resolves_lazily():
    assert optsolve.bcd is bcd


# ------------------------------------------------------------- bad input


@pytest.mark.parametrize("make,match", [
    (lambda X, y: Lasso(X, y[:-1], 0.1), "`y` has 29 entries"),
    (lambda X, y: Lasso(X[0], y, 0.1), "`X` must be two-dimensional"),
    (lambda X, y: Lasso(np.where(X > 2, np.nan, X), y, 0.1), "`X` must contain only finite"),
    (lambda X, y: Lasso(X, np.r_[np.inf, y[1:]], 0.1), "`y` must contain only finite"),
    (lambda X, y: Lasso(X, y, -1.0), "`alpha` must be a non-negative"),
    (lambda X, y: Lasso(X, y, np.nan), "`alpha` must be a non-negative"),
    (lambda X, y: LeastSquares(X, y, 1.0, penalty="l3"), "`penalty` must be one of"),
    (lambda X, y: Logistic(X, np.arange(30.0)), "exactly two distinct labels"),
    (lambda X, y: Softmax(X, np.zeros(30)), "at least two classes"),
    (lambda X, y: Quadratic(np.ones((3, 2)), np.ones(3)), "`A` must be a non-empty square"),
    (lambda X, y: Quadratic(np.array([[2.0, 1.0], [0.0, 2.0]]), np.ones(2)), "symmetric"),
    (lambda X, y: Quadratic(np.eye(2), np.ones(3)), "`b` has 3 entries"),
    (lambda X, y: LabelPropagation(sp.eye(3), [np.nan] * 3), "at least one node"),
    (lambda X, y: LabelPropagation(-sp.eye(3), [1.0] * 3), "non-negative weights"),
])
def test_problem_validation(data, make, match):
    with pytest.raises(ValueError, match=match):
        make(*data)


@pytest.mark.parametrize("kwargs,match", [
    ({"rule": "best"}, "`rule` must be one of"),
    ({"blocks": "diagonal"}, "`blocks` must be one of"),
    ({"blocks": [[0, 1], [1]]}, "`blocks` must partition"),
    ({"update": "bfgs"}, "`update` must be one of"),
    ({"block_size": 0}, r"`block_size` must be an integer in \[1, inf\)"),
    ({"history": "yes"}, "`history` must be a bool"),
    ({"verbose": 0.5}, "`verbose` must be a bool or an integer"),
    ({"tol": -1}, "`tol` must be a non-negative"),
    ({"max_iter": -3}, "`max_iter` must be a non-negative integer"),
    ({"time_limit": -1}, "`time_limit` must be non-negative"),
    ({"x0": np.zeros(3)}, "`x0` must have 50 entries"),
    ({"x0": np.full(50, np.nan)}, "`x0` must contain only finite"),
    ({"rule": "cyclic", "blocks": "variable"}, "picks blocks greedily"),
    ({"blocks": "tree"}, "needs a sparse quadratic"),
    ({"update": "exact"}, "needs forest-structured blocks"),
    ({"rule": "gsq"}, "`rule`='gsq' needs a smooth quadratic"),
    ({"blocks": "working-set", "rule": "cyclic"}, "needs a greedy `rule`"),
    ({"callback": 3}, "`callback` must be callable"),
])
def test_bcd_validation(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bcd(Lasso(*data, 0.1), **kwargs)


def test_bcd_rejects_non_problems():
    with pytest.raises(ValueError, match="`problem` must be a problem object"):
        bcd(np.eye(3))


def test_working_set_needs_l1_glm(data):
    with pytest.raises(ValueError, match="'working-set' needs an L1"):
        bcd(LeastSquares(*data), blocks="working-set")


# ------------------------------------------------------------- limits


def test_time_limit_zero_returns_status_1(data):
    with pytest.warns(ConvergenceWarning):
        res = bcd(Lasso(*data, 0.01), time_limit=0.0)
    assert res.status == 1 and res.limit == "time" and not res.success
    assert res.x.shape == (50,)


def test_max_iter_in_both_modes(data):
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = bcd(Lasso(*data, 0.01), max_iter=1, tol=1e-14)
    assert res.status == 1 and res.limit == "max_iter" and res.nit == 1
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        res = bcd(LeastSquares(*data), rule="cyclic", max_iter=7, tol=1e-14)
    assert res.nit == 7 and res.limit == "max_iter"


def test_callback_stop_iteration_is_clean(data):
    seen = []

    def cb(intermediate_result):
        seen.append(intermediate_result.fun)
        if len(seen) == 3:
            raise StopIteration

    res = bcd(LeastSquares(*data), rule="gsl", callback=cb, tol=1e-14)
    assert res.status == 1 and res.limit == "callback" and len(seen) == 3
    # legacy callbacks receive x
    xs = []
    bcd(Lasso(*data, 0.1), callback=lambda x: xs.append(x.shape) or True)
    assert xs == [(50,)]


def test_history_and_counts(data):
    res = bcd(Lasso(*data, 0.05), history=True)
    h = res.history
    assert set(h) == {"nit", "fun", "gap", "time"}
    assert len(h["fun"]) == res.nit + 1
    assert res.n_epochs >= res.nit and res.fun0 == pytest.approx(0.5 * data[1] @ data[1] / 30)
    with pytest.warns(ConvergenceWarning):
        res = bcd(LeastSquares(*data), rule="cyclic", max_iter=40, history=True, tol=0)
    assert len(res.history["fun"]) == 41  # the objective at every block update
    assert np.all(np.diff(res.history["fun"]) <= 1e-12)


def test_verbose_prints_only_when_asked(data, capsys):
    bcd(Lasso(*data, 0.05))
    assert capsys.readouterr().out == ""
    bcd(Lasso(*data, 0.05), verbose=2)
    out = capsys.readouterr().out
    assert "gap" in out.splitlines()[0]


def test_x0_warm_start(data):
    prob = Lasso(*data, 0.05)
    a = bcd(prob, tol=1e-10)
    b = bcd(prob, a.x, tol=1e-10)
    assert b.nit == 0 and b.success
    np.testing.assert_allclose(a.x, b.x)


def test_user_partition(data):
    X, y = data
    blocks = [np.arange(0, 50, 2), np.arange(1, 50, 2)]
    res = bcd(LeastSquares(X[:, :10], y), rule="cyclic",
              blocks=[b[b < 10] for b in blocks], update="newton", tol=1e-10)
    np.testing.assert_allclose(res.x, np.linalg.lstsq(X[:, :10], y, rcond=None)[0], atol=1e-8)


# ------------------------------------------------------------- estimators


def test_lasso_estimator_matches_sklearn(data):
    sklm = pytest.importorskip("sklearn.linear_model")
    X, y = data
    est = BCDLasso(alpha=0.05, tol=1e-12).fit(X, y)
    ref = sklm.Lasso(alpha=0.05, fit_intercept=False, tol=1e-14, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-7)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), atol=1e-6)
    assert est.get_params()["alpha"] == 0.05
    assert est.set_params(alpha=0.1).alpha == 0.1
    with pytest.raises(ValueError, match="(?i)invalid parameter"):
        est.set_params(beta=1)
    with pytest.raises(ValueError, match="features"):
        est.predict(X[:, :3])


def test_positive_lasso_estimator_matches_sklearn(data):
    sklm = pytest.importorskip("sklearn.linear_model")
    X, y = data
    est = BCDLasso(alpha=0.05, tol=1e-12, positive=True).fit(X, y)
    ref = sklm.Lasso(alpha=0.05, fit_intercept=False, positive=True, tol=1e-14,
                     max_iter=100000).fit(X, y)
    assert est.get_params()["positive"] is True and np.all(est.coef_ >= 0)
    np.testing.assert_allclose(est.coef_, ref.coef_, atol=1e-7)
    clf = BCDLogisticRegression(alpha=0.01, positive=True).fit(X, np.sign(y))
    assert np.all(clf.coef_ >= 0) and clf.result_.success


def test_logistic_estimator(data):
    X, _ = data
    y = np.where(X[:, 0] + 0.3 * X[:, 1] > 0, "b", "a")
    clf = BCDLogisticRegression(alpha=0.01).fit(X, y)
    assert clf.classes_.tolist() == ["a", "b"]
    assert clf.score(X, y) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all((proba[:, 1] > 0.5) == (clf.predict(X) == "b"))
    with pytest.raises(ValueError, match="only one class"):
        clf.fit(X, np.zeros(30))


def test_estimators_in_sklearn_pipeline(data):
    model_selection = pytest.importorskip("sklearn.model_selection")
    X, y = data
    scores = model_selection.cross_val_score(BCDLasso(alpha=0.05), X, y, cv=3)
    assert scores.shape == (3,)


# ------------------------------------------------------------- CLI


def _cli_main(argv):
    parser = argparse.ArgumentParser(prog="optsolve")
    _cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_fits_libsvm_file(tmp_path, capsys):
    datasets = pytest.importorskip("sklearn.datasets")
    rng = np.random.default_rng(0)
    X = sp.random(60, 30, density=0.3, random_state=1, format="csr")
    y = np.sign(X @ rng.standard_normal(30) + 0.01)
    path = tmp_path / "d.svm"
    datasets.dump_svmlight_file(X, y, str(path))
    out = tmp_path / "coef.txt"
    rc = _cli_main(["bcd", str(path), "--model", "logistic", "--alpha-ratio", "0.1",
                    "--tol", "1e-9", "-o", str(out)])
    assert rc == 0
    line = capsys.readouterr().out
    assert "status=0" in line and "logistic" in line
    rows = [r.split() for r in out.read_text().splitlines() if not r.startswith("#")]
    w = np.zeros(30)
    for j, v in rows:
        w[int(j)] = float(v)
    prob = SparseLogisticRegression(X, y, 0.1 * SparseLogisticRegression(X, y, 1).alpha_max())
    ref = bcd(prob, tol=1e-9)
    np.testing.assert_allclose(w, ref.x, atol=1e-6)
    # --positive: non-negative coefficients, as the positive problem gives
    rc = _cli_main(["bcd", str(path), "--model", "lasso", "--positive", "--tol", "1e-10",
                    "-o", str(out)])
    assert rc == 0 and "status=0" in capsys.readouterr().out
    w = np.zeros(30)
    for j, v in (r.split() for r in out.read_text().splitlines() if not r.startswith("#")):
        w[int(j)] = float(v)
    pos = Lasso(X, y, Lasso(X, y, 1, positive=True).alpha_max() / 10, positive=True)
    assert np.all(w >= 0)
    np.testing.assert_allclose(w, bcd(pos, tol=1e-10).x, atol=1e-7)


def test_cli_bad_file(tmp_path, capsys):
    bad = tmp_path / "bad.svm"
    bad.write_text("1 1:0.5 3:x\n")
    assert _cli_main(["bcd", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.svm:1:" in err and "'3:x'" in err
    bad.write_text("1 1:0.5\n-1 2:1\nx 1:2\n")
    assert _cli_main(["bcd", str(bad)]) == 1
    assert "bad.svm:3: label 'x'" in capsys.readouterr().err
    assert _cli_main(["bcd", str(tmp_path / "missing.svm")]) == 1
    assert "no such file" in capsys.readouterr().err
