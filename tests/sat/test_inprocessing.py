"""Inprocessing: subsumption, strengthening, bounded variable elimination
with gates, the extension stack and restore under incremental use.

Every model is checked against the ORIGINAL clauses (reconstruction), every
UNSAT answer by dratify with the techniques on, and every incremental answer
against PySAT's CaDiCaL 1.9.5."""
import importlib.util
import random
import time
from pathlib import Path

import pytest
from pysat.solvers import Solver as RefSolver

from optsolve.sat import Solver, solve

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# a round at every restart, so that search and inprocessing interleave
OFTEN = {"inprocessint": 1, "reduceint": 10, "simplifyint": 1}


class Circuit:
    """Tseitin encoding of AND/OR/XOR gates over fresh variables."""

    def __init__(self, inputs):
        self.next = inputs + 1
        self.clauses = []

    def var(self):
        self.next += 1
        return self.next - 1

    def and_(self, a, b):
        g = self.var()
        self.clauses += [[-g, a], [-g, b], [g, -a, -b]]
        return g

    def or_(self, a, b):  # De Morgan, so that it is an AND gate on -g
        return -self.and_(-a, -b)

    def xor(self, a, b):
        g = self.var()
        self.clauses += [[-g, a, b], [-g, -a, -b], [g, -a, b], [g, a, -b]]
        return g


def random_circuit(c, inputs, gates, rng, rewrite=False):
    """A random circuit; with `rewrite`, the same function built with
    a AND b written as NOT(NOT a OR NOT b) and a XOR b as (a OR b) AND NOT
    (a AND b), so that two copies form an equivalence-checking miter."""
    nodes = list(range(1, inputs + 1))
    ops = random.Random(rng).choices("&|^", k=gates)
    picks = random.Random(rng + 1)
    for op in ops:
        a, b = picks.sample(nodes[-6:], 2) if len(nodes) > 6 else picks.sample(nodes, 2)
        if op == "&":
            g = -c.or_(-a, -b) if rewrite else c.and_(a, b)
        elif op == "|":
            g = c.or_(a, b)
        else:
            g = c.and_(c.or_(a, b), -c.and_(a, b)) if rewrite else c.xor(a, b)
        nodes.append(g)
    return nodes[-1]


def miter(inputs, gates, seed):
    """Two equivalent circuits whose outputs differ: UNSAT."""
    c = Circuit(inputs)
    x = random_circuit(c, inputs, gates, seed)
    y = random_circuit(c, inputs, gates, seed, rewrite=True)
    d = c.xor(x, y)
    return c.clauses + [[d]]


def satisfiable_circuit(inputs, gates, seed):
    """A circuit with its output fixed to a value it can take."""
    c = Circuit(inputs)
    out = random_circuit(c, inputs, gates, seed)
    with RefSolver(name="cadical195", bootstrap_with=c.clauses) as ref:
        assert ref.solve()
        out = out if out in ref.get_model() else -out
    return c.clauses + [[out]]


@pytest.mark.parametrize("seed", range(6))
def test_models_satisfy_the_original_formula(seed):
    clauses = satisfiable_circuit(12, 60, seed)
    with Solver(bootstrap_with=clauses) as s:
        assert s.solve() is True
        assert G.satisfies(clauses, s.get_model())
        st = s.accum_stats()
        assert st["eliminated"] > 0 and st["gates"] > 0


@pytest.mark.parametrize("fmt", ["text", "binary"])
@pytest.mark.parametrize("opts", [{}, OFTEN, dict(OFTEN, elimbound=8, gates=0)])
def test_unsat_proofs_with_elimination(tmp_path, fmt, opts):
    cases = [("miter", miter(8, 40, 3)), ("php6", G.pigeonhole(6)),
             ("parity", G.parity_chain(16, satisfiable=False, seed=5)),
             ("r3", G.random_ksat(90, 450, seed=11))]
    eliminated = 0
    for name, clauses in cases:
        proof = tmp_path / f"{name}.drat"
        r = solve(clauses, proof=proof, proof_format=fmt, options=opts)
        assert r.status == "UNSAT", name
        eliminated += r.statistics["eliminated"]
        check = G.check_drat(clauses, proof, binary=(fmt == "binary"))
        assert check.ok, (name, check.report())
    assert eliminated > 0


def test_subsumption_and_strengthening():
    # (1 2) subsumes (1 2 3) and (1 2 4 5); (1 2 3 -6) with (1 2 6 ...)
    # resolves to a shorter clause; (3 4 5) and (3 4 -5) strengthen to (3 4)
    clauses = [[1, 2], [1, 2, 3], [1, 2, 4, 5], [3, 4, 5], [3, 4, -5],
               [-3, 6, 7], [-4, -6, 7], [-7, 8, 9], [-8, -9, 1]]
    with Solver(bootstrap_with=clauses, options={"elim": 0}) as s:
        assert s.solve() is True
        assert G.satisfies(clauses, s.get_model())
        st = s.accum_stats()
        assert st["subsumed"] >= 2 and st["strengthened"] >= 1
        assert st["eliminated"] == 0


def test_options_turn_the_techniques_off():
    clauses = satisfiable_circuit(10, 40, 1) + [[1, 2, 3], [1, 2, 3, 4]]
    with Solver(bootstrap_with=clauses,
                options={"elim": 0, "subsume": 0, "substitute": 0,
                         "probe": 0, "transred": 0, "forward": 0}) as s:
        assert s.solve() is True
        st = s.accum_stats()
        assert st["eliminated"] == st["subsumed"] == st["inprocessings"] == 0
        assert st["substituted"] == st["failed"] == 0
    with Solver(bootstrap_with=clauses, options={"gates": 0}) as s:
        assert s.solve() is True
        assert s.accum_stats()["gates"] == 0


def eliminated_variable(clauses, nvars):
    """A variable the first solve eliminates (found by trying each)."""
    for v in range(1, nvars + 1):
        with Solver(bootstrap_with=clauses) as s:
            s.solve(assumptions=[])
            before = s.accum_stats()["eliminated"]
            s.add_clause([v, -v])  # a tautology mentions v but restores nothing
            s.add_clause([v])
            s.solve()  # restores wait for the next solve
            if before and s.accum_stats()["restored"]:
                return v
    raise AssertionError("nothing eliminated")


def test_clause_on_an_eliminated_variable_restores_its_clauses():
    clauses = satisfiable_circuit(8, 30, 7)
    nvars = max(abs(l) for c in clauses for l in c)
    v = eliminated_variable(clauses, nvars)
    for unit in (v, -v):
        with Solver(bootstrap_with=clauses) as s, RefSolver(
                name="cadical195", bootstrap_with=clauses) as ref:
            assert s.solve() is True
            s.add_clause([unit])
            ref.add_clause([unit])
            assert s.solve() == ref.solve()
            assert s.accum_stats()["restored"] > 0
            if ref.solve():
                assert G.satisfies(clauses + [[unit]], s.get_model())


def test_assumption_on_an_eliminated_variable():
    clauses = satisfiable_circuit(8, 30, 7)
    nvars = max(abs(l) for c in clauses for l in c)
    v = eliminated_variable(clauses, nvars)
    with Solver(bootstrap_with=clauses) as s, RefSolver(
            name="cadical195", bootstrap_with=clauses) as ref:
        assert s.solve() is True
        for a in (v, -v):
            answer = s.solve(assumptions=[a])
            assert answer == ref.solve(assumptions=[a])
            if answer:
                assert G.satisfies(clauses + [[a]], s.get_model())
            else:
                assert s.get_core() == [a]


def test_assumptions_are_frozen():
    clauses = satisfiable_circuit(8, 30, 7)
    nvars = max(abs(l) for c in clauses for l in c)
    v = eliminated_variable(clauses, nvars)
    with Solver(bootstrap_with=clauses) as s:
        answer = s.solve(assumptions=[v])
        assert s.accum_stats()["restored"] == 0  # v was never eliminated
        if answer:
            assert G.satisfies(clauses + [[v]], s.get_model())
        else:
            assert s.get_core() == [v]


@pytest.mark.parametrize("seed", range(30))
def test_incremental_against_cadical(seed):
    rng = random.Random(seed)
    clauses = miter(6, 25, seed) if seed % 2 else satisfiable_circuit(10, 40, seed)
    clauses = [c for c in clauses if len(c) > 1]  # the miter's output stays open
    nvars = max(abs(l) for c in clauses for l in c)
    with Solver(options=OFTEN) as s, RefSolver(name="cadical195") as ref:
        added = []
        for step in range(8):
            chunk = clauses[:len(clauses) // 2] if step == 0 else [
                [rng.choice((-1, 1)) * rng.randint(1, nvars) for _ in range(rng.randint(1, 3))]
                for _ in range(rng.randint(0, 3))]
            if step == 1:
                chunk += clauses[len(clauses) // 2:]
            for c in chunk:
                s.add_clause(c)
                ref.add_clause(c)
            added += chunk
            assume = [rng.choice((-1, 1)) * rng.randint(1, nvars) for _ in range(rng.randint(0, 2))]
            answer = s.solve(assumptions=assume)
            assert answer == ref.solve(assumptions=assume), (seed, step)
            if answer:
                assert G.satisfies(added + [[a] for a in assume], s.get_model())
            if not ref.solve():
                break


def test_incremental_proof_with_restore(tmp_path):
    # eliminated clauses stay in the proof's formula, so a clause added later
    # that restores them needs no lemma and the final refutation checks
    clauses = miter(6, 20, 2)
    out = clauses[-1]
    body = clauses[:-1]
    proof = tmp_path / "inc.drat"
    with Solver(bootstrap_with=body, proof=str(proof)) as s:
        assert s.solve() is True
        assert s.accum_stats()["eliminated"] > 0
        s.add_clause(out)
        assert s.solve() is False
    check = G.check_drat(clauses, proof)
    assert check.ok, check.report()


def test_time_limit_stops_a_long_preprocessing_round():
    # an elimination round with no effective budget: only the deadline,
    # read inside the round, ends it (conflicts 0: search never started)
    clauses = G.random_ksat(20000, 84000, seed=1)
    opts = dict(preprocesseffort=100000, elimbound=1000, elimlits=0,
                elimocclim=100000, elimclslim=100000)
    with Solver(bootstrap_with=clauses, options=opts, time_limit=0.3) as s:
        t0 = time.perf_counter()
        assert s.solve_limited() is None
        assert time.perf_counter() - t0 < 3.0
        assert s.limit() == "time"
        st = s.accum_stats()
        assert st["conflicts"] == 0 and st["eliminated"] > 0


def equivalence_chain(n, extra, seed):
    """x1 = x2 = .. = xn (binary clauses both ways), -x1 = y (a negated
    equivalence) and random 3-clauses over all of them."""
    rng = random.Random(seed)
    clauses = []
    for v in range(1, n):
        clauses += [[-v, v + 1], [v, -(v + 1)]]
    y = n + 1
    clauses += [[1, y], [-1, -y]]
    for _ in range(extra):
        clauses.append([rng.choice((-1, 1)) * rng.randint(1, y + 5) for _ in range(3)])
    return clauses


@pytest.mark.parametrize("seed", range(8))
def test_equivalent_literals_are_substituted(seed):
    clauses = equivalence_chain(10, 30, seed)
    with Solver(bootstrap_with=clauses, options={"elim": 0}) as s, RefSolver(
            name="cadical195", bootstrap_with=clauses) as ref:
        answer = s.solve()
        assert answer == ref.solve()
        assert s.accum_stats()["substituted"] >= 10
        if answer:
            model = s.get_model()
            assert G.satisfies(clauses, model)
            assert len({model[v - 1] > 0 for v in range(1, 11)}) == 1
        # a clause on a substituted variable brings its equivalence back
        for unit in ([5], [-5], [11]):
            s.add_clause(unit)
            ref.add_clause(unit)
            answer = s.solve(assumptions=[-3])
            assert answer == ref.solve(assumptions=[-3])
            if answer:
                assert G.satisfies(clauses + [[-3]], s.get_model())
        assert s.accum_stats()["restored"] > 0


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_literal_equivalent_to_its_negation_is_unsat_with_proof(tmp_path, fmt):
    # 1 -> 2 -> -1 and -1 -> 3 -> 1, with a longer clause keeping it apart
    # from plain propagation
    clauses = [[-1, 2], [-2, -1], [1, 3], [-3, 1], [2, 3, 4], [-4, 5, 6]]
    proof = tmp_path / "p.drat"
    r = solve(clauses, proof=proof, proof_format=fmt,
              options={"elim": 0, "subsume": 0})
    assert r.status == "UNSAT"
    assert r.statistics["conflicts"] == 0  # found by substitution
    check = G.check_drat(clauses, proof, binary=(fmt == "binary"))
    assert check.ok, check.report()


@pytest.mark.parametrize("seed", range(4))
def test_substitution_proofs(tmp_path, seed):
    # an UNSAT formula with equivalences: substitution rewrites its clauses
    clauses = equivalence_chain(12, 0, seed) + G.random_ksat(30, 170, seed=seed)
    proof = tmp_path / "p.drat"
    r = solve(clauses, proof=proof, options=OFTEN)
    assert r.status == "UNSAT"
    assert r.statistics["substituted"] > 0
    check = G.check_drat(clauses, proof)
    assert check.ok, check.report()


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_failed_literal_probing(tmp_path, fmt):
    # 1 implies 2 and 3, which clash on 4: 1 is a failed literal, -1 a unit
    base = [[-1, 2], [-1, 3], [-2, -3, 4], [-2, -3, -4], [1, 5, 6], [-5, 6, 7]]
    with Solver(bootstrap_with=base, options={"elim": 0, "subsume": 0}) as s:
        assert s.solve() is True
        assert s.accum_stats()["failed"] >= 1
        assert -1 in s.get_model() and G.satisfies(base, s.get_model())
    # and with -1 fixed the rest is UNSAT: the proof includes the probe's unit
    clauses = base + [[1, 5, 7], [1, -5, 7], [1, 5, -7], [1, -5, -7]]
    proof = tmp_path / "p.drat"
    r = solve(clauses, proof=proof, proof_format=fmt,
              options={"elim": 0, "subsume": 0})
    assert r.status == "UNSAT" and r.statistics["failed"] >= 1
    check = G.check_drat(clauses, proof, binary=(fmt == "binary"))
    assert check.ok, check.report()
