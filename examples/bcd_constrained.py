"""Non-negative Lasso and group Lasso by block coordinate descent.

Run: python examples/bcd_constrained.py
"""
import numpy as np

import optsolve
from optsolve.optimize.bcd import GroupLasso, Lasso, Logistic

rng = np.random.default_rng(0)
n, p = 300, 600
X = rng.standard_normal((n, p))
w_true = np.zeros(p)
w_true[:12] = np.abs(rng.standard_normal(12))          # non-negative truth
y = X @ w_true + 0.1 * rng.standard_normal(n)

# non-negative Lasso: working sets with a one-sided prox, certified by a gap
prob = Lasso(X, y, Lasso(X, y, 1.0, positive=True).alpha_max() / 20, positive=True)
res = optsolve.bcd(prob, tol=1e-8)
print("positive Lasso:", res.message, "gap", res.gap, "min coef", res.x.min(),
      "support", np.flatnonzero(res.x)[:12])

# the paper's alternative: greedy variable blocks with two-metric projection steps
res = optsolve.bcd(prob, rule="gsl", blocks="variable", block_size=20, update="newton",
                   tol=1e-8)
print("two-metric projection blocks:", res.nit, "block updates, gap", res.gap)

# group Lasso, groups of 6 features (the first two groups carry the signal)
groups = 6
prob = GroupLasso(X, y, GroupLasso(X, y, 1.0, groups).alpha_max() / 10, groups)
res = optsolve.bcd(prob, rule="cyclic", tol=1e-8)
active = [k for k in range(p // groups) if np.any(res.x[k * groups:(k + 1) * groups])]
print("group Lasso:", res.message, "active groups", active[:10])

# the same penalty on the logistic loss, greedy (GSL) group selection
prob = Logistic(X, np.sign(y), 0.02, penalty="group", groups=groups)
res = optsolve.bcd(prob, rule="gsl", tol=1e-6, max_iter=20_000)
print("group logistic:", res.status, "prox-grad mapping", res.prox_grad_norm)
