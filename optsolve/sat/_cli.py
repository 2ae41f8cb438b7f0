"""``optsolve sat FILE [PROOF]``: the solver with SAT-competition output.

Output: ``c`` comment lines, one ``s`` line (``SATISFIABLE``,
``UNSATISFIABLE`` or ``UNKNOWN``), ``v`` lines of at most 78 columns ending
in ``0``; exit status 10, 20 or 0. SIGINT/SIGTERM end the run with
``s UNKNOWN``, the statistics and exit status 0. A malformed file: the
reader's message (file, line, problem) on standard error and exit status 1.
"""
from __future__ import annotations

import resource
import signal
import sys
import time

import optsolve
from optsolve._runtime import InterruptGuard
from optsolve.sat._cnf import DimacsError, read_dimacs
from optsolve.sat._solver import Solver, _option_table

# options of the C core that have their own spelling on the command line
_OWN = {"seed", "verbose"}


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sat",
        help="solve a DIMACS CNF file (CDCL, DRAT proofs)",
        description="Decide a DIMACS CNF formula (plain, .gz, .bz2, .xz) with "
                    "the optsolve CDCL solver. Prints SAT-competition output "
                    "and exits 10 (satisfiable), 20 (unsatisfiable) or 0 "
                    "(unknown: a limit or SIGINT/SIGTERM). With PROOF, writes "
                    "a DRAT proof of unsatisfiability there.")
    p.add_argument("file", help="DIMACS CNF file")
    p.add_argument("proof", nargs="?", default=None,
                   help="write a DRAT proof to this file")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--binary-proof", dest="binary_proof", action="store_true",
                     help="binary DRAT")
    fmt.add_argument("--text-proof", dest="binary_proof", action="store_false",
                     help="text DRAT (the default)")
    p.set_defaults(binary_proof=False)
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                   help="stop after this many seconds of wall time")
    p.add_argument("--conflicts", type=int, default=None, metavar="N",
                   help="stop after N conflicts")
    p.add_argument("--seed", type=int, default=None, help="random seed")
    p.add_argument("-n", "--no-model", action="store_true",
                   help="do not print the model (no 'v' lines)")
    p.add_argument("--strict", action="store_true",
                   help="reject files whose header disagrees with their body")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no 'c' lines")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="progress lines while solving (-vv: more)")
    group = p.add_argument_group(
        "solver options", "Options of the C core (the table in csrc/sat/options.h).")
    for name, (default, lo, hi, desc) in _option_table().items():
        if name in _OWN:
            continue
        group.add_argument(f"--{name}", type=int, default=None, metavar="N",
                           help=f"{desc} [{default}, range {lo}..{hi}]")
    p.set_defaults(func=run)
    return p


def _comment(args, text=""):
    if not args.quiet:
        print(f"c {text}".rstrip())


def _value_lines(model, width=78):
    lines, line = [], "v"
    for lit in list(model) + [0]:
        tok = f" {lit}"
        if len(line) + len(tok) > width:
            lines.append(line)
            line = "v"
        line += tok
    lines.append(line)
    return lines


def _statistics(args, stats, elapsed):
    if args.quiet:
        return
    t = max(stats["time"], 1e-9)
    rows = [
        ("conflicts", stats["conflicts"], f"{stats['conflicts'] / t:.0f} per second"),
        ("decisions", stats["decisions"], f"{stats['decisions'] / t:.0f} per second"),
        ("propagations", stats["propagations"],
         f"{stats['propagations'] / t:.0f} per second"),
        ("restarts", stats["restarts"], ""),
        ("learned", stats["learned"],
         f"{stats['learned_units']} units, {stats['learned_binaries']} binary"),
        ("deleted", stats["deleted"], f"in {stats['reductions']} reductions"),
        ("simplifications", stats["simplifications"],
         f"{stats['removed_satisfied']} satisfied clauses removed"),
        ("mode switches", stats["mode_switches"], f"{stats['rephased']} rephased"),
    ]
    _comment(args, "---- [ statistics ] " + "-" * 50)
    for name, value, extra in rows:
        _comment(args, f"{name + ':':<17}{value:>14}   {extra}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    _comment(args, f"{'maximum memory:':<17}{peak:>14.1f}   MiB")
    _comment(args, f"{'solving time:':<17}{stats['time']:>14.2f}   seconds")
    _comment(args, f"{'total time:':<17}{elapsed:>14.2f}   seconds")


def run(args) -> int:
    start = time.perf_counter()
    options = {}
    for name in _option_table():
        if name not in _OWN and getattr(args, name, None) is not None:
            options[name] = getattr(args, name)
    for flag, value in (("--time-limit", args.time_limit),
                        ("--conflicts", args.conflicts)):
        if value is not None and value < 0:
            print(f"optsolve sat: error: {flag} must be non-negative", file=sys.stderr)
            return 1
    _comment(args, f"optsolve {optsolve.__version__} CDCL SAT solver")
    _comment(args, f"reading {args.file}")
    with InterruptGuard(signals=(signal.SIGINT, signal.SIGTERM)) as guard:
        try:
            cnf = read_dimacs(args.file, strict=args.strict)
        except DimacsError as exc:
            print(f"optsolve sat: error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"optsolve sat: error: {exc.filename or args.file}: "
                  f"{exc.strerror or exc}", file=sys.stderr)
            return 1
        _comment(args, f"parsed {cnf.nvars} variables, {cnf.nclauses} clauses "
                       f"in {time.perf_counter() - start:.2f} seconds")
        try:
            solver = Solver(proof=args.proof,
                            proof_format="binary" if args.binary_proof else "text",
                            seed=args.seed, options=options,
                            time_limit=args.time_limit,
                            verbose=args.verbose if not args.quiet else 0)
        except ValueError as exc:
            print(f"optsolve sat: error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"optsolve sat: error: {exc}", file=sys.stderr)
            return 1
        if args.proof:
            _comment(args, f"writing {'binary' if args.binary_proof else 'text'} "
                           f"DRAT proof to {args.proof}")
        if guard.interrupted:
            answer = None
        else:
            # the guard's handler runs inside the search (polled from C)
            guard.on_interrupt = solver.interrupt
            solver.append_formula(cnf)
            if args.conflicts is not None:
                solver.conf_budget(args.conflicts)
            if args.verbose and not args.quiet:
                _comment(args, "t  seconds  conflicts restarts mode  redundant "
                           "irredundant   glue average  remaining")
            _comment(args, "                                                      "
                           "     fast   slow")
            sys.stdout.flush()
            answer = solver.solve_limited()
            if guard.interrupted:
                answer = None
        stats = solver.accum_stats()
        limit = solver.limit() if answer is None else None
        model = solver.get_model() if answer else None
        solver.delete()
    if answer is None and limit:
        _comment(args, f"stopped by the {limit} limit")
    elif answer is None:
        _comment(args, "interrupted")
    print({True: "s SATISFIABLE", False: "s UNSATISFIABLE",
           None: "s UNKNOWN"}[answer])
    if answer and not args.no_model:
        model = model + list(range(len(model) + 1, cnf.nvars + 1))
        sys.stdout.write("\n".join(_value_lines(model)) + "\n")
    _statistics(args, stats, time.perf_counter() - start)
    code = {True: 10, False: 20, None: 0}[answer]
    _comment(args, f"exit {code}")
    sys.stdout.flush()
    return code

