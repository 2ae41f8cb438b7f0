"""SAT differential fuzzing: optsolve.sat.Solver against PySAT's solvers.

Usage: python -m bench sat_fuzz [--cases 1000] [--seed 0] [--proof-every 10]
                               [--inprocessing half|always]

Each case is a random incremental run on a small random formula (random
k-SAT near the threshold or mixed lengths with units, repeated literals and
tautologies; a quarter of the cases add cardinality constraints): clauses
are added in chunks between calls of solve, solve_limited (random conflict
and propagation budgets), solve under random assumptions and propagate, with
the solver's options drawn at random from Solver.option_table() (in half
the cases with inprocessing forced on at every restart, so that variables
are eliminated and restored by later clauses and assumptions). The
reference is MiniSat 2.2, Glucose 4 or CaDiCaL 1.9.5 (Minicard when the
case has cardinality constraints), drawn per case. Checked:
- every decided answer agrees with the reference;
- every model satisfies the clauses, the constraints and the assumptions;
- every core is a subset of the assumptions and the reference finds the
  formula unsatisfiable under it; no core (None) only when the formula alone
  is unsatisfiable;
- propagate is sound: a conflict only when the reference finds the
  assumptions unsatisfiable, and the literals it reports are implied;
- every --proof-every'th case records a DRAT proof, and an UNSAT answer
  without assumptions is checked by dratify.
Cases run in a child process; one that kills it (a crash) is counted and the
run continues with the next case. Prints one table: cases, disagreements,
crashes, checks made, seconds per 1000 cases.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import traceback

REFERENCES = ("minisat22", "glucose4", "cadical195")
_REVIEW_TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                             "tests", "sat", "test_review_restore.py")


def structured_formula(rng):
    """30-200 variables of equivalences, cycles, gates and XORs (no
    cardinality constraints)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("optsolve_review_restore", _REVIEW_TESTS)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    nvars = rng.randint(30, 200)
    return nvars, mod.structured(nvars, rng.randrange(2 ** 31)), []
_SKIP_OPTIONS = {"verbose"}


def random_formula(rng):
    nvars = rng.randint(3, 40)
    if rng.random() < 0.5:  # random 3-SAT around the threshold 4.26
        m = int(nvars * rng.uniform(3.5, 5.0))
        clauses = [[v if rng.random() < 0.5 else -v for v in rng.sample(range(1, nvars + 1), 3)]
                   for _ in range(m)]
    else:  # mixed lengths, units, repeats, tautologies
        clauses = [[rng.choice([-1, 1]) * rng.randint(1, nvars)
                    for _ in range(rng.choice([1, 2, 2, 3, 3, 4, 5]))]
                   for _ in range(rng.randint(1, 4 * nvars))]
    atmosts = []
    if rng.random() < 0.25:
        for _ in range(rng.randint(1, 3)):
            lits = [rng.choice([-1, 1]) * v
                    for v in rng.sample(range(1, nvars + 1), rng.randint(2, min(nvars, 8)))]
            atmosts.append((lits, rng.randint(0, len(lits) - 1)))
    return nvars, clauses, atmosts


def random_options(rng, table, inprocessing="half"):
    opts = {}
    for name, (default, lo, hi, _) in table.items():
        if name in _SKIP_OPTIONS or rng.random() > 0.3:
            continue
        if hi - lo <= 10:
            opts[name] = rng.randint(lo, hi)
        else:  # log-uniform, so that small (aggressive) values come up
            opts[name] = min(hi, max(lo, int(lo + 10 ** rng.uniform(0, min(6, len(str(hi - lo)))))))
    if inprocessing == "always" or rng.random() < 0.5:
        # every inprocessing technique at every restart, at small efforts
        opts.update(preprocess=1, inprocess=1, inprocessint=1, elim=1, subsume=1,
                    substitute=1, probe=1, hbr=1, transred=1, forward=1, vivify=1,
                    vivifyirred=1)
        if inprocessing == "always":
            opts["reduceint"] = rng.choice((10, 30, 100))  # vivification follows reductions
            for name in ("elimeffort", "subsumeeffort", "probeeffort", "transredeffort", "forwardeffort",
                         "vivifyeffort", "vivifyirredeffort"):
                opts[name] = rng.choice((1, 10, 100))
    return opts


def satisfied(model, clauses, atmosts, assumptions):
    true = set(model)
    return (all(any(l in true for l in c) for c in clauses)
            and all(sum(l in true for l in lits) <= k for lits, k in atmosts)
            and all(a in true for a in assumptions))


def run_case(seed, proof_dir, proof_every, stats, inprocessing="half", structured=False):
    """One case; returns a list of disagreement messages."""
    from pysat.solvers import Solver as RefSolver

    from optsolve.sat import Solver
    import dratify

    rng = random.Random(seed)
    nvars, clauses, atmosts = (structured_formula if structured else random_formula)(rng)
    ref_name = "minicard" if atmosts else rng.choice(REFERENCES)
    opts = random_options(rng, Solver.option_table(), inprocessing)
    proof = None
    if proof_every and seed % proof_every == 0 and not atmosts:
        proof = os.path.join(proof_dir, f"{seed}.drat")
    bad = []
    added = []
    with Solver(options=opts, proof=proof) as ours, RefSolver(name=ref_name) as ref:
        def note(msg):
            bad.append(f"seed {seed} ({ref_name}, options {opts}): {msg}")

        for lits, k in atmosts:
            ours.add_atmost(lits, k)
            ref.add_atmost(lits, k)
        pos = 0
        while pos < len(clauses) or rng.random() < 0.3:
            chunk = clauses[pos:pos + rng.randint(1, 15)]
            pos += len(chunk)
            for c in chunk:
                ours.add_clause(c)
                ref.add_clause(c)
            added += chunk
            assume = [rng.choice([-1, 1]) * rng.randint(1, nvars)
                      for _ in range(rng.choice([0, 0, 1, 2, 3, 5]))]
            what = rng.random()
            if what < 0.15:
                # learned clauses make propagation stronger, differently in
                # each solver: check soundness, not equality
                st, lits = ours.propagate(assumptions=assume)
                stats["propagate"] += 1
                if not st and ref.solve(assumptions=assume) is not False:
                    note(f"propagate {assume}: conflict, but SAT under them")
                for lit in rng.sample(lits, min(len(lits), 4)) if st else ():
                    if ref.solve(assumptions=assume + [-lit]) is not False:
                        note(f"propagate {assume}: {lit} is not implied")
                continue
            limited = what < 0.4
            if limited:
                ours.conf_budget(rng.choice([1, 2, 5, 20, 100, 0, -1]))
                ours.prop_budget(rng.choice([10, 100, 1000, 0, -1]))
                answer = ours.solve_limited(assumptions=assume)
            else:
                answer = ours.solve(assumptions=assume)
            if answer is None:
                stats["unknown"] += 1
                continue
            expected = ref.solve(assumptions=assume)
            if answer != expected:
                note(f"assumptions {assume}: ours {answer}, reference {expected}")
                continue
            if answer:
                stats["models"] += 1
                if not satisfied(ours.get_model(), added, atmosts, assume):
                    note(f"assumptions {assume}: model violates the formula")
                continue
            core = ours.get_core()
            stats["cores"] += 1
            if core is None:
                if ref.solve() is not False:
                    note(f"assumptions {assume}: no core but the formula is SAT")
            elif not set(core) <= set(assume):
                note(f"core {core} not within assumptions {assume}")
            elif ref.solve(assumptions=core) is not False:
                note(f"core {core} is satisfiable with the formula")
        final = ours.solve()
        if final != ref.solve():
            note(f"final solve: ours {final}, reference {not final}")
    if proof is not None:
        if final is False:
            formula = dratify.CNF()
            for c in added:
                formula.add([dratify.from_dimacs(l) for l in c])
            with open(proof) as f:
                if not dratify.check_proof(formula, f.read()):
                    note("DRAT proof rejected by dratify")
            stats["proofs"] += 1
        os.unlink(proof)
    return bad


def worker(first, last, proof_every, inprocessing="half", structured=False):
    """Run cases first..last-1, one JSON line each (the parent reads them)."""
    stats = dict(models=0, cores=0, proofs=0, propagate=0, unknown=0)
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(first, last):
            try:
                bad = run_case(seed, tmp, proof_every, stats, inprocessing, structured)
                line = dict(seed=seed, bad=bad, stats=stats)
            except Exception:
                line = dict(seed=seed, error=traceback.format_exc(), stats=stats)
            print(json.dumps(line), flush=True)
            stats = dict.fromkeys(stats, 0)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench sat_fuzz",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=1000, help="number of random runs")
    ap.add_argument("--seed", type=int, default=0, help="seed of the first case")
    ap.add_argument("--proof-every", type=int, default=10,
                    help="check a DRAT proof every N cases (0: never)")
    ap.add_argument("--inprocessing", choices=["half", "always"], default="half",
                    help="force every inprocessing technique on at every restart "
                         "in half the cases (default) or in all, then at small "
                         "efforts")
    ap.add_argument("--structured", action="store_true",
                    help="larger formulas of equivalences, gates and XORs")
    ap.add_argument("--worker", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker[0], args.worker[1], args.proof_every, args.inprocessing,
                      args.structured)

    totals = dict(models=0, cores=0, proofs=0, propagate=0, unknown=0)
    disagreements, crashes, errors = [], [], []
    start, end = args.seed, args.seed + args.cases
    t0 = time.perf_counter()
    seed = start
    while seed < end:
        cmd = [sys.executable, "-m", "bench", "sat_fuzz", "--worker", str(seed), str(end),
               "--proof-every", str(args.proof_every), "--inprocessing", args.inprocessing]
        cmd += ["--structured"] if args.structured else []
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for raw in proc.stdout:
            line = json.loads(raw)
            seed = line["seed"] + 1
            for k, v in line["stats"].items():
                totals[k] += v
            if "error" in line:
                errors.append(f"seed {line['seed']}: {line['error']}")
                print(errors[-1], file=sys.stderr)
            for msg in line.get("bad", []):
                disagreements.append(msg)
                print("DISAGREEMENT", msg, file=sys.stderr)
            done = seed - start
            if done % 1000 == 0:
                print(f"{done} cases, {len(disagreements)} disagreements, "
                      f"{len(crashes) + len(errors)} crashes", flush=True)
        err = proc.stderr.read()
        if proc.wait() != 0:
            crashes.append(f"seed {seed}: exit {proc.returncode}\n{err[-2000:]}")
            print("CRASH", crashes[-1], file=sys.stderr)
            seed += 1  # the case that killed the worker
    elapsed = time.perf_counter() - t0
    print()
    print("| cases | disagreements | crashes | exceptions | models checked | cores checked "
          "| proofs checked | propagate checked | unknown (budget) | s per 1000 cases |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.cases} | {len(disagreements)} | {len(crashes)} | {len(errors)} "
          f"| {totals['models']} | {totals['cores']} | {totals['proofs']} "
          f"| {totals['propagate']} | {totals['unknown']} "
          f"| {1000 * elapsed / max(args.cases, 1):.1f} |")
    print(f"seeds {start}..{end - 1}; reproduce one case with --seed S --cases 1")
    return 1 if disagreements or crashes or errors else 0


if __name__ == "__main__":
    sys.exit(main())
