"""The PySAT contract of optsolve.sat.Solver.

What PySAT's own solver tests (python-sat's tests/: accum_stats, cnfplus, equals1,
process, propagate, proof, unique_model, warmstart, oom) check of a solver object,
restated as tests of this solver, plus the rest of what a PySAT user calls:
solver names, constructor keywords, enum_models, get_core, nof_clauses,
deleted solvers. The out-of-memory case is in test_out_of_memory.py.
"""
import importlib.util
import itertools
import random
from pathlib import Path

import pytest
from pysat.card import CardEnc, EncType
from pysat.formula import CNF as PySATCNF
from pysat.formula import IDPool
from pysat.solvers import NoSuchSolverError as PySATNoSuchSolverError
from pysat.solvers import Solver as PySATSolver

from optsolve.sat import Solver
from optsolve.sat import NoSuchSolverError, SolverMemoryError

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# the names PySAT's tests loop over; here they all select this engine
NAMES = ["cadical103", "cadical153", "cadical195", "gluecard30", "gluecard41",
         "glucose30", "glucose41", "glucose42", "kissat4", "lingeling",
         "maplechrono", "maplecm", "maplesat", "mergesat3", "minicard",
         "minisat22", "minisat-gh", "m22", "g4", "optsolve", None]


@pytest.mark.parametrize("name", NAMES)
def test_accum_stats_has_pysat_keys(name):
    with Solver(name=name, bootstrap_with=PySATCNF(
            from_clauses=[[1, 2, 3], [-1, 2], [-2]])) as s:
        s.solve()
        stats = s.accum_stats()
        for key in ("conflicts", "decisions", "propagations", "restarts"):
            assert isinstance(stats[key], int)


def test_unique_model_then_blocked():
    with Solver(bootstrap_with=PySATCNF(from_clauses=[[1, 2, 3], [-1, 2], [-2]])) as s:
        assert s.solve() is True
        assert s.get_model() == [-1, -2, 3]
        s.add_clause([-lit for lit in s.get_model()])
        assert s.solve() is False


def test_unknown_name_is_pysat_error():
    with pytest.raises(PySATNoSuchSolverError, match="unknown solver 'nosuch'"):
        Solver(name="nosuch")
    with pytest.raises(ValueError, match="`name`"):
        Solver(name="minisat23")
    assert issubclass(NoSuchSolverError, PySATNoSuchSolverError)
    assert issubclass(SolverMemoryError, (MemoryError, RuntimeError))
    with pytest.raises(PySATNoSuchSolverError):  # PySAT's own, the same way
        PySATSolver(name="nosuch")


def test_propagate_as_pysat():
    cnf = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.pairwise)
    with Solver(bootstrap_with=cnf) as s:
        for lit in range(1, 6):
            st, lits = s.propagate(assumptions=[lit], phase_saving=1)
            assert st is True
            assert lits[0] == lit
            assert sorted(lits[1:], key=abs) == [-v for v in range(1, 6) if v != lit]
            s.solve(assumptions=[3])
        s.solve()
        s.add_clause([2])
        assert s.propagate(assumptions=[1]) == (False, [])
    with Solver() as s:  # no clauses: the assumption alone
        assert s.propagate(assumptions=[1]) == (True, [1])


def random_formulas(seed, count, width):
    """(n, clauses) pairs of small random formulas with units and repeats."""
    rng = random.Random(seed)
    for _ in range(count):
        n = rng.randint(3, 12)
        yield rng, n, [[rng.choice([-1, 1]) * rng.randint(1, n)
                        for _ in range(rng.randint(1, width))]
                       for _ in range(rng.randint(0, 3 * n))]


def test_propagate_matches_minisat_on_random_formulas():
    for rng, n, clauses in random_formulas(3, 200, 3):
        assume = [rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(rng.randint(0, 4))]
        with Solver(bootstrap_with=clauses) as ours, \
                PySATSolver(name="m22", bootstrap_with=clauses) as ref:
            st, lits = ours.propagate(assumptions=assume)
            rst, rlits = ref.propagate(assumptions=assume)
            assert st == rst, (clauses, assume)
            # the same assignment (the order within a level may differ; on a
            # conflict each names some literal of the falsified clause)
            if st:
                assert sorted(lits) == sorted(rlits), (clauses, assume)


def test_propagate_phase_saving():
    with Solver(bootstrap_with=[[-1, 2], [-2, 3]]) as s:
        s.set_phases([-1, -2, -3])
        s.propagate(assumptions=[1], phase_saving=0)
        assert s.solve() is True and s.get_model() == [-1, -2, -3]
        s.propagate(assumptions=[1], phase_saving=2)
        assert s.solve() is True and s.get_model() == [1, 2, 3]


def test_with_proof_returns_checked_drat_lines():
    clauses = [[1, 2], [-1, -2], [1, -2], [-1, 2]]
    with Solver(bootstrap_with=PySATCNF(from_clauses=clauses), with_proof=True) as s:
        assert s.solve() is False
        proof = s.get_proof()
        assert proof and all(isinstance(line, str) for line in proof)
        assert proof[-1] == "0"
        path = s._proof
        Path(path + ".copy").write_text("\n".join(proof) + "\n")
        assert G.check_drat(clauses, path + ".copy")
    assert not Path(path).exists()  # the temporary file is removed
    Path(path + ".copy").unlink()
    assert Solver(bootstrap_with=clauses).get_proof() is None


def test_cnfplus_native_atmost_five_models():
    # PySAT's test_cnfplus: native atmost-1 and atleast-1 over 5 variables
    native = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.native)
    native.append(list(range(1, 6)))
    clausal = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.seqcounter)
    clausal.append(list(range(1, 6)))
    for cnf in (native, clausal):
        with Solver(bootstrap_with=cnf) as s:
            assert len(list(s.enum_models())) == 5
        with Solver() as s:
            s.append_formula(cnf)
            assert len(list(s.enum_models())) == 5


def test_warm_start_same_models():
    cnf = CardEnc.atmost(range(1, 6), 3)
    models = []
    for warm in (False, True):
        with Solver(name="m22", bootstrap_with=cnf, warm_start=warm) as s:
            s.start_mode(warm=warm)
            models.append(sorted(s.enum_models()))
    assert models[0] == models[1]
    for m in models[0]:
        assert G.satisfies(cnf.clauses, m) and sum(lit > 0 for lit in m[:5]) <= 3
    assert len({tuple(m[:5]) for m in models[0]}) == sum(
        1 for bits in itertools.product([0, 1], repeat=5) if sum(bits) <= 3)


def test_enum_models_under_assumptions_blocks_for_good():
    with Solver(bootstrap_with=[[1, 2, 3]]) as s:
        models = list(s.enum_models(assumptions=[-1]))
        assert sorted(models) == [[-1, -2, 3], [-1, 2, -3], [-1, 2, 3]]
        assert s.solve(assumptions=[-1]) is False
        assert s.solve() is True and s.get_model()[0] == 1


def test_constructor_keywords():
    pool = IDPool()
    for kwargs in (dict(incr=True), dict(warm_start=True), dict(native_card=True),
                   dict(use_timer=True), dict(sync_with=pool, native_card=True)):
        with Solver(name="g4", bootstrap_with=[[1]], **kwargs) as s:
            assert s.solve() is True
    assert pool.top == 0  # as PySAT's solvers other than CaDiCaL 3
    with pytest.raises(ValueError, match="`proof_format` must be 'text'"):
        Solver(with_proof=True, proof_format="binary")


def test_get_core_and_status():
    with Solver(bootstrap_with=[[1, 2]]) as s:
        assert s.get_status() is None and s.get_core() is None
        assert s.solve(assumptions=[-1, -2, 3]) is False
        assert sorted(s.get_core()) == [-2, -1]
        s.add_clause([-1])
        assert s.add_clause([-2], no_return=False) is False
        assert s.get_status() is False  # as PySAT, once the clauses are inconsistent
        assert s.solve() is False and s.get_core() is None
        assert s.solve(assumptions=[3]) is False and s.get_core() is None
        assert s.get_model() is None


def test_nof_clauses_counts_as_pysat():
    for _, _, clauses in random_formulas(5, 100, 4):
        with Solver(bootstrap_with=clauses) as s, \
                PySATSolver(name="m22", bootstrap_with=clauses) as ref:
            assert s.nof_clauses() == ref.nof_clauses(), clauses
            assert s.nof_vars() == max(ref.nof_vars(), 0)  # MiniSat: -1 if none


def test_timer_and_misc():
    with Solver(bootstrap_with=G.pigeonhole(5), use_timer=True) as s:
        assert s.solve() is False
        assert s.time() > 0 and s.time_accum() >= s.time()
        assert s.supports_atmost() is True
        with pytest.raises(NotImplementedError):
            s.dec_budget(10)
        s.conf_budget(0)  # PySAT: 0 and -1 switch the budget off
        assert s.solve_limited() is False


def test_sync_with_pool_as_cadical3():
    pool = IDPool()
    with Solver(name="cadical300", bootstrap_with=[[5]], sync_with=pool) as s:
        assert s.nof_vars() == 5 and pool.top == 5 and pool.id() == 6
        s.add_clause([pool.id(), -7])
        assert pool.top == 7 and pool.id() == 8
        with pytest.raises(NotImplementedError):  # as PySAT's CaDiCaL 3
            s.add_atmost([1, 2, 9], 1)
    pool = IDPool()
    with Solver(bootstrap_with=[[5]]) as s:
        s.attach_vpool(pool)
        assert pool.top == 5 and pool.id() == 6
        s.add_atmost([1, 2, 9], 1)
        assert pool.top == 9  # auxiliary variables are not the pool's
    with pytest.raises(ValueError, match="`pool`"):
        Solver().attach_vpool(5)


def test_equals_one_and_k_models_with_every_clausal_encoding():
    # PySAT's test_equals1: "exactly b of l" has l models for b in (1, l-1),
    # counted over the first l variables whatever the encoding
    encodings = [e for e in dir(EncType) if not e.startswith("__") and e != "native"]
    for l in (10, 13):
        for enc in encodings:
            for b in (1, l - 1):
                cnf = CardEnc.equals(lits=list(range(1, l + 1)), bound=b,
                                     encoding=getattr(EncType, enc))
                with Solver(bootstrap_with=cnf) as s:
                    count = 0
                    for model in s.enum_models():
                        count += 1
                        s.add_clause([-lit for lit in model[:l]])
                assert count == l, (l, enc, b)


def test_preprocessed_formula_and_restored_model():
    # PySAT's test_process: solve what pysat.process leaves, restore the model
    from pysat.process import Processor
    unsat = PySATCNF(from_clauses=[[-1, 2], [-2, 3], [-3, 4], [1, -5], [1, 5], [-4, 6], [-4, -6]])
    sat = PySATCNF(from_clauses=[[-1, 2], [-2, 3], [-3, 4], [1, -5], [1, 5], [-4, 6]])
    with Processor(unsat) as p, Solver(bootstrap_with=p.process()) as s:
        assert s.solve() is False
    with Processor(sat) as p, Solver(bootstrap_with=p.process()) as s:
        assert s.solve() is True
        restored = p.restore(s.get_model())
        with Solver(bootstrap_with=sat) as check:
            assert check.solve(assumptions=restored) is True


@pytest.mark.parametrize("name", ["minisat22", "g3", "glucose42", "cadical195",
                                  "kissat404", "lingeling"])
def test_cnfplus_refused_by_names_without_cardinality_as_in_pysat(name):
    # PySAT's test_cnfplus: solvers without native atmost raise
    # NotImplementedError, from bootstrap_with and from append_formula,
    # before any clause is added
    native = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.native)
    with pytest.raises(NotImplementedError, match="not supported by"):
        Solver(name=name, bootstrap_with=native)
    with Solver(name=name) as s:
        assert not s.supports_atmost()
        with pytest.raises(NotImplementedError):
            s.append_formula(native)
        assert s.nof_clauses() == 0
        with pytest.raises(NotImplementedError):
            s.add_atmost([1, 2], 1)
        # a plain CNF is taken under every name
        s.append_formula([[1, 2], [-1]])
        assert s.solve() and s.get_model()[:2] == [-1, 2]


@pytest.mark.parametrize("name", [None, "optsolve", "minicard", "mc", "gc3",
                                  "gluecard41"])
def test_cnfplus_taken_by_names_with_cardinality(name):
    native = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.native)
    native.append(list(range(1, 6)))
    with Solver(name=name, bootstrap_with=native) as s:
        assert s.supports_atmost()
        assert len(list(s.enum_models())) == 5
