"""Greedy block coordinate descent (Gauss-Southwell family) in Numba.

``optsolve.bcd(problem, ...)`` minimises a problem built from a data fit and
a penalty by block coordinate descent, with the partitions, selection rules
and updates of Nutini, Laradji & Schmidt (JMLR 2022), and greedy working sets
with gap-safe screening for L1 least squares and logistic regression.

Problems compose a data fit (:mod:`.datafits`) and a penalty
(:mod:`.penalties`) in :class:`GLM`; :class:`LeastSquares`, :class:`Lasso`,
:class:`Logistic`, :class:`SparseLogisticRegression` and :class:`GroupLasso`
are such compositions. :class:`Softmax`, :class:`Quadratic` and
:class:`LabelPropagation` carry their own data fit (a matrix of weights; a
quadratic form) with the same penalties. Estimators: :class:`BCDLasso`,
:class:`BCDLogisticRegression`.
"""
from . import datafits, penalties
from ._driver import bcd
from .estimators import BCDLasso, BCDLogisticRegression
from .problems import (GLM, GroupLasso, LabelPropagation, Lasso, LeastSquares, Logistic,
                       Quadratic, Softmax, SparseLogisticRegression, lattice_graph)
from .rules import GREEDY_RULES, RULES

__all__ = ["bcd", "LeastSquares", "Lasso", "Logistic", "SparseLogisticRegression",
           "Softmax", "Quadratic", "LabelPropagation", "BCDLasso",
           "BCDLogisticRegression", "RULES", "GREEDY_RULES", "lattice_graph", "GroupLasso",
           "GLM", "datafits", "penalties"]
