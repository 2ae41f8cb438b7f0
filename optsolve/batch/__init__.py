"""Many SAT or MILP instances on Dask: :func:`solve_many` and the
``optsolve batch`` command.

A ``dask.distributed`` worker (a LocalCluster by default, any cluster by its
scheduler's address) reads each instance, solves it within its time and
memory limits, checks the answer and returns one row (:data:`COLUMNS`);
small instances share a task. Rows are appended to the output file as they
finish.

Public names: :func:`solve_many`, :class:`BatchResult`, :data:`COLUMNS`;
for other engines' Dask work (labelling, data collection):
:func:`batch_client` (a LocalCluster or a scheduler's address, as a context)
and :class:`BatchProgress` (the progress bar, labelled per use).
"""
from optsolve.batch._cluster import batch_client
from optsolve.batch._progress import BatchProgress
from optsolve.batch._rows import COLUMNS
from optsolve.batch._solve_many import BatchResult, solve_many

__all__ = ["solve_many", "BatchResult", "COLUMNS", "batch_client",
           "BatchProgress"]
