"""The ``optsolve`` command line.

One subcommand per engine. Each engine owns its subcommand in a private
``_cli`` module exposing ``add_parser(subparsers)``, which registers the
subcommand and sets ``func`` (a function ``args -> exit code``) as its default.
Usage errors exit 2 with a one-line message (argparse's convention).
"""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

import optsolve

# (module, attribute) of each subcommand's registration function, in the
# order they appear in ``optsolve --help``.
SUBCOMMANDS = [
    "optsolve.sat._cli",
    "optsolve.sat._cli_stats",
    "optsolve.milp._cli",
    "optsolve.optimize.bcd._cli",
    "optsolve.optimize.bilevel._cli",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # one line on stderr, exit status 2, as argparse does, but without
        # repeating the whole usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (used by ``main`` and by the docs)."""
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
    for modname in SUBCOMMANDS:
        try:
            mod = import_module(modname)
        except ModuleNotFoundError as exc:  # an engine not built yet
            if not (exc.name and (modname + ".").startswith(exc.name + ".")):
                raise
            continue
        mod.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # a second Ctrl-C, or one outside any guard
        print("c interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `optsolve sat f.cnf | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
