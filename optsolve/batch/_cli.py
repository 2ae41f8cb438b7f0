"""``optsolve batch sat|milp PATTERN_OR_FILE... [-- solver options]``.

Exit status: 0 when every instance has its row (whatever its answer), 1
when some rows are ``failed``, 2 on usage errors (one line), 130 after
Ctrl-C (the rows finished are in the output file; ``--resume`` finishes).
"""
from __future__ import annotations

import glob
import importlib.util
import os
import sys

__all__ = ["add_parser", "run"]

_PROG = "optsolve batch"
# names in solve_many's messages -> what the command line calls them
_FLAGS = {"time_limit": "--time-limit", "memory_limit": "--memory-limit",
          "out": "--out", "portfolio": "--portfolio", "retries": "--retries",
          "options": "solver options", "workers": "--workers"}


def _split_solver_options(parser_class):
    """A parser class that keeps what follows ``--`` as solver options."""

    class BatchParser(parser_class):
        def parse_known_args(self, args=None, namespace=None):
            args = list(sys.argv[1:] if args is None else args)
            tail = []
            if "--" in args:
                i = args.index("--")
                args, tail = args[:i], args[i + 1:]
            ns, extra = super().parse_known_args(args, namespace)
            ns.solver_options = tail
            return ns, extra

    return BatchParser


def add_parser(subparsers):
    p = subparsers.add_parser(
        "batch", help="solve many CNF or MPS files on Dask, one row each",
        description="Solve many DIMACS CNF (sat) or MPS (milp) files on Dask "
                    "(a local cluster, or --scheduler ADDRESS). Each instance "
                    "is read, solved within its limits and its answer checked "
                    "in a worker; one row per instance is appended to --out "
                    "as it finishes. Solver options follow '--', e.g. "
                    "'-- --seed 3 --stable 0' or '-- --branching pscost'. "
                    "Exit status 0 when every instance has a row, 1 when "
                    "some failed, 2 on usage errors, 130 after Ctrl-C.")
    p.__class__ = _split_solver_options(type(p))
    p.add_argument("engine", choices=["sat", "milp"], help="the engine")
    p.add_argument("inputs", nargs="+", metavar="PATTERN_OR_FILE",
                   help="files or glob patterns ('**' recurses; quote them)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="worker processes of the local cluster "
                            "(default: one per CPU)")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on the Dask cluster of this scheduler "
                            "(e.g. tcp://10.0.0.1:8786)")
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help="seconds per instance")
    p.add_argument("--memory-limit", type=float, default=None, metavar="MB",
                   help="megabytes per solve (over it: status memout)")
    p.add_argument("--out", default="-", metavar="FILE",
                   help="results file: .csv, .jsonl or .parquet "
                        "(default: CSV on standard output)")
    p.add_argument("--resume", action="store_true",
                   help="skip the instances already in --out, append the rest")
    p.add_argument("--retries", type=int, default=2, metavar="N",
                   help="runs again after a worker died under a task "
                        "(default: 2)")
    p.add_argument("--portfolio", default=None, metavar="SPEC",
                   help="configurations per instance, first definitive "
                        "answer wins: 'seed=1;seed=2,stable=0' (';' between "
                        "configurations, ',' between NAME=VALUE options)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress bar")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the Dask dashboard address")
    p.set_defaults(func=run)
    return p


def _usage(message):
    print(f"{_PROG}: error: {message}", file=sys.stderr)
    return 2


def expand(patterns):
    """Files named by ``patterns`` in order, each once; raises ValueError
    naming a pattern that matches no file."""
    files, seen = [], set()
    for pattern in patterns:
        if glob.has_magic(pattern):
            found = sorted(f for f in glob.glob(pattern, recursive=True)
                           if os.path.isfile(f))
        else:
            found = [pattern] if os.path.isfile(pattern) else []
        if not found:
            raise ValueError(f"no file matches {pattern!r}")
        for f in found:
            if f not in seen:
                seen.add(f)
                files.append(f)
    return files


def run(args) -> int:
    from optsolve.batch._cluster import batch_client
    from optsolve.batch._options import parse_option_tokens
    from optsolve.batch._solve_many import execute, prepare

    try:
        files = expand(args.inputs)
        options = parse_option_tokens(args.solver_options)
        if args.workers is not None and args.workers < 1:
            raise ValueError("--workers must be at least 1")
        if args.retries < 0:
            raise ValueError("--retries must be non-negative")
        if args.resume and args.out == "-":
            raise ValueError("--resume needs --out FILE")
        plan = prepare(files, args.engine, time_limit=args.time_limit,
                       memory_limit=args.memory_limit, options=options,
                       out=args.out, resume=args.resume, retries=args.retries,
                       portfolio=args.portfolio, workers=args.workers)
    except ValueError as exc:
        text = str(exc)
        for name, flag in _FLAGS.items():
            text = text.replace(f"`{name}`", flag)
        return _usage(text.replace("`", "'"))
    progress = not args.quiet
    try:
        with batch_client(scheduler=args.scheduler, workers=args.workers,
                          dashboard=args.verbose) as (client, _):
            if args.verbose:
                note = ("" if importlib.util.find_spec("bokeh") else
                        " (its pages need bokeh: pip install bokeh)")
                print(f"{_PROG}: dashboard at {client.dashboard_link}{note}",
                      file=sys.stderr)
            rows = execute(plan, client=client, progress=progress)
    except KeyboardInterrupt:  # while the cluster starts or closes
        plan.output.close()
        print(f"{_PROG}: interrupted; run again with --resume to finish",
              file=sys.stderr)
        return 130
    except OSError as exc:  # e.g. no scheduler at that address
        plan.output.close()
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 1
    failed = sum(r["status"] == "failed" for r in rows)
    if rows.interrupted:
        if not progress:
            where = f" in {rows.out}" if rows.out else ""
            print(f"{_PROG}: interrupted: {len(rows)} rows written{where}, "
                  f"{rows.remaining} instances left; run again with --resume",
                  file=sys.stderr)
        return 130
    if progress:
        print(f"{_PROG}: {len(rows)} rows"
              + (f" ({rows.skipped} already in {rows.out})" if rows.skipped else "")
              + (f", {failed} failed" if failed else ""), file=sys.stderr)
    return 1 if failed else 0
