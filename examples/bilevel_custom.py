"""Write your own bilevel problem: a quadratic with a closed-form answer.

Run: python examples/bilevel_custom.py

Lower level L(x, theta) = 0.5 x'Ax - (b + C theta)'x, so x*(theta) =
A^{-1}(b + C theta); upper level g(x) = 0.5 ||x - t||^2. The best theta is a
least-squares solution, which MAID finds from derivative products alone.
"""
import numpy as np

from optsolve import minimize_bilevel
from optsolve.optimize.bilevel import BilevelProblem


class Quadratic(BilevelProblem):
    def __init__(self, A, b, C, t):
        self.A, self.b, self.C, self.t = A, b, C, t

    def x0(self, theta):                       # lower-level starting point
        return np.zeros(len(self.b))

    def lower_grad(self, x, theta):            # grad_x L
        return self.A @ x - self.b - self.C @ theta

    def lower_hvp(self, x, theta, v):          # d2L/dx2 @ v
        return self.A @ v

    def lower_cross(self, x, theta, q):        # d2L/(dtheta dx) @ q
        return -self.C.T @ q

    def upper_fun(self, x):                    # g
        return 0.5 * float((x - self.t) @ (x - self.t))

    def upper_grad(self, x):                   # grad g
        return x - self.t

    def upper_smoothness(self):                # Lipschitz constant of grad g
        return 1.0

    def strong_convexity(self, theta):         # mu
        return float(np.linalg.eigvalsh(self.A)[0])

    def lower_smoothness(self, theta):         # Lipschitz constant of grad_x L
        return float(np.linalg.eigvalsh(self.A)[-1])


rng = np.random.default_rng(0)
M = rng.standard_normal((8, 8))
A, b, C, t = M @ M.T + np.eye(8), rng.standard_normal(8), rng.standard_normal((8, 3)), \
    rng.standard_normal(8)
res = minimize_bilevel(Quadratic(A, b, C, t), np.zeros(3), tol=1e-5)

Ainv = np.linalg.inv(A)
exact = np.linalg.lstsq(Ainv @ C, t - Ainv @ b, rcond=None)[0]
print(res.message, f"nit={res.nit} work={res.nwork}")
print("MAID   ", np.round(res.x, 5))
print("exact  ", np.round(exact, 5))
