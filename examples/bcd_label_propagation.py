"""Label propagation on a lattice: greedy tree blocks solved by message passing
against cyclic single-coordinate updates, same number of block updates.

Run: python examples/bcd_label_propagation.py
"""
import warnings

import numpy as np
from scipy.sparse.linalg import spsolve

import optsolve
from optsolve.optimize.bcd import LabelPropagation, lattice_graph

m = 30
W = lattice_graph(m)

rng = np.random.default_rng(0)
labels = np.full(m * m, np.nan)
labelled = rng.choice(m * m, 40, replace=False)
labels[labelled] = np.where(labelled % m < m // 2, -1.0, 1.0)  # left vs right
prob = LabelPropagation(W, labels, label_weight=1e3)
x_star = spsolve(prob.A.tocsc(), prob.b)
f_star = prob._value(x_star, prob._state(x_star))

with warnings.catch_warnings():
    warnings.simplefilter("ignore", optsolve.ConvergenceWarning)
    for name, kw in [("cyclic coordinates", dict(rule="cyclic", blocks="contiguous")),
                     ("GSL variable blocks of 5", dict(rule="gsl", blocks="variable",
                                                       block_size=5)),
                     ("red-black + exact", dict(rule="cyclic", blocks="colour")),
                     ("GSL trees + message passing", dict(rule="gsl", blocks="tree",
                                                          block_size=m * m // 2))]:
        res = optsolve.bcd(prob, max_iter=200, tol=0, **kw)
        print(f"{name:30s} f - f* = {res.fun - f_star:.3e}  after {res.nit} block updates")
