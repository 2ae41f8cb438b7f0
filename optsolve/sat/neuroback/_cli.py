"""``optsolve neuroback label|train|evaluate ...``: the pipeline's module
entry points under the console script (``label`` is
``python -m optsolve.sat.neuroback.data``; ``train`` needs the ``learn``
extra). Everything after the action goes to that module's own parser, so
``optsolve neuroback train --help`` shows its options."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

_ACTIONS = {
    "label": ("optsolve.sat.neuroback.data",
              "label formulas with backbones and phase frequencies (on Dask)"),
    "train": ("optsolve.sat.neuroback.train",
              "train the backbone-phase network (torch, the learn extra)"),
    "evaluate": ("optsolve.sat.neuroback.evaluate",
                 "backbone-phase accuracy of weights against baselines"),
}


def add_parser(subparsers):
    p = subparsers.add_parser(
        "neuroback", help="NeuroBack pipeline: label, train, evaluate",
        description="The NeuroBack pipeline (backbone-phase prediction): "
                    "label formulas, train the network, evaluate weights. "
                    "Solving with the predictions is 'optsolve sat --phases "
                    "neuroback'.")
    p.add_argument("action", choices=list(_ACTIONS),
                   help="; ".join(f"{k}: {h}" for k, (_, h) in _ACTIONS.items()))
    p.add_argument("args", nargs=argparse.REMAINDER,
                   help="arguments of the action (see 'ACTION --help')")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    try:
        module = import_module(_ACTIONS[args.action][0])
    except ModuleNotFoundError as exc:  # torch missing for train
        print(f"optsolve neuroback: error: {args.action} needs {exc.name} "
              f"(pip install 'optsolve[learn]')", file=sys.stderr)
        return 1
    try:
        return int(module.main(args.args) or 0)
    except SystemExit as exc:  # the action's parser: usage error or --help
        return exc.code if isinstance(exc.code, int) else 1
