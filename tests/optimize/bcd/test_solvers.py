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
        assert s.PARTITIONS and all(isinstance(b, str) for b in s.PARTITIONS)


def test_every_partition_has_a_general_solver():
    # the last solver of each partition takes it in general: the block loop,
    # and the data fit working sets (whose message names what is missing)
    from optsolve.optimize.bcd.options import BLOCKS
    for blocks in BLOCKS[1:] + ("user",):
        assert [s for s in SOLVERS if blocks in s.PARTITIONS][-1].NAME in (
            "block-loop", "working-set-datafit"), blocks


def test_choose_takes_the_solver_that_accepts():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8)); y = rng.standard_normal(20)
    A = lattice_graph(4) * -1.0 + sp.eye(16) * 5.0
    assert choose(Lasso(X, y, 0.1), _opts(blocks="working-set")).NAME == "working-set"
    assert choose(Quadratic(A, np.ones(16)), _opts()).NAME == "greedy-quadratic"
    assert choose(Quadratic(A, np.ones(16)), _opts(rule="gsd")).NAME == "block-loop"
    gl = GroupLasso(X, y, 0.1, 2)
    groups = _opts(rule="cyclic", blocks="user", user_blocks=gl.groups)
    assert choose(gl, groups).NAME == "group-cyclic"
    assert choose(gl, _opts(rule="gsl", blocks="user", user_blocks=gl.groups)).NAME == \
        "block-loop"
    assert choose(LeastSquares(X, y), _opts(rule="cyclic", blocks="contiguous")).NAME == \
        "block-loop"


def test_working_set_message_names_everything_missing():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8)); y = rng.standard_normal(20)
    with pytest.raises(ValueError, match="needs an L1 linear model whose data fit has "
                                         "`loss_kernels` .* and a greedy `rule`"):
        bcd(LeastSquares(X, y), blocks="working-set", rule="cyclic")


def test_block_loop_message_names_every_pairing_missing():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 8)); y = rng.standard_normal(20)
    with pytest.raises(ValueError, match="picks blocks greedily.*; `update`='exact'"):
        bcd(Lasso(X, y, 0.1), blocks="variable", rule="cyclic", update="exact")


def test_the_data_fit_working_sets_run_the_builtin_data_fits_too():
    # the same problem through the generic solver: its data fit's kernels
    from optsolve.optimize.bcd import SparseLogisticRegression
    from optsolve.optimize.bcd.solvers import working_set_datafit
    rng = np.random.default_rng(1)
    X = rng.standard_normal((60, 40)); y = X[:, :3] @ [1.0, -1.0, 2.0]
    for prob in (Lasso(X, y, 0.05), SparseLogisticRegression(X, np.sign(y), 0.01)):
        assert choose(prob, _opts(blocks="working-set")).NAME == "working-set"
        assert not working_set_datafit.missing(prob, _opts(blocks="working-set"))
        ref = bcd(prob, tol=1e-10)
        from optsolve.optimize.bcd._monitor import Monitor
        mon = Monitor("prox_grad_norm", 1e-12, 1000, None, None, False, False)
        with mon:
            res = working_set_datafit.solve(prob, np.zeros(40), _opts(blocks="working-set"),
                                            mon)
        assert res.success
        assert abs(res.fun - ref.fun) <= 1e-9 * ref.fun0
        np.testing.assert_allclose(res.x, ref.x, atol=1e-5)
