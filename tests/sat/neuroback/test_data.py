"""Backbone labels against brute force, the labelling CLI on Dask."""
import csv
import itertools
import random

import numpy as np
import pytest

from optsolve.sat import CNF
from optsolve.sat.neuroback import data
from optsolve.sat.neuroback.data import (BACKBONE_FALSE, BACKBONE_TRUE, FREE,
                                         UNKNOWN, backbone)
from optsolve.sat.neuroback.generators import FAMILIES, generate


def brute_force(clauses, nvars):
    """(models as tuples of +-1 per variable 1..nvars) by enumeration."""
    out = []
    for bits in itertools.product((-1, 1), repeat=nvars):
        if all(any(bits[abs(l) - 1] == (1 if l > 0 else -1) for l in c) for c in clauses):
            out.append(bits)
    return out


def expected_labels(clauses, nvars):
    models = np.array(brute_force(clauses, nvars))
    if len(models) == 0:
        return None, None
    used = {abs(l) for c in clauses for l in c}
    lab = []
    for v in range(nvars):
        col = models[:, v]
        if v + 1 in used and np.all(col == 1):
            lab.append(BACKBONE_TRUE)
        elif v + 1 in used and np.all(col == -1):
            lab.append(BACKBONE_FALSE)
        else:
            lab.append(FREE)
    return lab, models


@pytest.mark.parametrize("seed", range(60))
def test_backbone_matches_brute_force(seed):
    rng = random.Random(seed)
    nvars = rng.randint(1, 9)
    ratio = rng.choice([1.0, 2.0, 3.0, 4.0, 5.0])
    clauses = [[rng.choice((1, -1)) * v for v in rng.sample(range(1, nvars + 1), min(nvars, rng.randint(1, 3)))]
               for _ in range(int(ratio * nvars))]
    want, models = expected_labels(clauses, nvars)
    r = backbone(CNF(clauses, nvars=nvars), models=8, seed=seed)
    if want is None:
        assert r["status"] == "UNSAT"
        return
    assert r["status"] == "SAT" and r["complete"]
    assert r["labels"].tolist() == want
    # frequencies: from models of the formula, so backbone variables are 0/1
    f = r["frequency"]
    assert r["models"] >= 1 and np.all((f >= 0) & (f <= 1))
    lab = np.array(want)
    assert np.all(f[lab == BACKBONE_TRUE] == 1) and np.all(f[lab == BACKBONE_FALSE] == 0)
    # a variable true in no model (or in all) has frequency 0 (or 1)
    assert np.all(f[np.all(models == -1, axis=0)] == 0)
    assert np.all(f[np.all(models == 1, axis=0)] == 1)


def test_known_backbone():
    # x1 forced by a unit, x2 = x1 by equivalence, x3 false by implication
    # from x2; x4 and x5 free (one of them true); x6 unused
    clauses = [[1], [-1, 2], [1, -2], [-2, -3], [4, 5]]
    r = backbone(CNF(clauses, nvars=6), models=32, seed=1)
    assert r["labels"].tolist() == [1, 1, -1, 0, 0, 0]
    f = r["frequency"]
    assert f[:3].tolist() == [1, 1, 0]
    # x4, x5: never both false; with 32+ random-phase samples both values occur
    assert 0 < f[3] < 1 or 0 < f[4] < 1


def test_planted_formula_backbone_holds_hidden_consistent():
    cnf = generate("planted3", 60, 3)
    r = backbone(cnf)
    assert r["status"] == "SAT" and r["complete"]
    lab = r["labels"]
    # every backbone literal is true in a model found independently
    from optsolve.sat import solve
    m = solve(cnf, seed=7).model
    bb = np.flatnonzero((lab == 1) | (lab == -1))
    assert np.all(np.sign(m[bb]) == lab[bb])
    # and is forced: the formula plus its negation is unsatisfiable
    for v in bb[:10].tolist():
        assert solve(cnf, assumptions=[-int(lab[v]) * (v + 1)]).status == "UNSAT"


def test_time_budget_leaves_unknowns():
    cnf = generate("filtered3", 400, 11)  # hundreds of candidate solves
    r = backbone(cnf, time_limit=0.02, models=0)
    if r["status"] == "SAT":  # the first solve may itself run out of time
        assert not r["complete"]
        assert np.any(r["labels"] == UNKNOWN)
    else:
        assert r["status"] == "UNKNOWN"


def test_unsatisfiable():
    assert backbone(CNF([[1], [-1]]))["status"] == "UNSAT"


def test_generators_deterministic_and_families_satisfiable():
    for fam in FAMILIES:
        a, b = generate(fam, 40, 5), generate(fam, 40, 5)
        assert a == b
        assert generate(fam, 40, 6) != a
    with pytest.raises(ValueError, match="`family`"):
        generate("nope", 10, 0)


def test_cli_labels_and_resumes(tmp_path, capsys):
    out = tmp_path / "set"
    argv = [str(out), "--generated", "4", "--size", "8:12", "--time-limit", "20",
            "--models", "4", "--workers", "1", "--no-progress"]
    assert data.main(argv) == 0
    rows = data.read_manifest(out)
    assert len(rows) == 4
    checked = 0
    for row in rows:
        if row["status"] == "SAT":
            cnf, labels, freq = data.load(out / (row["name"] + ".npz"))
            assert cnf.nvars == int(row["nvars"]) == len(labels) == len(freq)
            assert int(row["backbone"]) == int(np.sum(np.abs(labels) == 1))
            if cnf.nvars <= 12:
                checked += 1
                assert labels.tolist() == expected_labels(cnf.clauses, cnf.nvars)[0]
    assert checked >= 2
    # a second run with two more formulas labels only those
    assert data.main(argv[:2] + ["6"] + argv[3:]) == 0
    rows2 = data.read_manifest(out)
    assert len(rows2) == 6 and [r["name"] for r in rows2[:4]] == [r["name"] for r in rows]
    assert "2 formulas labelled" in capsys.readouterr().err


def test_cli_bad_arguments(capsys):
    with pytest.raises(SystemExit):
        data.main(["x", "--size", "5"])
    assert "--size" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        data.main(["x", "--time-limit", "-1"])
    assert "--time-limit" in capsys.readouterr().err
