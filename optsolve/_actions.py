"""Subcommands made of actions that are module entry points
(``optsolve neuroback label|train|evaluate``, ``optsolve learn-branching
collect|train|evaluate``): everything after the action goes to that module's
own ``main(argv)``, so ``optsolve neuroback train --help`` shows its options."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module


def add_actions_parser(subparsers, name, help, description, actions):
    """Register subcommand ``name``; ``actions`` maps an action to
    ``(module, one-line help)``, the module having ``main(argv) -> status``."""
    p = subparsers.add_parser(name, help=help, description=description)
    p.add_argument("action", choices=list(actions),
                   help="; ".join(f"{k}: {h}" for k, (_, h) in actions.items()))
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="arguments of the action (see 'ACTION --help')")
    p.set_defaults(func=lambda args: _run(name, actions, args))
    return p


def _run(name, actions, args) -> int:
    try:
        module = import_module(actions[args.action][0])
    except ModuleNotFoundError as exc:  # torch missing for train
        print(f"optsolve {name}: error: {args.action} needs {exc.name} "
              f"(pip install 'optsolve[learn]')", file=sys.stderr)
        return 1
    try:
        return int(module.main(args.args) or 0)
    except SystemExit as exc:  # the action's parser: usage error or --help
        return exc.code if isinstance(exc.code, int) else 1
