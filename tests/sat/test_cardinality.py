"""Cardinality constraints: PySAT's CNFPlus atmosts and Solver.add_atmost.

Before the fix, the ``atmosts`` of a CNFPlus passed to ``bootstrap_with`` or
``append_formula`` were silently dropped, and models violated them.
"""
import itertools
import random

import pytest
from pysat.card import CardEnc, EncType
from pysat.formula import CNFPlus

from optsolve.sat import CNF, Solver, solve


def holds(model, clauses, atmosts):
    value = {abs(l): l > 0 for l in model}
    true = lambda l: value.get(abs(l), True) == (l > 0)  # noqa: E731
    return (all(any(true(l) for l in c) for c in clauses)
            and all(sum(w * true(l) for l, w in zip(lits, ws or [1] * len(lits))) <= k
                    for lits, k, ws in atmosts))


def brute_force_models(nvars, clauses, atmosts):
    out = []
    for bits in itertools.product([False, True], repeat=nvars):
        model = [v if b else -v for v, b in zip(range(1, nvars + 1), bits)]
        if holds(model, clauses, atmosts):
            out.append(model)
    return out


def all_models(s, nvars):
    """Enumerate models by blocking clauses over variables 1..nvars."""
    models = []
    while s.solve():
        m = s.get_model()[:nvars]
        m += [v for v in range(len(m) + 1, nvars + 1)]  # unseen variables
        models.append(m)
        s.add_clause([-l for l in m])
    return models


def test_native_atmost_from_cardenc_is_kept():
    cnf = CardEnc.atmost(lits=range(1, 6), bound=1, encoding=EncType.native)
    cnf.append(list(range(1, 6)))  # at least one
    assert cnf.atmosts  # the formula really carries a native constraint
    for make in (lambda: Solver(bootstrap_with=cnf),
                 lambda: _appended(cnf)):
        with make() as s:
            models = all_models(s, 5)
            assert sorted(models) == sorted(brute_force_models(5, cnf.clauses, [
                (list(range(1, 6)), 1, None)]))
            assert len(models) == 5


def _appended(formula):
    s = Solver()
    s.append_formula(formula)
    return s


def test_cnfplus_atmost_unsat_when_it_must_be():
    f = CNFPlus()
    f.append([1, 2, 3], is_atmost=False)
    f.append([[1, 2, 3], 0], is_atmost=True)
    with Solver(bootstrap_with=f) as s:
        assert s.solve() is False
    assert solve(f).status == "UNSAT"
    f = CNFPlus(from_string="p cnf+ 4 2\n1 2 3 4 >= 3\n1 2 3 4 <= 2\n")
    assert Solver(bootstrap_with=f).solve() is False


def test_cnf_refuses_what_it_cannot_hold():
    f = CardEnc.atmost(lits=[1, 2, 3], bound=1, encoding=EncType.native)
    with pytest.raises(ValueError, match="cardinality constraints"):
        CNF.from_pysat(f)


def test_solve_function_keeps_atmosts():
    f = CardEnc.atmost(lits=[1, 2, 3], bound=1, encoding=EncType.native)
    f.append([1, 2])
    f.append([2, 3])
    r = solve(f)
    assert r.status == "SAT" and r.model.tolist() == [-1, 2, -3]


@pytest.fixture(params=["seqcounter", "kmtotalizer"])
def encoding(request, monkeypatch):
    # the totalizer is used for large constraints only: force it here
    if request.param == "kmtotalizer":
        monkeypatch.setattr("optsolve.sat._solver._SEQCOUNTER_MAX", -1)
    return request.param


@pytest.mark.parametrize("seed", range(40))
def test_random_atmosts_match_brute_force(seed, encoding):
    rng = random.Random(seed)
    n = rng.randint(3, 8)
    clauses = [[rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(rng.randint(1, 3))]
               for _ in range(rng.randint(0, 2 * n))]
    atmosts = []
    for _ in range(rng.randint(1, 3)):
        lits = [rng.choice([-1, 1]) * rng.randint(1, n) for _ in range(rng.randint(1, n))]
        weights = [rng.randint(-3, 3) for _ in lits] if rng.random() < 0.3 else None
        atmosts.append((lits, rng.randint(-1, len(lits)), weights))
    expected = brute_force_models(n, clauses, atmosts)
    with Solver(bootstrap_with=clauses) as s:
        for lits, k, w in atmosts:
            s.add_atmost(lits, k, weights=w or [])
        assert s.solve() is bool(expected)
        if expected:
            assert holds(s.get_model(), clauses, atmosts)
        # assumptions decide the same as the brute force restricted to them
        assume = [rng.choice([-1, 1]) * v for v in rng.sample(range(1, n + 1), 2)]
        restricted = [m for m in expected if set(assume) <= set(m)]
        assert s.solve(assumptions=assume) is bool(restricted)
        if not restricted:
            assert set(s.get_core() or []) <= set(assume)
        assert sorted(all_models(s, n)) == sorted(expected)


def test_auxiliary_variables_stay_apart_from_user_variables():
    with Solver() as s:
        s.add_atmost([1, 2, 3, 4], 1)
        assert s.nof_vars() == 4
        # a PySAT user allocates "fresh" variables 5, 6, 7 next: they must be
        # free variables, not the counter's auxiliaries
        s.add_clause([5, 6])
        s.add_clause([-5, 7])
        s.add_clause([1, 2])
        for assume in ([5, 6, 7], [-5, 6], [1, 5, 7]):
            assert s.solve(assumptions=assume) is True, assume
            model = s.get_model()
            assert len(model) == 7 and set(assume) <= set(model)
            assert sum(l > 0 for l in model[:4]) <= 1
        assert s.solve(assumptions=[1, 2]) is False
        assert sorted(s.get_core()) == [1, 2]
        assert s.nof_vars() == 7
        s.set_phases([-5, -6, 7])
        assert s.solve() is True


def test_add_atmost_arguments():
    s = Solver()
    with pytest.raises(ValueError, match="`k` must be an integer"):
        s.add_atmost([1, 2], 1.5)
    with pytest.raises(ValueError, match="`weights` has 1 entries"):
        s.add_atmost([1, 2], 1, weights=[1])
    with pytest.raises(ValueError, match="`lits`"):
        s.add_atmost([1, 0], 1)
    assert s.supports_atmost() is True
    assert s.add_atmost([1, 2], 1, no_return=False) is True
    assert s.add_atmost([1, 2], -1, no_return=False) is False


def test_large_constraint_uses_a_compact_encoding():
    # 3000 literals, at most 1500: the sequential counter would take 4.5
    # million clauses, the totalizer about 183 thousand
    n, k = 3000, 1500
    with Solver() as s:
        s.add_atmost(list(range(1, n + 1)), k)
        assert s.nof_clauses() < 500_000
        assert s.solve(assumptions=list(range(1, k + 1))) is True
        assert sum(l > 0 for l in s.get_model()) <= k and s.nof_vars() == n
        assert s.solve(assumptions=list(range(1, k + 2))) is False
        assert len(s.get_core()) == k + 1
