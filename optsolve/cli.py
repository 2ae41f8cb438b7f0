"""The ``optsolve`` command line.

One subcommand per engine. Each engine owns its subcommand in a private
``_cli`` module exposing ``add_parser(subparsers)``, which registers the
subcommand and sets ``func`` (a function ``args -> exit code``) as its default.
Usage errors exit 2 with a one-line message (argparse's convention).
"""
from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

import optsolve

# subcommand -> module whose ``add_parser`` registers it, in the order of
# ``optsolve --help``. ``optsolve NAME ...`` imports only NAME's module, so
# that e.g. ``optsolve sat`` does not pay for importing the other engines.
SUBCOMMANDS = {
    "sat": "optsolve.sat._cli",
    "cnf-stats": "optsolve.sat._cli_stats",
    "neuroback": "optsolve.sat.neuroback._cli",
    "milp": "optsolve.milp._cli",
    "learn-branching": "optsolve.milp.learn._cli",
    "bcd": "optsolve.optimize.bcd._cli",
    "bilevel": "optsolve.optimize.bilevel._cli",
    "batch": "optsolve.batch._cli",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # one line on stderr, exit status 2, as argparse does, but without
        # repeating the whole usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def int_in(lo, hi):
    """An argparse ``type`` accepting integers in [lo, hi]; anything else is
    a one-line usage error naming the flag (exit status 2)."""
    def convert(text):
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be an integer, got {text!r}") from None
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(
                f"must be an integer in {lo}..{hi}, got {text}")
        return value
    return convert


def float_at_least(lo):
    """An argparse ``type`` accepting numbers >= lo (``inf`` included, NaN
    not); anything else is a one-line usage error naming the flag."""
    def convert(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a number, got {text!r}") from None
        if not value >= lo:  # also false for NaN
            raise argparse.ArgumentTypeError(
                f"must be a number >= {lo:g}, got {text}")
        return value
    return convert


def build_parser(only=None) -> argparse.ArgumentParser:
    """The argument parser (used by ``main`` and by the docs).

    ``only`` names one subcommand to register (all of them by default)."""
    parser = _Parser(
        prog="optsolve",
        description="Classical optimization and SAT solving: CDCL SAT, "
                    "branch-and-bound MILP, block coordinate descent, "
                    "bilevel learning.",
    )
    parser.add_argument("--version", action="version",
                        version=f"optsolve {optsolve.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=_Parser)
    for name, modname in SUBCOMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            mod = import_module(modname)
        except ModuleNotFoundError as exc:  # an engine not built yet
            if not (exc.name and (modname + ".").startswith(exc.name + ".")):
                raise
            continue
        mod.add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the command line; returns the exit status.

    Without `argv` (the console script, ``python -m optsolve``) the process
    ends with the run, and a subcommand that sets ``args.exit_at_once`` ends
    it here without freeing what it holds.
    """
    whole_process = argv is None
    argv = sys.argv[1:] if argv is None else list(argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    if first in SUBCOMMANDS:
        only = first
    elif argv == ["--version"]:
        only = ""  # no engine needs importing to print the version
    else:
        only = None
    parser = build_parser(only=only)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage error (2), --help or --version (0)
        return exc.code if isinstance(exc.code, int) else 2
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(args.func(args) or 0)
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside any guard
        print("c interrupted", file=sys.stderr)
        code = 130
    except BrokenPipeError:  # e.g. `optsolve sat f.cnf | head`
        code = 0
    if whole_process and getattr(args, "exit_at_once", False):
        # the memory goes back with the process: freeing a large formula
        # clause by clause took 0.6-0.8 s, more than Ctrl-C may take
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # e.g. a closed pipe
            pass
        os._exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
