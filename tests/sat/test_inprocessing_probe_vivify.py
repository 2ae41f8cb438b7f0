"""Transitive reduction, vivification of irredundant clauses, XOR and ITE
gates: each technique must fire on a formula made for it, and with it on
every model satisfies the ORIGINAL clauses and every UNSAT answer has a DRAT
proof that dratify accepts."""
import importlib.util
import random
from pathlib import Path

import pytest

from optsolve.sat import Solver, solve

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

ONLY = {"elim": 0, "subsume": 0, "substitute": 0, "probe": 0, "transred": 0, "forward": 0,
        "vivify": 0, "vivifyirred": 0}


def implication_chain(n, seed):
    """Binary implications 1 -> 2 -> ... -> n plus random shortcuts i -> j
    (i < j, all transitive), hidden among random ternary clauses."""
    rng = random.Random(seed)
    clauses = [[-i, i + 1] for i in range(1, n)]
    for _ in range(n):
        i, j = sorted(rng.sample(range(1, n + 1), 2))
        if j > i + 1:
            clauses.append([-i, j])
    m = n + 40
    clauses += [[rng.choice((1, -1)) * v for v in rng.sample(range(n + 1, m + 1), 3)]
                for _ in range(60)]
    return clauses


def test_transitive_binaries_are_removed_and_models_stay_right():
    clauses = implication_chain(40, 1)
    with Solver(bootstrap_with=clauses, options=dict(ONLY, transred=1)) as s:
        assert s.solve() is True
        assert G.satisfies(clauses, s.get_model())
        st = s.accum_stats()
        assert st["transitive"] >= 5
    with Solver(bootstrap_with=clauses, options=ONLY) as s:
        assert s.solve() is True
        assert s.accum_stats()["transitive"] == 0


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_transitive_reduction_finds_failed_literals_with_proof(tmp_path, fmt):
    # -1 -> 2 -> 3 -> 1: so 1 is a unit; the rest is a pigeonhole (UNSAT)
    clauses = [[1, 2], [-2, 3], [-3, 1], [1, 4, 5]] + [
        [abs(l) + 5 if l > 0 else -(abs(l) + 5) for l in c] for c in G.pigeonhole(4)]
    proof = tmp_path / "p.drat"
    r = solve(clauses, proof=proof, proof_format=fmt, options=dict(ONLY, transred=1))
    assert r.status == "UNSAT"
    assert r.statistics["failed"] >= 1
    assert G.check_drat(clauses, proof, binary=(fmt == "binary")).ok


# vivification after every reduction, with a large budget
VIVIFY = dict(ONLY, vivify=1, vivifyirred=1, vivifyirredeffort=1000,
              reduceint=10, tier2=1000)


@pytest.mark.parametrize("seed", range(4))
def test_irredundant_vivification_keeps_models(seed):
    clauses = G.random_ksat(120, 480, seed=seed) + G.random_ksat(120, 30, k=5, seed=seed + 50)
    with Solver(bootstrap_with=clauses, options=VIVIFY) as s, \
            Solver(bootstrap_with=clauses, options=ONLY) as ref:
        r = s.solve()
        assert r == ref.solve()
        if r:
            assert G.satisfies(clauses, s.get_model())


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_irredundant_vivification_proofs(tmp_path, fmt):
    shortened = 0
    for seed in range(3):
        clauses = G.random_ksat(60, 300, seed=100 + seed) + [
            c + [seed + 1] for c in G.random_ksat(60, 40, k=3, seed=200 + seed)]
        proof = tmp_path / f"{seed}.drat"
        r = solve(clauses, proof=proof, proof_format=fmt, options=VIVIFY)
        assert r.status == "UNSAT", seed
        shortened += r.statistics["vivified_irredundant"]
        assert G.check_drat(clauses, proof, binary=(fmt == "binary")).ok, seed
    assert shortened > 0


def test_irredundant_vivification_option_turns_it_off():
    clauses = G.random_ksat(60, 300, seed=101)
    r = solve(clauses, options=dict(VIVIFY, vivifyirred=0))
    assert r.statistics["vivified_irredundant"] == 0


def ite_chain(n, seed):
    """v_i = ITE(c_i, t_i, e_i) over earlier variables, with the last output
    forced to a value it can take (checked by the caller's solve)."""
    rng = random.Random(seed)
    clauses, nxt = [], n + 1
    for _ in range(n):
        c, t, e = rng.sample(range(1, nxt), 3)
        v = nxt
        nxt += 1
        clauses += [[-v, -c, t], [-v, c, e], [v, -c, -t], [v, c, -e]]
    return clauses, nxt - 1


def xor_chain(n, width, seed, parity):
    """y_i = XOR of `width` earlier variables, as the 2^width clauses each,
    and the XOR of all outputs fixed to `parity` by a final long XOR over
    fresh intermediate sums."""
    rng = random.Random(seed)
    clauses, nxt = [], n + 1
    outs = []
    for _ in range(n):
        ins = rng.sample(range(1, nxt), width)
        y = nxt
        nxt += 1
        clauses += G.xor_clauses(ins + [y], 0)  # y = XOR(ins)
        outs.append(y)
    return clauses, outs, nxt


@pytest.mark.parametrize("gate", ["ites", "xors"])
def test_ite_and_xor_gates_are_found_and_models_stay_right(gate):
    if gate == "ites":
        clauses, out = ite_chain(40, 3)
    else:
        clauses, outs, _ = xor_chain(40, 3, 3, 0)
        out = outs[-1]
    opts = dict(ONLY, elim=1, gates=1)
    counts = {}
    for on in (1, 0):
        for value in (out, -out):
            with Solver(bootstrap_with=clauses + [[value]], options=dict(opts, **{gate: on})) as s:
                assert s.solve() is True
                assert G.satisfies(clauses + [[value]], s.get_model())
                counts[on] = counts.get(on, 0) + s.accum_stats()["gates"]
    assert counts[1] > counts[0]


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_xor_and_ite_gate_elimination_proofs(tmp_path, fmt):
    for seed in range(3):
        # two XOR chains over the same inputs computing the same parity,
        # with different outputs forced: UNSAT
        clauses = G.parity_chain(14, satisfiable=False, seed=seed)
        ite, out = ite_chain(20, seed)
        clauses = clauses + [[l + (100 if l > 0 else -100) for l in c] for c in ite]
        proof = tmp_path / f"{seed}.drat"
        r = solve(clauses, proof=proof, proof_format=fmt,
                  options=dict(ONLY, elim=1, gates=1, ites=1, xors=1, elimbound=4))
        assert r.status == "UNSAT"
        assert r.statistics["gates"] > 0
        assert G.check_drat(clauses, proof, binary=(fmt == "binary")).ok, seed


@pytest.mark.parametrize("width", [2, 3])
def test_forward_subsumption_makes_a_learned_subsumer_irredundant(width):
    # per group, assuming the first `width` literals false learns the clause
    # of those literals, which subsumes all three clauses of the group: the
    # first one it subsumes makes it irredundant (else a reduction could
    # delete it and lose them), so nof_clauses counts it
    clauses, groups = [], []
    for g in range(4):
        head = list(range(10 * g + 1, 10 * g + 1 + width))
        x, y = 10 * g + 8, 10 * g + 9
        clauses += [head + [x], head + [y], head + [-y]]
        groups.append(head)
    with Solver(bootstrap_with=clauses,
                options=dict(ONLY, forward=1, inprocessint=1)) as s:
        for head in groups:
            assert s.solve(assumptions=[-v for v in head]) is False
        assert s.solve() is True
        st = s.accum_stats()
        assert st["subsumed"] >= 6
        # each subsumed group leaves its learned clause, now irredundant
        assert s.nof_clauses() == len(clauses) - st["subsumed"] + st["subsumed"] // 3
        assert G.satisfies(clauses, s.get_model())


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_forward_subsumption_of_learned_clauses_with_proofs(tmp_path, fmt):
    removed = 0
    for seed in range(3):
        clauses = G.random_ksat(80, 400, seed=300 + seed)
        proof = tmp_path / f"{seed}.drat"
        r = solve(clauses, proof=proof, proof_format=fmt,
                  options=dict(ONLY, forward=1, inprocessint=1))
        assert r.status == "UNSAT", seed
        removed += r.statistics["subsumed"] + r.statistics["strengthened"]
        assert G.check_drat(clauses, proof, binary=(fmt == "binary")).ok, seed
    assert removed > 0
    r = solve(G.random_ksat(80, 400, seed=300), options=dict(ONLY, inprocessint=1))
    assert r.statistics["subsumed"] == r.statistics["strengthened"] == 0


def test_propagate_reads_the_extension_stack_instead_of_restoring():
    # two implication chains 1 -> .. -> 30 and 101 -> .. -> 130 whose heads,
    # frozen as assumptions, stay while the rest is eliminated: propagate
    # lists every literal of a chain and restores nothing (a restore would
    # undo elimination that the next rounds would then redo)
    clauses = []
    for base in (0, 100):
        clauses += [[-(base + i), base + i + 1] for i in range(1, 30)]
    with Solver(bootstrap_with=clauses, options={"substitute": 0, "probe": 0}) as s:
        assert s.solve(assumptions=[1, 101]) is True
        eliminated = s.accum_stats()["eliminated"]
        assert eliminated >= 40
        for head in (1, 101):
            ok, lits = s.propagate(assumptions=[head])
            assert ok is True
            assert set(range(head, head + 30)) <= set(lits)
        ok, lits = s.propagate(assumptions=[1, 101])
        assert ok is True and 130 in lits and 30 in lits
        st = s.accum_stats()
        assert st["restored"] == 0 and st["eliminated"] == eliminated
        assert s.solve(assumptions=[1, -101]) is True
        assert G.satisfies(clauses, s.get_model())


@pytest.mark.parametrize("seed", range(3))
def test_propagate_after_elimination_is_sound_and_as_strong_as_minisat(seed):
    from pysat.solvers import Solver as RefSolver
    rng = random.Random(seed)
    for _ in range(30):
        n = rng.randint(8, 30)
        clauses = G.random_mixed(n, 3 * n, seed=rng.randrange(10 ** 6), max_len=3)
        # `fresh` only propagates: learned clauses would make it stronger
        with Solver(bootstrap_with=clauses) as s, \
                RefSolver(name="m22", bootstrap_with=clauses) as ref, \
                RefSolver(name="m22", bootstrap_with=clauses) as fresh:
            if not s.solve():
                continue
            for _ in range(5):
                assume = [rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(2)]
                ok, lits = s.propagate(assumptions=assume)
                rok, rlits = fresh.propagate(assumptions=assume)
                if not ok:
                    assert not ref.solve(assumptions=assume)
                    continue
                for lit in lits:  # implied
                    assert not ref.solve(assumptions=assume + [-lit])
                if rok:  # MiniSat's implications, unless fixed for good here
                    for lit in set(rlits) - set(lits):
                        assert not s.solve(assumptions=[-lit]), (clauses, assume, lit)


def hbr_formula(n, seed):
    """x_i -> y_i (binary) and (-x_i | -y_i | z_i): probing the root x_i
    implies z_i through the long clause, with x_i as dominator, so the
    hyper-binary resolvent (-x_i | z_i) subsumes it; a third clause per
    group keeps x_i from being pure."""
    rng = random.Random(seed)
    clauses = []
    for i in range(n):
        x, y, z = 3 * i + 1, 3 * i + 2, 3 * i + 3
        clauses += [[-x, y], [-x, -y, z], [rng.choice((-1, 1)) * z, x, y]]
    return clauses


@pytest.mark.parametrize("fmt", ["text", "binary"])
def test_hyper_binary_resolvents_replace_the_clauses_they_subsume(tmp_path, fmt):
    clauses = hbr_formula(20, 1)
    opts = dict(ONLY, probe=1, hbr=1)
    with Solver(bootstrap_with=clauses, options=opts) as s:
        assert s.solve() is True
        assert G.satisfies(clauses, s.get_model())
        assert s.accum_stats()["hyper"] >= 10
    with Solver(bootstrap_with=clauses, options=dict(opts, hbr=0)) as s:
        assert s.solve() is True
        assert s.accum_stats()["hyper"] == 0
    unsat = clauses + [[l + (100 if l > 0 else -100) for l in c] for c in G.pigeonhole(4)]
    proof = tmp_path / "p.drat"
    r = solve(unsat, proof=proof, proof_format=fmt, options=opts)
    assert r.status == "UNSAT" and r.statistics["hyper"] >= 10
    assert G.check_drat(unsat, proof, binary=(fmt == "binary")).ok
