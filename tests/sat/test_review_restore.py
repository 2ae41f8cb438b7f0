"""Restore of eliminated and substituted variables under incremental use
(review of the inprocessing commits): clauses on eliminated variables only
mark them, and the next solve restores them all in one walk of the
extension stack; structured formulas (equivalences, implication cycles,
AND gates, XOR triples) against PySAT's CaDiCaL 1.9.5, models checked
against every clause added, UNSAT answers by dratify."""
import importlib.util
import random
from pathlib import Path

import pytest
from pysat.solvers import Solver as RefSolver

from optsolve.sat import Solver

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

ALL_ON = {"inprocessint": 1, "elimeffort": 100000, "subsumeeffort": 100000,
          "probeeffort": 1000}


def structured(n, seed):
    """Random clauses over n variables with equivalences, implication
    cycles, AND gates and XOR triples, shuffled."""
    rng = random.Random(seed)
    sign = lambda: rng.choice((1, -1))  # noqa: E731
    v = range(1, n + 1)
    cls = []
    for _ in range(n // 4):
        a, b = rng.sample(v, 2)
        s = sign()
        cls += [[-a, s * b], [a, -s * b]]
    for _ in range(n // 6):
        lits = [sign() * x for x in rng.sample(v, rng.randint(2, 6))]
        cls += [[-lits[i], lits[(i + 1) % len(lits)]] for i in range(len(lits))]
    for _ in range(n // 5):
        y, *ins = rng.sample(v, rng.randint(3, 5))
        ins = [sign() * x for x in ins]
        cls += [[-y, a] for a in ins] + [[y] + [-a for a in ins]]
    for _ in range(n // 8):
        a, b, c = rng.sample(v, 3)
        odd = rng.random() < 0.5
        cls += [[s1 * a, s2 * b, s1 * s2 * (1 if odd else -1) * c]
                for s1 in (1, -1) for s2 in (1, -1)]
    for _ in range(int(n * rng.uniform(0.3, 2.0))):
        cls.append([sign() * x for x in rng.sample(v, rng.choice((2, 3, 3, 4)))])
    rng.shuffle(cls)
    return cls


def eliminated_after_solve(clauses):
    """A solver that has solved `clauses` and eliminated variables."""
    s = Solver(bootstrap_with=clauses, options=ALL_ON)
    assert s.solve() is True
    assert s.accum_stats()["eliminated"] > 0
    return s


def test_clauses_on_eliminated_variables_restore_at_the_next_solve():
    n = 120
    clauses = G.random_ksat(n, 240, seed=3)
    s = eliminated_after_solve(clauses)
    with s, RefSolver(name="cadical195", bootstrap_with=clauses) as ref:
        rng = random.Random(0)
        added = []
        for v in range(1, n + 1):  # a clause per variable: one walk, not n
            c = [v, rng.choice((1, -1)) * rng.randint(1, n)]
            s.add_clause(c)
            ref.add_clause(c)
            added.append(c)
        assert s.accum_stats()["restored"] == 0
        assert s.solve() == ref.solve()
        assert s.accum_stats()["restored"] > 0
        if ref.solve():
            assert G.satisfies(clauses + added, s.get_model())


def test_unit_on_an_eliminated_variable_before_the_restore(tmp_path):
    """An eliminated variable fixed by a unit (and its negation in a later
    clause) before the solve that restores its clauses."""
    clauses = G.random_ksat(60, 150, seed=5)
    for trial in range(6):
        proof = tmp_path / f"{trial}.drat"
        s = Solver(bootstrap_with=clauses, options=ALL_ON, proof=str(proof))
        with s, RefSolver(name="cadical195", bootstrap_with=clauses) as ref:
            assert s.solve() is True
            rng = random.Random(trial)
            v = rng.randint(1, 60)
            extra = [[v], [-v, rng.randint(1, 60)], [-v, -rng.randint(1, 60)]]
            for c in extra:
                s.add_clause(c)
                ref.add_clause(c)
            answer = s.solve()
            assert answer == ref.solve()
            if answer:
                assert G.satisfies(clauses + extra, s.get_model())
        if not answer:
            assert G.check_drat(clauses + extra, proof)


@pytest.mark.parametrize("seed", range(8))
def test_structured_incremental_against_cadical(tmp_path, seed):
    rng = random.Random(seed)
    n = rng.randint(40, 150)
    clauses = structured(n, seed)
    proof = tmp_path / "p.drat"
    added = []
    with Solver(options=ALL_ON, proof=str(proof)) as s, RefSolver(name="cadical195") as ref:
        pos = 0
        while pos < len(clauses):
            chunk = clauses[pos:pos + rng.randint(1, max(2, len(clauses) // 8))]
            pos += len(chunk)
            for c in chunk:
                s.add_clause(c)
                ref.add_clause(c)
            added += chunk
            assume = [rng.choice((1, -1)) * rng.randint(1, n) for _ in range(rng.choice((0, 1, 3, 6)))]
            if rng.random() < 0.2:
                s.set_phases([rng.choice((1, -1)) * x for x in range(1, n + 1, 3)])
            answer = s.solve(assumptions=assume)
            assert answer == ref.solve(assumptions=assume)
            if answer:
                assert G.satisfies(added + [[a] for a in assume], s.get_model())
            elif s.get_core() is None:
                break
            else:
                assert set(s.get_core()) <= set(assume)
                assert ref.solve(assumptions=s.get_core()) is False
        final = s.solve()
        assert final == ref.solve()
    if final is False:
        assert G.check_drat(added, proof)
