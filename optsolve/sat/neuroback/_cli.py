"""``optsolve neuroback label|train|evaluate ...``: the pipeline's module
entry points under the console script (``label`` is
``python -m optsolve.sat.neuroback.data``; ``train`` needs the ``learn``
extra). Everything after the action goes to that module's own parser, so
``optsolve neuroback train --help`` shows its options."""
from __future__ import annotations

from optsolve._actions import add_actions_parser

_ACTIONS = {
    "label": ("optsolve.sat.neuroback.data",
              "label formulas with backbones and phase frequencies (on Dask)"),
    "train": ("optsolve.sat.neuroback.train",
              "train the backbone-phase network (torch, the learn extra)"),
    "evaluate": ("optsolve.sat.neuroback.evaluate",
                 "backbone-phase accuracy of weights against baselines"),
}


def add_parser(subparsers):
    return add_actions_parser(
        subparsers, "neuroback", help="NeuroBack pipeline: label, train, evaluate",
        description="The NeuroBack pipeline (backbone-phase prediction): "
                    "label formulas, train the network, evaluate weights. "
                    "Solving with the predictions is 'optsolve sat --phases "
                    "neuroback'.", actions=_ACTIONS)
