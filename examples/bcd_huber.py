"""Robust sparse regression with a data fit of your own: the Huber loss
composed with an L1 penalty, solved by greedy working sets.

Run: python examples/bcd_huber.py
"""
import numpy as np

from optsolve.optimize.bcd import GLM, Lasso, bcd, datafits, penalties

rng = np.random.default_rng(0)
n, p = 200, 400
X = rng.standard_normal((n, p))
w_true = np.zeros(p)
w_true[:5] = [2.0, -1.5, 1.0, 3.0, -2.0]
y = X @ w_true + 0.1 * rng.standard_normal(n)
y[:10] += rng.choice([-30.0, 30.0], size=10)          # gross outliers

alpha = 0.05
huber = bcd(GLM(X, datafits.Huber(y, delta=1.0), penalties.L1(alpha)), tol=1e-8)
lasso = bcd(Lasso(X, y, alpha), tol=1e-8)
for name, res in (("huber + L1", huber), ("lasso", lasso)):
    err = np.linalg.norm(res.x - w_true)
    print(f"{name:11s} status={res.status} working sets={res.nit} "
          f"support={np.count_nonzero(res.x)} error={err:.3f}")
