"""Node selection rules."""

#: Names accepted by the ``node_selection`` option.
SELECTIONS = ("best-bound", "best-estimate", "depth-first")
