"""``optsolve learn-branching collect|train|evaluate ...``: the learned
branching pipeline's module entry points under the console script
(``collect`` is ``python -m optsolve.milp.learn.collect``, on Dask;
``train`` needs the ``learn`` extra; ``evaluate`` is
``python -m optsolve.milp.learn.infer``, no torch)."""
from __future__ import annotations

from optsolve._actions import add_actions_parser

_ACTIONS = {
    "collect": ("optsolve.milp.learn.collect",
                "strong-branching samples from generated instances (on Dask)"),
    "train": ("optsolve.milp.learn.train",
              "train the GCNN policy (torch, the learn extra)"),
    "evaluate": ("optsolve.milp.learn.infer",
                 "top-1/top-5 agreement of weights with the expert (no torch)"),
}


def add_parser(subparsers):
    return add_actions_parser(
        subparsers, "learn-branching",
        help="learned branching pipeline: collect, train, evaluate",
        description="Train a branching policy for your own instance family: "
                    "collect strong-branching samples, train the GCNN, "
                    "evaluate its agreement. Solving with it is 'optsolve milp "
                    "--branching learned' (or branching_weights=PATH).",
        actions=_ACTIONS)
