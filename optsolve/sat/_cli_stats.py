"""``optsolve cnf-stats FILE``: size, clause-length histogram, header check."""
from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np

from optsolve.sat._cnf import DimacsError, DimacsWarning, read_dimacs


def add_parser(subparsers):
    p = subparsers.add_parser(
        "cnf-stats",
        help="statistics of a DIMACS CNF file",
        description="Read a DIMACS CNF file (plain, .gz, .bz2, .xz) and print "
                    "its variables, clauses, literals, a clause-length histogram "
                    "and whether the header agrees with the body. Exit 0 on a "
                    "readable file, 1 on a malformed one.")
    p.add_argument("file", help="DIMACS CNF file ('-' for standard input)")
    p.add_argument("--strict", action="store_true",
                   help="treat header counts that disagree with the body as errors")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)
    return p


def cnf_stats(cnf):
    """Dict of statistics of a :class:`~optsolve.sat.CNF`."""
    lengths = cnf.clause_lengths()
    used = np.unique(np.abs(cnf.lits)).size if cnf.lits.size else 0
    hist = np.bincount(lengths) if lengths.size else np.zeros(0, dtype=np.int64)
    return {
        "variables": cnf.nvars,
        "variables_used": int(used),
        "clauses": cnf.nclauses,
        "literals": int(cnf.lits.size),
        "min_length": int(lengths.min()) if lengths.size else 0,
        "max_length": int(lengths.max()) if lengths.size else 0,
        "mean_length": float(lengths.mean()) if lengths.size else 0.0,
        "length_histogram": {int(k): int(v) for k, v in enumerate(hist) if v},
        "positive_literals": int((cnf.lits > 0).sum()),
    }


def run(args) -> int:
    source = sys.stdin.buffer if args.file == "-" else args.file
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DimacsWarning)
            cnf = read_dimacs(source, strict=args.strict)
    except DimacsError as exc:
        print(f"optsolve cnf-stats: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        name = exc.filename or ("<stdin>" if args.file == "-" else args.file)
        print(f"optsolve cnf-stats: error: {name}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - t0
    stats = cnf_stats(cnf)
    stats["header"] = "ok" if not caught else "mismatch"
    stats["header_warnings"] = [str(w.message) for w in caught]
    stats["read_seconds"] = round(seconds, 6)
    if args.json:
        print(json.dumps(stats))
        return 0
    print(f"c file            {args.file}")
    print(f"c variables       {stats['variables']} ({stats['variables_used']} used)")
    print(f"c clauses         {stats['clauses']}")
    print(f"c literals        {stats['literals']}")
    print(f"c clause length   min {stats['min_length']}  max {stats['max_length']}  "
          f"mean {stats['mean_length']:.3f}")
    print(f"c header          {stats['header']}")
    for w in stats["header_warnings"]:
        print(f"c   {w}")
    print("c length histogram")
    total = max(1, stats["clauses"])
    for k, v in stats["length_histogram"].items():
        print(f"c   {k:>6d} {v:>12d}  {100.0 * v / total:6.2f}%")
    print(f"c read in {seconds:.3f} s")
    return 0
