"""The L1 working-set solver with screening on, against scikit-learn and
L-BFGS-B on a few hundred random problems (``bench/bcd_fuzz.py`` draws and
checks them; ``python -m bench bcd_fuzz --cases N`` is the long run)."""
import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

from optsolve.optimize.bcd import Lasso, SparseLogisticRegression, bcd

_spec = importlib.util.spec_from_file_location(
    "optsolve_bench_bcd_fuzz", Path(__file__).resolve().parents[3] / "bench" / "bcd_fuzz.py")
F = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(F)


# cases on which the screening rule of the positive problems inflated the
# dual scaling with a stale bound (the gap stuck at 1e-3..7, status 1)
@pytest.mark.parametrize("seed", [0, 137, 150, 242, 243, 261])
def test_positive_screening_certifies(seed):
    kind, X, y, frac = F.make_case(seed)
    assert kind.endswith("+")
    make = ((lambda a: Lasso(X, y, a, positive=True)) if kind == "lasso+" else
            (lambda a: SparseLogisticRegression(X, y, a, positive=True)))
    alpha = frac * make(1.0).alpha_max()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        on = bcd(make(alpha), tol=1e-8, max_iter=100)
        off = bcd(make(alpha), tol=1e-8, max_iter=100, screen=False)
    assert on.status == 0 and off.status == 0
    assert on.n_screened > 0
    # the screened answer is certified by the gap recomputed from w alone
    p0 = F.primal_dual_gap(kind, X, y, alpha, np.zeros_like(on.x))[0]
    assert F.primal_dual_gap(kind, X, y, alpha, on.x)[1] <= 1.5e-8 * p0


def test_positive_screening_uses_the_one_sided_test():
    # a feature held at zero by the bound (large positive gradient) is
    # inactive under w >= 0 although |g_j| is large: the one-sided sphere
    # test screens it, the two-sided one could not
    rng = np.random.default_rng(3)
    X = rng.standard_normal((40, 10))
    y = X[:, :3] @ [1.0, 0.5, 0.25] - 2.0 * X[:, 3:].sum(1) + 0.1 * rng.standard_normal(40)
    prob = Lasso(X, y, 0.3 * Lasso(X, y, 1.0, positive=True).alpha_max(), positive=True)
    res = bcd(prob, tol=1e-10)
    assert res.status == 0 and not res.x[3:].any()
    g = X.T @ (X @ res.x - y) / 40
    assert np.all(g[3:] > 2 * prob.alpha)  # |g_j| > alpha: two-sided tests keep them
    assert res.n_screened >= 7


@pytest.mark.parametrize("block", range(6))
def test_fuzz_against_anchors(block):
    # 50 cases a block, 300 in all: non-negative Lasso vs sklearn, L1
    # logistic vs liblinear, non-negative L1 logistic vs L-BFGS-B
    fails = [m for m in (F.run_case(s) for s in range(50 * block, 50 * block + 50))
             if m is not None]
    assert not fails, "\n".join(fails)
