"""Lasso and sparse logistic regression by greedy block coordinate descent.

Run: python examples/bcd_lasso.py
"""
import numpy as np

import optsolve
from optsolve.optimize.bcd import BCDLasso, Lasso, SparseLogisticRegression

rng = np.random.default_rng(0)
n, p = 500, 2000
X = rng.standard_normal((n, p))
w_true = np.zeros(p)
w_true[:20] = rng.standard_normal(20)
y = X @ w_true + 0.1 * rng.standard_normal(n)

# the problem object, then the call; alpha relative to alpha_max
alpha_max = Lasso(X, y, 1.0).alpha_max()
res = optsolve.bcd(Lasso(X, y, alpha_max / 20), tol=1e-8, verbose=True)
print(res.message, "gap", res.gap, "support", np.flatnonzero(res.x)[:10], "...")
print("working sets", res.nit, "sweeps", round(res.n_epochs, 1), "screened", res.n_screened)

# L1 logistic regression on the signs
res = optsolve.bcd(SparseLogisticRegression(X, np.sign(y), alpha=0.01), tol=1e-8)
print("logistic: nnz", np.count_nonzero(res.x), "gap", res.gap)

# the scikit-learn style estimator
est = BCDLasso(alpha=alpha_max / 20).fit(X, y)
print("R^2 on the training data", round(est.score(X, y), 4))
