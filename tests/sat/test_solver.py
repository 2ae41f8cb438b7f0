"""The CDCL solver: answers checked independently (models against the
formula, UNSAT by dratify on text and binary DRAT), assumptions and cores,
incremental use, limits, interrupts, phases, options and bad arguments."""
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from optsolve.sat import CNF, Solver, SolveResult, solve

gen = Path(__file__).with_name("_gen.py")
import importlib.util  # noqa: E402

_spec = importlib.util.spec_from_file_location("optsolve_sat_test_gen", gen)
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)


def unsat_families():
    yield "php4", G.pigeonhole(4)
    yield "php5", G.pigeonhole(5)
    yield "parity10", G.parity_chain(10, satisfiable=False, seed=1)
    yield "parity14", G.parity_chain(14, satisfiable=False, seed=2)
    for seed in range(4):
        yield f"r3-50-{seed}", G.random_ksat(50, 300, seed=seed)  # ratio 6: UNSAT
    yield "empty-clause", [[1, 2], []]
    yield "units", [[1], [-1, 2], [-2]]


@pytest.mark.parametrize("fmt", ["text", "binary"])
@pytest.mark.parametrize("name,clauses", list(unsat_families()))
def test_unsat_proof_checked_by_dratify(tmp_path, name, clauses, fmt):
    proof = tmp_path / f"{name}.drat"
    r = solve(clauses, proof=proof, proof_format=fmt)
    assert r.status == "UNSAT" and r.satisfiable is False and r.success
    check = G.check_drat(clauses, proof, binary=(fmt == "binary"))
    assert check.ok, check.report()


# small intervals: reductions, vivification, simplification, rephasing and
# mode switches all happen within the few hundred conflicts of these proofs
EVERYTHING = {"reduceint": 10, "simplifyint": 1, "rephaseint": 10, "stableinit": 10,
              "lubybase": 4, "tier1": 1, "tier2": 3, "vivifyeffort": 1000,
              "inprocessint": 1}


@pytest.mark.parametrize("fmt", ["text", "binary"])
@pytest.mark.parametrize("opts", [EVERYTHING, dict(EVERYTHING, vmtf=1, target=2)])
def test_unsat_proofs_with_every_technique(tmp_path, fmt, opts):
    for name, clauses in [("php6", G.pigeonhole(6)),
                          ("r3", G.random_ksat(90, 450, seed=11)),
                          ("parity", G.parity_chain(16, satisfiable=False, seed=5))]:
        proof = tmp_path / f"{name}.drat"
        r = solve(clauses, proof=proof, proof_format=fmt, options=opts)
        assert r.status == "UNSAT"
        st = r.statistics
        assert st["reductions"] > 0 and st["simplifications"] > 0, name
        assert st["vivified"] > 0, name
        assert st["inprocessings"] > 1 and st["subsumed"] + st["eliminated"] > 0, name
        check = G.check_drat(clauses, proof, binary=(fmt == "binary"))
        assert check.ok, (name, check.report())


def test_checker_rejects_a_wrong_proof(tmp_path):
    # the proof check above must be able to fail: drop the lemmas
    clauses = G.pigeonhole(4)
    proof = tmp_path / "p.drat"
    solve(clauses, proof=proof)
    proof.write_text("0\n")
    assert not G.check_drat(clauses, proof).ok


@pytest.mark.parametrize("seed", range(12))
def test_random_3sat_near_threshold(seed):
    clauses = G.random_ksat(120, 511, seed=100 + seed)  # ratio 4.26
    r = solve(clauses)
    assert r.status in ("SAT", "UNSAT")
    if r.status == "SAT":
        assert G.satisfies(clauses, r.model)
        assert len(r.model) == 120
    else:
        from pysat.solvers import Solver as PySolver
        with PySolver(name="cadical195", bootstrap_with=clauses) as ref:
            assert ref.solve() is False


@pytest.mark.parametrize("n", [8, 13])
def test_parity_satisfiable(n):
    clauses = G.parity_chain(n, satisfiable=True, seed=n)
    r = solve(clauses)
    assert r.status == "SAT" and G.satisfies(clauses, r.model)


def test_pigeonhole_more_holes_than_pigeons_is_sat():
    clauses = [c for c in G.pigeonhole(5) if len(c) == 2 or c[0] <= 5 * 5]
    r = solve(clauses)
    assert r.status == "SAT" and G.satisfies(clauses, r.model)


def test_inputs_cnf_pysat_and_file(tmp_path):
    clauses = G.random_ksat(30, 100, seed=5)
    cnf = CNF.from_clauses(clauses)
    path = tmp_path / "f.cnf"
    cnf.to_dimacs(path)
    from pysat.formula import CNF as PyCNF
    answers = {solve(x).status for x in (clauses, cnf, str(path), path,
                                          PyCNF(from_clauses=clauses))}
    assert len(answers) == 1


def test_model_covers_declared_variables():
    r = solve(CNF.from_clauses([[1], [-3]], nvars=6))
    assert r.model.tolist()[:3] == [1, r.model[1], -3]
    assert len(r.model) == 6 and r.nvars == 6


def test_result_fields():
    r = solve([[1, 2]])
    assert isinstance(r, SolveResult)
    assert r.limit is None and r.core is None
    for key in ("conflicts", "decisions", "propagations", "restarts",
                "learned", "deleted", "time"):
        assert key in r.statistics
    assert "SAT" in repr(r)


# -- assumptions, cores, incremental use -----------------------------------

def check_core(clauses, assumptions, core):
    assert set(core) <= set(assumptions)
    from pysat.solvers import Solver as PySolver
    with PySolver(name="cadical195", bootstrap_with=clauses) as ref:
        assert ref.solve(assumptions=core) is False


def test_assumptions_and_core():
    clauses = [[-1, 2], [-2, 3], [-3, 4], [5, 6]]
    with Solver(bootstrap_with=clauses) as s:
        assert s.solve(assumptions=[1, 5]) is True
        m = s.get_model()
        assert G.satisfies(clauses + [[1], [5]], m)
        assert s.solve(assumptions=[6, 1, -4, 5]) is False
        core = s.get_core()
        assert sorted(core) == [-4, 1]
        check_core(clauses, [6, 1, -4, 5], core)
        assert s.get_model() is None
        assert s.solve() is True  # assumptions do not persist


def test_conflicting_assumptions_core():
    with Solver(bootstrap_with=[[1, 2]]) as s:
        assert s.solve(assumptions=[3, -3]) is False
        assert sorted(s.get_core()) == [-3, 3]
        assert s.solve(assumptions=[-1, -2, 7]) is False
        assert sorted(s.get_core()) == [-2, -1]


def test_many_already_true_assumptions():
    # regression: every assumption opens a decision level, so levels may
    # outnumber variables (overflowed the level arrays before)
    clauses = [[v, v + 1] for v in range(1, 16)]
    with Solver(bootstrap_with=clauses) as s:
        assert s.solve(assumptions=[1] * 40 + [-2, 3]) is True
        assert G.satisfies(clauses + [[1], [-2], [3]], s.get_model())
        assert s.solve(assumptions=[1] * 40 + [-2, -3]) is False
        assert sorted(s.get_core()) == [-3, -2]


def test_core_is_none_when_formula_unsat():
    # PySAT's get_core gives None when no assumption is needed
    with Solver(bootstrap_with=G.pigeonhole(3)) as s:
        assert s.solve(assumptions=[1, 2]) is False
        check_core(G.pigeonhole(3), [1, 2], s.get_core())
        assert s.solve() is False
        assert s.solve(assumptions=[1, 2]) is False
        assert s.get_core() is None


def test_incremental_add_between_solves():
    rng = np.random.default_rng(0)
    clauses = G.random_ksat(40, 120, seed=9)
    s = Solver()
    from pysat.solvers import Solver as PySolver
    ref = PySolver(name="cadical195")
    for c in clauses:
        s.add_clause(c)
        ref.add_clause(c)
        if rng.random() < 0.2:
            a = [int(x) for x in rng.choice([-1, 1], 3) * rng.choice(np.arange(1, 41), 3, replace=False)]
            ans = s.solve(assumptions=a)
            assert ans == ref.solve(assumptions=a)
            if ans:
                assert G.satisfies(clauses[:clauses.index(c) + 1] + [[x] for x in a], s.get_model())
    assert s.nof_clauses() == len(clauses)
    assert s.nof_vars() == 40
    s.delete()
    ref.delete()


def test_add_clause_no_return_reports_inconsistency():
    with Solver() as s:
        assert s.add_clause([1], no_return=False) is True
        assert s.add_clause([-1], no_return=False) is False
        assert s.solve() is False


def test_learned_units_survive_and_new_clauses_after_unsat_under_assumptions():
    with Solver(bootstrap_with=G.pigeonhole(4)) as s:
        s.add_clause([100, 101])
        assert s.solve(assumptions=[-100, -101]) is False
        assert s.solve() is False


# -- limits and interrupts -------------------------------------------------

def test_conflict_budget():
    clauses = G.pigeonhole(8)
    with Solver(bootstrap_with=clauses) as s:
        s.conf_budget(50)
        assert s.solve_limited() is None
        assert s.get_status() is None and s.limit() == "conflicts"
        assert s.accum_stats()["conflicts"] == 50
        s.conf_budget(-1)
        s.prop_budget(1000)
        assert s.solve_limited() is None and s.limit() == "propagations"


@pytest.mark.parametrize("budget", [1, 2, 7, 100, 1000])
def test_conflict_budget_stops_at_exactly_the_budget(budget):
    # it used to run one conflict over (--conflicts 20000 reported 20,001)
    clauses = G.pigeonhole(8)
    r = solve(clauses, conflicts=budget)
    assert r.limit == "conflicts" and r.statistics["conflicts"] == budget
    with Solver(bootstrap_with=clauses) as s:
        for calls in (1, 2, 3):
            s.conf_budget(budget)
            assert s.solve_limited() is None and s.limit() == "conflicts"
            assert s.accum_stats()["conflicts"] == calls * budget


def test_zero_conflicts_in_solve_means_none_allowed():
    r = solve(G.pigeonhole(6), conflicts=0)
    assert r.status == "UNKNOWN" and r.statistics["conflicts"] == 0


@pytest.mark.parametrize("budget", [0, -1, -(2**70), 2**63 - 1, 2**63, 2**70,
                                    np.int64(2**62), np.uint64(2**64 - 1)])
def test_budgets_of_any_integer(budget):
    # 0 and negative mean no limit (PySAT's documented meaning); huge values
    # are no limit in practice (they gave OverflowError)
    clauses = G.pigeonhole(6)
    with Solver(bootstrap_with=clauses) as s:
        s.conf_budget(budget)
        s.prop_budget(budget)
        assert s.solve_limited() is False and s.limit() is None
        assert s.accum_stats()["conflicts"] > 0
    assert solve(clauses, conflicts=budget if budget > 0 else None,
                 propagations=budget if budget > 0 else None).status == "UNSAT"


@pytest.mark.parametrize("budget", [1.0, "3", None, True, np.float64(2), [1]])
def test_budgets_reject_non_integers(budget):
    with Solver() as s:
        for method in (s.conf_budget, s.prop_budget):
            with pytest.raises(ValueError, match="`budget` must be an integer"):
                method(budget)


def test_time_limit_returns_unknown():
    clauses = G.pigeonhole(10)
    t0 = time.perf_counter()
    r = solve(clauses, time_limit=0.3)
    elapsed = time.perf_counter() - t0
    assert r.status == "UNKNOWN" and r.limit == "time" and not r.success
    assert elapsed < 3.0
    assert solve(clauses, conflicts=10).limit == "conflicts"


def test_interrupt_from_another_thread():
    s = Solver(bootstrap_with=G.pigeonhole(11))
    timer = threading.Timer(0.3, s.interrupt)
    timer.start()
    t0 = time.perf_counter()
    assert s.solve_limited(expect_interrupt=True) is None
    assert time.perf_counter() - t0 < 5.0
    assert s.limit() == "interrupt"
    # the flag stays until cleared, as in PySAT
    assert s.solve_limited() is None
    s.clear_interrupt()
    s.conf_budget(5)
    assert s.solve_limited() is None and s.limit() == "conflicts"
    s.delete()


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler for the test: a process started in the
    background by a non-interactive shell inherits SIGINT ignored, and Python
    then keeps it ignored (the Ctrl-C below would never arrive)."""
    import signal
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize("delay", [0.1, 0.6])  # in the direct slice / the worker
def test_ctrl_c_in_main_thread_gives_unknown(delay, python_sigint):
    import os
    import signal
    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    t0 = time.perf_counter()
    r = solve(G.pigeonhole(12))
    timer.join()
    assert r.status == "UNKNOWN" and r.limit == "interrupt"
    assert time.perf_counter() - t0 < 5.0
    # the same with a Solver, which stays usable afterwards
    with Solver(bootstrap_with=G.pigeonhole(12)) as s:
        timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        assert s.solve() is None and s.limit() == "interrupt"
        timer.join()
        s.conf_budget(10)
        assert s.solve_limited() is None and s.limit() == "conflicts"
        s.add_clause([1])
        s.add_clause([-1])
        assert s.solve() is False
    # the handler was restored and the next run is not affected
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert solve(G.pigeonhole(4)).status == "UNSAT"


def test_solve_in_worker_thread_is_interruptible():
    s = Solver(bootstrap_with=G.pigeonhole(11))
    box = []
    t = threading.Thread(target=lambda: box.append(s.solve()))
    t.start()
    time.sleep(0.2)
    s.interrupt()
    t.join(5)
    assert not t.is_alive() and box == [None]
    s.delete()


def test_busy_solver_refuses_other_calls():
    s = Solver(bootstrap_with=G.pigeonhole(11))
    t = threading.Thread(target=s.solve)
    t.start()
    time.sleep(0.2)
    with pytest.raises(RuntimeError, match="busy"):
        s.add_clause([1, 2])
    s.interrupt()
    t.join(5)
    s.delete()


# -- phases, options, statistics -------------------------------------------

def test_phases_decide_the_model_of_a_free_formula():
    n = 50
    clauses = [[v, -v - 1, v + 2] for v in range(1, n - 1)]
    want = [v if v % 3 else -v for v in range(1, n + 1)]
    with Solver(bootstrap_with=clauses, phases=want) as s:
        assert s.solve() is True
        m = s.get_model()
    assert G.satisfies(clauses, m)
    assert sum(a == b for a, b in zip(m, want)) >= n - 5
    r = solve(clauses, phases=[-v for v in range(1, n + 1)], options={"phase": 1})
    assert G.satisfies(clauses, r.model)


def test_options_and_seed_change_search_not_answers():
    clauses = G.random_ksat(100, 426, seed=77)
    answers = set()
    for opts in ({}, {"stable": 0}, {"minimize": 0}, {"target": 2},
                 {"simplify": 0, "rephase": 0}, {"reduceint": 10}, {"vmtf": 1}):
        r = solve(clauses, options=opts, seed=3)
        answers.add(r.status)
        if r.status == "SAT":
            assert G.satisfies(clauses, r.model)
    assert len(answers) == 1
    table = Solver.option_table()
    assert {"tier1", "tier2", "restartmargin", "phase"} <= set(table)


def test_statistics_accumulate():
    with Solver(bootstrap_with=G.pigeonhole(5)) as s:
        s.solve()
        st = s.accum_stats()
        assert st["conflicts"] > 0 and st["decisions"] > 0
        assert st["propagations"] >= st["decisions"]
        assert s.time() >= 0 and s.time_accum() >= 0


def test_verbose_progress_lines(capfd):
    solve(G.pigeonhole(7), verbose=2)
    out = capfd.readouterr().out
    assert out.startswith("c ") and len(out.splitlines()) >= 2


def test_silent_by_default(capfd):
    solve(G.pigeonhole(6))
    assert capfd.readouterr().out == ""


# -- bad arguments ---------------------------------------------------------

@pytest.mark.parametrize("clause,match", [
    ([1, 0], "must not contain the literal 0"),
    ([1, 2.5], "must contain integers"),
    ([1, "2"], "must contain integers"),
    ([True], "must contain integers"),
    ("1 2", "not a string|got a string"),
    ([2 ** 31], "beyond variable"),
    ((1, -(2 ** 31)), "beyond variable"),
    ((0,), "must not contain the literal 0"),
    (list(range(1, 100)) + [0], "must not contain the literal 0"),
    (5, "sequence of non-zero integers"),
])
def test_add_clause_rejects_bad_literals(clause, match):
    with Solver() as s:
        with pytest.raises(ValueError, match=match):
            s.add_clause(clause)


def test_bad_arguments():
    with pytest.raises(ValueError, match="`formula`"):
        solve([[1, 0]])
    with pytest.raises(ValueError, match="`assumptions`"):
        solve([[1]], assumptions=[0])
    with pytest.raises(ValueError, match="`time_limit`"):
        solve([[1]], time_limit=-1)
    with pytest.raises(ValueError, match="`conflicts`"):
        solve([[1]], conflicts=1.5)
    with pytest.raises(ValueError, match="`proof_format`"):
        solve([[1]], proof="x", proof_format="lrat")
    with pytest.raises(ValueError, match="`options` names an unknown option"):
        solve([[1]], options={"nope": 1})
    with pytest.raises(ValueError, match="must be an integer in"):
        solve([[1]], options={"tier1": 0})
    with pytest.raises(ValueError, match="`literals`"):
        Solver().set_phases([1, 0])
    with pytest.raises(ValueError, match="`budget`"):
        Solver().conf_budget("x")
    with pytest.raises(ValueError, match="unknown arguments"):
        Solver(with_proofs=True)


def test_deleted_solver_does_nothing_as_in_pysat():
    s = Solver(bootstrap_with=[[1]])
    assert s.solve() is True
    s.delete()
    s.delete()  # twice is fine
    for call in (s.solve, s.solve_limited, s.get_model, s.get_core, s.get_status,
                 s.nof_vars, s.nof_clauses, s.accum_stats, s.time, s.get_proof,
                 lambda: s.add_clause([1]), lambda: s.propagate([1]),
                 lambda: s.append_formula([[2]]), lambda: s.conf_budget(5)):
        assert call() is None
    assert list(s.enum_models()) == []


def test_bad_proof_path():
    with pytest.raises(OSError, match="proof"):
        Solver(proof="/nonexistent/dir/p.drat")


def test_missing_file():
    with pytest.raises(OSError):
        solve("/nonexistent/file.cnf")
