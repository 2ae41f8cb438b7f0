"""Bilevel learning: hyperparameters by inexact hypergradient descent (MAID).

Public names: :func:`minimize_bilevel`, the problem protocol
:class:`BilevelProblem`, and the built-in problems :class:`TVDenoising`,
:class:`FieldOfExperts` and :class:`MultinomialLogistic`.
"""
from ._driver import DEFAULT_OPTIONS, METHODS, minimize_bilevel
from .logistic import MultinomialLogistic
from .problems import BilevelProblem, FieldOfExperts, TVDenoising

__all__ = ["minimize_bilevel", "BilevelProblem", "TVDenoising", "FieldOfExperts",
           "MultinomialLogistic", "METHODS", "DEFAULT_OPTIONS"]
