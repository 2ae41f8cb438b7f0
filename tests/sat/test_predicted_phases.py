"""Predicted phases (NeuroBack's use in the solver): kept apart from the
saved phases, confident only beyond the thresholds, initial phases and
rephasing targets by option; the phase file reader; ``--phases`` on the
command line. Every model is checked against the formula, every UNSAT
answer against the default solver's."""
import importlib.util
import itertools
import subprocess
from pathlib import Path

import numpy as np
import pytest

from optsolve.sat import CNF, Solver, solve
from optsolve.sat._phases import read_phase_file

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# no preprocessing: eliminated variables take the extension's values, not
# their phases, and these tests read the phases off the model
PLAIN = {"preprocess": 0, "inprocess": 0}


def free_pairs(n):
    """(v or n+v) for each v: every phase choice that is not both false is
    a model, so that a search without conflicts returns the phases."""
    return [[v, n + v] for v in range(1, n + 1)]


def model_of(clauses, scores, options=(), phases=None):
    with Solver(bootstrap_with=clauses, options={**PLAIN, **dict(options)}) as s:
        if phases is not None:
            s.set_phases(phases)
        s.set_predictions(scores)
        assert s.solve()
        return np.array(s.get_model()), s.accum_stats()


def test_confident_predictions_are_initial_phases():
    n = 50
    scores = np.r_[np.full(n, 0.03), np.full(n, 0.98)]
    model, st = model_of(free_pairs(n), scores)
    assert (model[:n] < 0).all() and (model[n:] > 0).all()
    assert (st["predicted_true"], st["predicted_false"]) == (n, n)


def test_thresholds_decide_what_is_confident():
    n = 20
    scores = np.r_[np.full(n, 0.95), np.full(n, 0.97)]
    # 0.95 is not above 960 per mille: the default phase (here false)
    model, st = model_of(free_pairs(n), scores, {"predicthigh": 960, "phase": 0})
    assert (model[:n] < 0).all() and (model[n:] > 0).all()
    assert st["predicted_true"] == n and st["predicted_false"] == 0
    scores = np.r_[np.full(n, 0.05), np.full(n, 0.95)]
    # nothing confident: the default phase everywhere
    model, st = model_of(free_pairs(n), scores, {"predicthigh": 1000, "predictlow": 0})
    assert (model > 0).all()
    assert st["predicted_true"] == st["predicted_false"] == 0
    # the widest thresholds take every score that is not exactly one half
    model, st = model_of(free_pairs(n), np.r_[np.full(n, 0.49), np.full(n, 0.51)],
                         {"predicthigh": 500, "predictlow": 500})
    assert (model[:n] < 0).all() and (model[n:] > 0).all()


def test_predictinit_off_keeps_default_phases():
    n = 30
    scores = np.r_[np.full(n, 0.0), np.full(n, 0.0)]
    model, _ = model_of(free_pairs(n), scores, {"predictinit": 0})
    assert (model > 0).all()
    model, _ = model_of(free_pairs(n), scores[:n].tolist() + [1.0] * n)
    assert (model[:n] < 0).all()


def test_user_phases_win_over_predictions():
    n = 10
    scores = np.r_[np.full(n, 0.0), np.full(n, 1.0)]
    model, _ = model_of(free_pairs(n), scores, phases=[1, 2])
    assert model[0] > 0 and model[1] > 0 and (model[2:n] < 0).all()


def test_nan_is_no_prediction_and_nothing_grows():
    with Solver(bootstrap_with=[[1, 2]]) as s:
        s.set_predictions([np.nan, 0.0, np.nan, np.nan])
        assert s.nof_vars() == 2
        assert s.accum_stats()["predicted_false"] == 1


@pytest.mark.parametrize("bad", [[1.5], [-0.1], [[0.5]], ["a"], [np.inf]])
def test_bad_scores_are_refused(bad):
    with Solver(bootstrap_with=[[1, 2]]) as s:
        with pytest.raises(ValueError, match="`scores`"):
            s.set_predictions(bad)


@pytest.mark.parametrize("seed", range(12))
def test_answers_do_not_depend_on_predictions(seed):
    """Random formulas around the threshold, random predictions, every use
    (initial, rephasing, both, neither) and short rephase intervals: SAT
    answers come with models, UNSAT ones agree with the default solver."""
    rng = np.random.default_rng(seed)
    n = 60
    clauses = G.random_ksat(n, int(4.26 * n), seed=seed)
    want = solve(clauses).status
    scores = rng.random(n).astype(np.float32)
    scores[rng.random(n) < 0.2] = np.nan
    for init, reph in itertools.product((0, 1), (0, 1, 2, 3)):
        opts = {"predictinit": init, "predictrephase": reph, "rephaseint": 10,
                "predicthigh": 700, "predictlow": 300, "seed": seed}
        with Solver(bootstrap_with=clauses, options=opts) as s:
            s.set_predictions(scores)
            got = s.solve()
            assert got == (want == "SAT")
            if got:
                assert G.satisfies(clauses, s.get_model())


def test_rephasing_to_predictions_finds_a_planted_model():
    """predictinit off, predictrephase on: the search starts from the
    default phases, and the 'original' rephase jumps to the predicted
    (planted) model, which then needs no conflict."""
    rng = np.random.default_rng(3)
    n = 400
    planted = rng.random(n) < 0.5
    clauses = []
    while len(clauses) < 4 * n:
        vs = rng.choice(n, 3, replace=False)
        signs = rng.random(3) < 0.5
        if any(signs[i] == planted[vs[i]] for i in range(3)):
            clauses.append([int(v + 1) if sg else -int(v + 1) for v, sg in zip(vs, signs)])
    scores = planted.astype(np.float32)
    opts = {**PLAIN, "predictinit": 0, "predictrephase": 1, "rephaseint": 10}
    with Solver(bootstrap_with=clauses, options=opts) as s:
        s.set_predictions(scores)
        assert s.solve()
        st = s.accum_stats()
        assert G.satisfies(clauses, s.get_model())
    assert st["rephased"] >= 1  # found at or after a rephase, not before
    # the inverted target alone, from inverted predictions
    opts_inv = {**opts, "predictrephase": 2}
    with Solver(bootstrap_with=clauses, options=opts_inv) as s:
        s.set_predictions(1.0 - scores)
        assert s.solve()
        assert G.satisfies(clauses, s.get_model())
    with Solver(bootstrap_with=clauses, options={**opts, "predictinit": 1}) as s:
        s.set_predictions(scores)
        assert s.solve()
        assert s.accum_stats()["conflicts"] == 0
        assert (np.array(s.get_model()) > 0).tolist() == planted.tolist()


def test_neuroback_and_polarity_through_solve(tmp_path):
    clauses = G.random_ksat(80, 300, seed=5)
    r = solve(clauses, phases="polarity")
    assert r.statistics["predict_method"] == "polarity"
    assert r.status == "SAT" and G.satisfies(clauses, r.model.tolist())
    # easy: decided by the probe, and said so
    r = solve(clauses, phases="neuroback")
    assert r.statistics["predict_skipped"] == "decided within the 5000-conflict probe"
    assert r.statistics["predicted_true"] + r.statistics["predicted_false"] == 0
    r = solve(clauses, phases="neuroback", probe_conflicts=0)
    assert r.statistics["predict_skipped"] is None
    assert r.statistics["predicted_true"] + r.statistics["predicted_false"] > 0
    assert r.status == "SAT" and G.satisfies(clauses, r.model.tolist())
    with Solver(bootstrap_with=clauses) as s:
        info = s.predict_phases(clauses, "neuroback")
        assert info["predict_skipped"] is None and info["inference_time"] > 0
        st = s.accum_stats()
        assert st["predicted_true"] + st["predicted_false"] > 0
        assert s.solve() and G.satisfies(clauses, s.get_model())
    with Solver(bootstrap_with=clauses, phases="polarity") as s:
        assert s.accum_stats()["predict_method"] == "polarity"


def test_phases_argument_is_checked():
    with pytest.raises(ValueError, match="`phases` must be 'neuroback'"):
        solve([[1, 2]], phases="neurobak")
    with pytest.raises(ValueError, match="pass it as `bootstrap_with`"):
        Solver(phases="neuroback")


def test_phase_file_in_solve(tmp_path):
    n = 8
    f = tmp_path / "phases.txt"
    f.write_text("\n".join(str(-v) for v in range(1, n + 1)) + "\n")
    r = solve(free_pairs(n), phases=f, options=PLAIN)
    assert r.model[:n].tolist() == [-v for v in range(1, n + 1)]
    assert r.statistics["predict_method"] == "file"


@pytest.mark.parametrize("text, problem", [
    ("1\nx\n", ":2: 'x' is not a literal"),
    ("1\n2 3\n", ":2: expected one literal per line or a 'v' line, got '2 3'"),
    ("1\n-1\n", ":2: -1 contradicts 1 on line 1"),
    ("1\n0\n", ":2: 0 is not a literal"),
    ("v 1 0\nv 2\n", ":2: literal after the terminating 0"),
    ("c only\n", ": no literals in phase file"),
    ("v 1 99\n", ":1: variable 99 is beyond the formula's 10"),
])
def test_bad_phase_files(tmp_path, text, problem):
    f = tmp_path / "p.txt"
    f.write_text(text)
    with pytest.raises(ValueError) as exc:
        read_phase_file(f, nvars=10)
    assert str(exc.value) == f"{f}{problem}"


def test_phase_file_formats(tmp_path):
    f = tmp_path / "model.txt"
    f.write_text("c a model\ns SATISFIABLE\nv 1 -2 3\nv -4 0\n")
    assert read_phase_file(f).tolist() == [1, -2, 3, -4]
    f.write_text("5\n\n-6\n")
    assert read_phase_file(f).tolist() == [5, -6]
    with pytest.raises(ValueError, match="cannot read phase file"):
        read_phase_file(tmp_path / "missing.txt")


def run_cli(*args):
    return subprocess.run(["python", "-m", "optsolve", "sat", *map(str, args)],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[2])


def test_cli_phases(tmp_path):
    n = 6
    cnf = tmp_path / "f.cnf"
    CNF.from_clauses(free_pairs(n)).to_dimacs(cnf)
    f = tmp_path / "ph.txt"
    f.write_text("v " + " ".join(str(-v) for v in range(1, n + 1)) + " 0\n")
    r = run_cli("--phases", f, "--preprocess", "0", "--inprocess", "0", cnf)
    assert r.returncode == 10, r.stderr
    assert "c phases: file, 0 true and 6 false confident of 6 predicted" in r.stdout
    assert f"v {' '.join(str(-v) for v in range(1, n + 1))}" in r.stdout
    r = run_cli("--phases", "neuroback", cnf)
    assert r.returncode == 10
    assert "c phases: neuroback skipped (decided within the 5000-conflict probe)" in r.stdout
    f.write_text("1\nfoo\n")
    r = run_cli("--phases", f, cnf)
    assert r.returncode == 1 and "\ns " not in r.stdout
    assert r.stderr == f"optsolve sat: error: {f}:2: 'foo' is not a literal\n"
    r = run_cli("--phases", tmp_path / "none.txt", cnf)
    assert r.returncode == 1 and r.stderr.startswith(
        f"optsolve sat: error: {tmp_path / 'none.txt'}: cannot read phase file")


def test_cli_neuroback_reports_its_cost(tmp_path):
    """Undecided after the probe: the prediction is made, its cost printed,
    and the conflict limit covers probe and search together."""
    clauses = G.random_ksat(300, 1278, seed=1)
    cnf = tmp_path / "g.cnf"
    CNF.from_clauses(clauses).to_dimacs(cnf)
    r = run_cli("--phases", "neuroback", "-n", "--conflicts", "5300", cnf)
    assert r.returncode in (0, 10, 20), r.stderr
    assert "c phases: neuroback, " in r.stdout
    assert "c phases: graph " in r.stdout and " s with loading" in r.stdout
    conflicts = [int(line.split()[2]) for line in r.stdout.splitlines()
                 if line.startswith("c conflicts:")]
    assert conflicts and conflicts[0] <= 5300


def test_budgets_cover_probe_and_search():
    clauses = G.random_ksat(300, 1278, seed=2)
    r = solve(clauses, phases="neuroback", conflicts=5200)
    assert r.statistics["conflicts"] <= 5200
    if r.status == "UNKNOWN":  # the probe did not decide: predicted after it
        assert r.statistics["predict_skipped"] is None
        assert r.statistics["inference_time"] > 0
    r = solve(clauses, phases="neuroback", conflicts=100)
    assert r.statistics["conflicts"] <= 100 and r.statistics["inference_time"] == 0


def test_search_goes_on_without_limits_after_the_probe():
    """The probe's budget is the probe's only: with no limits the solve
    after the prediction runs to an answer."""
    for seed in range(20):
        clauses = G.random_ksat(120, 511, seed=seed)
        r = solve(clauses, phases="neuroback", probe_conflicts=20)
        assert r.status in ("SAT", "UNSAT")
        if r.statistics["conflicts"] > 40:
            assert r.statistics["inference_time"] > 0
            return
    pytest.fail("no formula needed more than the probe")
