"""Learn one L2 weight per coefficient of a multinomial logistic regression.

Run: python examples/bilevel_logistic.py   (about 10 s)

Digits (scikit-learn, offline): half for training, a quarter to validate the
hyperparameters (the upper level), a quarter to test. Compared with
scikit-learn's LogisticRegressionCV on the same data.
"""
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegressionCV

from optsolve import minimize_bilevel
from optsolve.optimize.bilevel import MultinomialLogistic

X, y = load_digits(return_X_y=True)
X = (X - X.mean(0)) / np.maximum(X.std(0), 1e-12)
X = np.hstack([X, np.ones((len(y), 1))])          # intercept column
perm = np.random.default_rng(0).permutation(len(y))
tr, va, te = np.split(perm, [len(y) // 2, 3 * len(y) // 4])

problem = MultinomialLogistic(X[tr], y[tr], X[va], y[va])   # 650 hyperparameters
res = minimize_bilevel(problem, problem.theta0(), options={"max_work": 5000})
W = res.x_lower                                 # the weights at the learned theta
print(f"MAID: validation loss {res.fun:.4f}, test accuracy "
      f"{problem.accuracy(W, X[te], y[te]):.4f}, work {res.nwork}, {res.time:.1f} s")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    cv = LogisticRegressionCV(Cs=10, max_iter=2000).fit(X[tr, :-1], y[tr])
print(f"LogisticRegressionCV: test accuracy {cv.score(X[te, :-1], y[te]):.4f}")
