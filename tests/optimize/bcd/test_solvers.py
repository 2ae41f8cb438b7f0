"""Solvers declare what they need; ``bcd`` takes the first that accepts
(optimize/bcd/solvers/)."""
from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from optsolve.optimize.bcd import (GroupLasso, Lasso, LeastSquares, Quadratic, bcd,
                                   lattice_graph)
from optsolve.optimize.bcd.solvers import SOLVERS, choose


def _opts(**kw):
    base = dict(rule="gsl", blocks="variable", user_blocks=None, block_size=1,
                update="gradient", screen=True, rng=None)
    base.update(kw)
    return SimpleNamespace(**base)


def test_every_solver_declares_itself():
    for s in SOLVERS:
        assert isinstance(s.NAME, str) and callable(s.missing) and callable(s.solve)


def test_choose_takes_the_solver_that_accepts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8)); y = rng.standard_normal(20)
    A = lattice_graph(4) * -1.0 + sp.eye(16) * 5.0
    assert choose(Lasso(X, y, 0.1), _opts(blocks="working-set")).NAME == "working-set"
    assert choose(Quadratic(A, np.ones(16)), _opts()).NAME == "greedy-quadratic"
    assert choose(Quadratic(A, np.ones(16)), _opts(rule="gsd")).NAME == "block-loop"
    assert choose(GroupLasso(X, y, 0.1, 2), _opts(rule="cyclic")).NAME == "group-cyclic"
    assert choose(LeastSquares(X, y), _opts(rule="cyclic")).NAME == "block-loop"


def test_working_set_message_names_everything_missing():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8)); y = rng.standard_normal(20)
    with pytest.raises(ValueError, match="needs an L1 least-squares or logistic problem .* and "
                                         "a greedy `rule`"):
        bcd(LeastSquares(X, y), blocks="working-set", rule="cyclic")
