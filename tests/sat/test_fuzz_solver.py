"""Differential fuzzing against PySAT's CaDiCaL 1.9.5.

Thousands of small random formulas (random k-SAT around the threshold and
mixed-length clauses with units, duplicates and tautologies), solved plainly,
under assumptions, and in incremental add/solve sequences, with the solver's
options randomized so that restarts, reductions, rephasing, mode switches and
simplification all run on small inputs. Any disagreement fails; every model
is checked against the formula and every core is a subset of the
assumptions that CaDiCaL confirms unsatisfiable with the formula.

A longer run: ``python tests/sat/test_fuzz_solver.py --count 100000 --seed 7``;
the fuller differential run (more references, budgets, propagate, cardinality
constraints, proofs) is ``python -m bench sat_fuzz --cases N``.
"""
import argparse
import importlib.util
import random
import sys
from pathlib import Path

import pytest
from pysat.solvers import Solver as RefSolver

from optsolve.sat import Solver

_spec = importlib.util.spec_from_file_location(
    "optsolve_sat_test_gen", Path(__file__).with_name("_gen.py"))
G = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(G)

# small values make every mechanism of the solver fire on tiny formulas
AGGRESSIVE = {"reduceint": 10, "restartint": 1, "stableinit": 10, "lubybase": 1,
              "rephaseint": 10, "simplifyint": 1, "tier1": 1, "tier2": 2,
              "reducefraction": 90}


def random_options(rng):
    opts = {k: v for k, v in AGGRESSIVE.items() if rng.random() < 0.6}
    for key in ("minimize", "stable", "simplify", "rephase", "phase"):
        if rng.random() < 0.15:
            opts[key] = 0
    if rng.random() < 0.2:
        opts["target"] = rng.choice((0, 2))
    if rng.random() < 0.3:
        opts["vmtf"] = 1
    if rng.random() < 0.5:  # inprocessing at every restart, small efforts
        opts.update(inprocessint=1, elimbound=rng.choice((0, 1, 4, 16)),
                    elimeffort=rng.choice((0, 10, 1000, 100000)),
                    subsumeeffort=rng.choice((0, 10, 1000, 100000)),
                    preprocesseffort=rng.choice((0, 1, 20)),
                    elimocclim=rng.choice((2, 10, 100)),
                    elimclslim=rng.choice((2, 3, 100)))
    for key in ("elim", "subsume", "gates", "preprocess", "inprocess", "substitute", "probe"):
        if rng.random() < 0.1:
            opts[key] = 0
    return opts


def random_formula(rng):
    nvars = rng.randint(3, 30)
    if rng.random() < 0.5:
        k = rng.choice((2, 3, 3, 3, 4))
        ratio = {2: 1.0, 3: 4.26, 4: 9.9}[k] * rng.uniform(0.7, 1.3)
        return nvars, G.random_ksat(nvars, max(1, int(ratio * nvars)), k=min(k, nvars),
                                    seed=rng.random())
    return nvars, G.random_mixed(nvars, rng.randint(1, 5 * nvars), seed=rng.random())


def random_assumptions(rng, nvars):
    n = rng.randint(0, min(5, nvars))
    return [v if rng.random() < 0.5 else -v
            for v in (rng.randint(1, nvars) for _ in range(n))]


def check(ours, ref, clauses, assumptions, tag):
    a = ours.solve(assumptions=assumptions)
    b = ref.solve(assumptions=assumptions)
    assert a == b, f"{tag}: ours {a}, CaDiCaL {b}, assumptions {assumptions}"
    if a:
        model = ours.get_model()
        assert G.satisfies(clauses + [[x] for x in assumptions], model), tag
    else:
        core = ours.get_core()
        if core is None:  # the formula alone is unsatisfiable
            assert ref.solve() is False, f"{tag}: no core, formula SAT"
            return
        assert set(core) <= set(assumptions), tag
        assert ref.solve(assumptions=core) is False, f"{tag}: core {core} not UNSAT"


def fuzz_one(seed):
    rng = random.Random(seed)
    nvars, clauses = random_formula(rng)
    kind = rng.random()
    opts = random_options(rng)
    with Solver(options=opts, seed=rng.randint(0, 100)) as ours, \
            RefSolver(name="cadical195") as ref:
        if kind < 0.6:  # whole formula, then a few assumption calls
            ours.append_formula(clauses)
            ref.append_formula(clauses)
            check(ours, ref, clauses, [], f"seed {seed} plain")
            for _ in range(rng.randint(0, 3)):
                check(ours, ref, clauses, random_assumptions(rng, nvars),
                      f"seed {seed} assumptions")
        else:  # incremental: add in chunks, solve between
            added = []
            while len(added) < len(clauses):
                chunk = clauses[len(added):len(added) + rng.randint(1, 12)]
                for c in chunk:
                    ours.add_clause(c)
                    ref.add_clause(c)
                added += chunk
                check(ours, ref, added, random_assumptions(rng, nvars),
                      f"seed {seed} incremental")


@pytest.mark.parametrize("block", range(20))
def test_differential_vs_cadical(block):
    for seed in range(block * 100, block * 100 + 100):
        fuzz_one(seed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1_000_000)
    args = p.parse_args(argv)
    for i in range(args.count):
        fuzz_one(args.seed + i)
        if (i + 1) % 1000 == 0:
            print(f"{i + 1} formulas agree", flush=True)
    print(f"all {args.count} formulas agree with CaDiCaL")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def _bench_fuzz():
    path = Path(__file__).resolve().parents[2] / "bench" / "sat_fuzz.py"
    spec = importlib.util.spec_from_file_location("optsolve_bench_sat_fuzz", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("block", range(4))
def test_bench_fuzz_cases(block, tmp_path):
    # the CI-size run of bench/sat_fuzz.py (MiniSat, Glucose, CaDiCaL and
    # Minicard references, random options, budgets, propagate, cardinality
    # constraints, DRAT proofs); the long run: python -m bench sat_fuzz
    fuzz = _bench_fuzz()
    stats = dict(models=0, cores=0, proofs=0, propagate=0, unknown=0)
    bad = []
    for seed in range(block * 100, block * 100 + 100):
        bad += fuzz.run_case(seed, str(tmp_path), 5, stats)
    assert not bad, "\n".join(bad)
    assert stats["models"] and stats["cores"] and stats["proofs"]
