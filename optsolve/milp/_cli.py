"""``optsolve milp FILE.mps[.gz]``: solve an MPS file by branch and bound."""
from __future__ import annotations

import math
import sys
import time

from optsolve._options import add_flags, flag_values
from optsolve.milp.bnb import MESSAGES, solve_problem
from optsolve.milp.mps import MPSError, read_mps
from optsolve.milp.options import TABLE, options_iv

__all__ = ["add_parser", "run"]

# the table's options with a flag (the display and callbacks have -q/-v)
_FLAGS = [o.name for o in TABLE
          if o.name not in ("disp", "display_interval", "callback",
                            "callback_interval")]
_STATUS_WORDS = {0: "optimal", 1: "limit reached", 2: "infeasible",
                 3: "unbounded", 4: "other"}


def add_parser(subparsers):
    p = subparsers.add_parser(
        "milp", help="solve a MILP in MPS format by branch and bound over HiGHS",
        description="Solve a mixed-integer linear program read from an MPS file "
                    "(free or fixed format, plain or .gz) by branch and bound "
                    "over HiGHS LP relaxations. Prints a SCIP-style progress "
                    "line every few seconds and a summary; exit status 0 when "
                    "the run ends (whatever the answer), 1 on bad input.")
    p.add_argument("file", metavar="FILE", help="MPS file (.mps or .mps.gz)")
    add_flags(p, TABLE, _FLAGS, aliases={"mip_rel_gap": ["--gap"]},
              metavars={"time_limit": "S", "node_limit": "N",
                        "mip_rel_gap": "G", "mip_abs_gap": "G",
                        "cut_rounds": "N", "dive_frequency": "N",
                        "integrality_tolerance": "T"})
    p.add_argument("--format", default="auto", choices=["auto", "free", "fixed"],
                   help="MPS flavour (default: auto)")
    p.add_argument("--solution", metavar="OUT", default=None,
                   help="write the solution (SCIP .sol style: name value)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("-q", "--quiet", action="store_true",
                   help="print the summary only")
    g.add_argument("-v", "--verbose", action="store_true",
                   help="a progress line every second")
    p.set_defaults(func=run)
    return p


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return f"{v:.10g}"


def write_solution(path, problem, res):
    """Write ``res`` in SCIP's solution format (nonzero values only)."""
    with open(path, "w") as f:
        f.write(f"# status {res.status}: {res.message}\n")
        if res.x is None:
            f.write("no solution available\n")
            return
        f.write(f"objective value: {res.fun!r}\n")
        for name, v in zip(problem.column_names(), res.x):
            if v != 0:
                f.write(f"{name} {float(v)!r}\n")


def run(args) -> int:
    start = time.perf_counter()      # --time-limit counts the reading too
    options = flag_values(args, _FLAGS)
    options.update(disp=0 if args.quiet else 1,
                   display_interval=1.0 if args.verbose else 5.0)
    try:  # before the reading, which can take long
        options_iv(options)
    except ValueError as exc:
        print(f"optsolve milp: {exc}", file=sys.stderr)
        return 1
    try:
        problem = read_mps(args.file, format=args.format)
    except MPSError as exc:
        print(f"optsolve milp: {exc}", file=sys.stderr)
        return 1
    try:
        res = solve_problem(problem, options, start=start)
    except ValueError as exc:
        print(f"optsolve milp: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    word = _STATUS_WORDS.get(res.status, "other")
    print(f"problem            : {problem!r}", file=out)
    print(f"status             : {word} ({res.status}) {res.message}"
          if res.message != MESSAGES.get(res.status) else
          f"status             : {word} ({res.status})", file=out)
    print(f"primal bound       : {_fmt(res.fun)}", file=out)
    print(f"dual bound         : {_fmt(res.mip_dual_bound)}", file=out)
    gap = res.mip_gap
    print("gap                : " + ("-" if gap is None else
                                     f"{100 * gap:.4f} %" if math.isfinite(gap)
                                     else "infinite"), file=out)
    print(f"nodes              : {res.nodes} (max depth {res.max_depth}, "
          f"{res.nodes_per_second:.1f} nodes/s)", file=out)
    print(f"LP iterations      : {res.lp_iterations} nodes, "
          f"{res.sb_lp_iterations} strong branching, "
          f"{res.heuristic_lp_iterations} heuristics", file=out)
    fams = ", ".join(f"{k} {v}" for k, v in res.cuts_by_family.items())
    print(f"root cuts          : {res.cuts} kept of {res.cuts_added} added in "
          f"{res.cut_rounds} rounds" + (f" ({fams})" if fams else ""), file=out)
    print(f"solving time (s)   : {res.time:.2f}", file=out)
    if args.solution:
        try:
            write_solution(args.solution, problem, res)
        except OSError as exc:
            print(f"optsolve milp: cannot write {args.solution}: {exc.strerror}",
                  file=sys.stderr)
            return 1
    return 0
