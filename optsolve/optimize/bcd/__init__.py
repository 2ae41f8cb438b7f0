"""Greedy block coordinate descent (Gauss-Southwell family) in Numba.

``optsolve.bcd(problem, ...)`` minimises a problem built from a data fit and
a penalty by block coordinate descent, with the partitions, selection rules
and updates of Nutini, Laradji & Schmidt (JMLR 2022), and greedy working sets
with gap-safe screening for L1 least squares and logistic regression.

Problems: :class:`LeastSquares`, :class:`Lasso`, :class:`Logistic`,
:class:`SparseLogisticRegression`, :class:`GroupLasso`, :class:`Softmax`, :class:`Quadratic`,
:class:`LabelPropagation`. Estimators: :class:`BCDLasso`,
:class:`BCDLogisticRegression`.
"""
from ._driver import bcd
from .estimators import BCDLasso, BCDLogisticRegression
from .problems import (GroupLasso, LabelPropagation, Lasso, LeastSquares, Logistic,
                       Quadratic, Softmax, SparseLogisticRegression, lattice_graph)
from .rules import GREEDY_RULES, RULES

__all__ = ["bcd", "LeastSquares", "Lasso", "Logistic", "SparseLogisticRegression",
           "Softmax", "Quadratic", "LabelPropagation", "BCDLasso",
           "BCDLogisticRegression", "RULES", "GREEDY_RULES", "lattice_graph", "GroupLasso"]
