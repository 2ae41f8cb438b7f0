"""Bilevel problems: the protocol and the built-in applications.

A bilevel problem is::

    min_theta  f(theta) = g(x*(theta))
    x*(theta) = argmin_x L(x, theta)

with ``L`` smooth and ``mu``-strongly convex in ``x``. The solvers only touch a
problem through the methods of :class:`BilevelProblem`; a user's own problem
is any object with those methods (subclassing is optional).

Built-ins: :class:`TVDenoising`, :class:`FieldOfExperts` here,
:class:`~optsolve.optimize.bilevel.logistic.MultinomialLogistic` in
:mod:`.logistic` (the three applications of Salehi, Mukherjee,
Roberts & Ehrhardt, 2023).
"""
from __future__ import annotations

import math

import numpy as np

from ._operators import (correlate, correlate_adjoint, grad2d, patches, tv_lower_cross,
                         tv_lower_grad, tv_lower_hvp)

__all__ = ["BilevelProblem", "TVDenoising", "FieldOfExperts",
           "REQUIRED_METHODS", "check_problem"]

#: Methods every problem must provide.
REQUIRED_METHODS = ("lower_grad", "lower_hvp", "lower_cross", "upper_fun",
                    "upper_grad", "strong_convexity", "x0")


class BilevelProblem:
    """The protocol a bilevel problem follows (subclassing is optional).

    ``x`` may be an array of any shape (an image stack, a weight matrix);
    ``theta`` is a 1-D float array. Required methods:

    ``x0(theta)``
        Starting point of the lower-level solver.
    ``lower_grad(x, theta)``
        Gradient of ``L`` in ``x``.
    ``lower_hvp(x, theta, v)``
        Hessian-vector product ``d2L/dx2 @ v``.
    ``lower_cross(x, theta, q)``
        Mixed derivative product ``d2L/(dtheta dx) @ q``: the gradient in
        ``theta`` of ``<grad_x L(x, theta), q>``, a vector shaped like theta.
    ``upper_fun(x)``, ``upper_grad(x)``
        The upper-level loss ``g`` and its gradient (``g`` convex).
    ``strong_convexity(theta)``
        ``mu``, a lower bound on the strong convexity of ``L(., theta)``.

    Optional methods (estimated or skipped when absent):

    ``lower_fun(x, theta)``
        ``L`` itself (used only by checks).
    ``lower_smoothness(theta)``
        Lipschitz constant of ``grad_x L`` (estimated by power iteration on
        Hessian-vector products when absent).
    ``upper_smoothness()``
        Lipschitz constant ``L_g`` of ``grad g`` (estimated from gradient
        differences when absent).
    ``theta0()``
        A sensible starting point.

    Optional attribute: ``preferred_lower_solver`` ("fista" or "newton-cg"),
    the lower-level solver ``lower_solver="auto"`` picks (default "fista").

    Examples
    --------
    A quadratic lower level ``L = 0.5 x'Ax - (b + C theta)'x`` whose solution
    ``x* = A^{-1}(b + C theta)`` is known in closed form:

    >>> import numpy as np
    >>> from optsolve.optimize.bilevel import BilevelProblem, minimize_bilevel
    >>> class Quadratic(BilevelProblem):
    ...     def __init__(self, A, b, C, target):
    ...         self.A, self.b, self.C, self.t = A, b, C, target
    ...     def x0(self, theta): return np.zeros(len(self.b))
    ...     def lower_grad(self, x, theta): return self.A @ x - self.b - self.C @ theta
    ...     def lower_hvp(self, x, theta, v): return self.A @ v
    ...     def lower_cross(self, x, theta, q): return -self.C.T @ q
    ...     def upper_fun(self, x): return 0.5 * float((x - self.t) @ (x - self.t))
    ...     def upper_grad(self, x): return x - self.t
    ...     def upper_smoothness(self): return 1.0
    ...     def strong_convexity(self, theta): return float(np.linalg.eigvalsh(self.A)[0])
    ...     def lower_smoothness(self, theta): return float(np.linalg.eigvalsh(self.A)[-1])
    >>> A = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> prob = Quadratic(A, np.zeros(2), np.eye(2), np.array([1.0, -1.0]))
    >>> res = minimize_bilevel(prob, np.zeros(2), tol=1e-6)
    >>> np.allclose(res.x, A @ np.array([1.0, -1.0]), atol=1e-4)
    True
    """

    def theta0(self):  # pragma: no cover - documented default
        raise NotImplementedError


def check_problem(problem):
    """Raise ValueError naming the first required method ``problem`` lacks."""
    missing = [m for m in REQUIRED_METHODS if not callable(getattr(problem, m, None))]
    if missing:
        raise ValueError(f"`problem` is missing the method(s) {', '.join(missing)} "
                         "(see optsolve.optimize.bilevel.BilevelProblem)")
    return problem


def _image_stack(images, name):
    if isinstance(images, np.ndarray) and images.ndim == 2:
        images = [images]
    try:
        arrs = [np.asarray(a, dtype=float) for a in images]
    except (TypeError, ValueError):
        raise ValueError(f"`{name}` must be a list of 2-D float arrays") from None
    if not arrs:
        raise ValueError(f"`{name}` must contain at least one image")
    if any(a.ndim != 2 for a in arrs):
        raise ValueError(f"`{name}` must be a list of 2-D float arrays")
    if len({a.shape for a in arrs}) != 1:
        raise ValueError(f"the images in `{name}` must all have the same shape")
    stack = np.stack(arrs)
    if not np.all(np.isfinite(stack)):
        raise ValueError(f"`{name}` must contain only finite values")
    return stack


def _image_pair(clean, noisy, min_size=2):
    c = _image_stack(clean, "clean")
    y = _image_stack(noisy, "noisy")
    if c.shape != y.shape:
        raise ValueError(f"`clean` and `noisy` must hold as many images of the same "
                         f"shape, got {c.shape} and {y.shape}")
    if min(c.shape[1:]) < min_size:
        raise ValueError(f"images must be at least {min_size}x{min_size} pixels")
    return c, y


class _Denoising(BilevelProblem):
    """Shared upper level of the denoising problems: mean squared error.

    ``g(x) = sum_i ||x_i - clean_i||^2 / (2 n_images)``, so ``L_g = 1/n``.
    The lower-level data term ``0.5 ||x - noisy||^2`` makes ``mu = 1``."""

    def x0(self, theta):
        return self.noisy.copy()

    def upper_fun(self, x):
        d = x - self.clean
        return 0.5 * float(np.vdot(d, d)) / self.clean.shape[0]

    def upper_grad(self, x):
        return (x - self.clean) / self.clean.shape[0]

    def upper_smoothness(self):
        return 1.0 / self.clean.shape[0]

    def strong_convexity(self, theta):
        return 1.0

    def denoise(self, theta, images=None, tol=1e-6, maxiter=5000):
        """Denoise ``images`` (default: the noisy training images) with ``theta``.

        Solves the lower level to ``||x - x*|| <= tol`` (with the problem's
        preferred lower solver) and returns the stack of denoised images."""
        from .hypergrad import preferred_solve_lower

        theta = np.asarray(theta, dtype=float)
        prob = self if images is None else self._like(_image_stack(images, "images"))
        x, _, _ = preferred_solve_lower(prob)(prob, theta, prob.x0(theta), tol,
                                              maxiter=maxiter)
        return x

    def psnr(self, x):
        """Mean peak signal-to-noise ratio (dB, peak 1) of ``x`` vs the clean images."""
        x = np.asarray(x, dtype=float).reshape(self.clean.shape)
        mse = np.mean((x - self.clean) ** 2, axis=(1, 2))
        return float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-300))))


class TVDenoising(_Denoising):
    r"""Learn the weight and smoothing of total variation for denoising.

    Lower level, for each noisy image ``y`` (theta = (log lambda, log nu)):

    .. math:: L(x, \theta) = \tfrac12 \|x - y\|^2
              + \lambda \sum_{p} \sqrt{|(Dx)_p|^2 + \nu^2}

    with ``D`` forward differences (Neumann boundary). Upper level: mean
    squared error to the clean images (see the user guide). ``mu = 1`` and
    ``grad_x L`` is ``1 + 8 lambda / nu`` Lipschitz.

    Parameters
    ----------
    clean, noisy : list of 2-D arrays
        Pairs of training images of one shape, values about in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bilevel import TVDenoising, minimize_bilevel
    >>> rng = np.random.default_rng(0)
    >>> clean = np.zeros((16, 16)); clean[4:12, 4:12] = 1.0
    >>> noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    >>> prob = TVDenoising([clean], [noisy])
    >>> res = minimize_bilevel(prob, prob.theta0(), options={"max_work": 3000})
    >>> res.fun < prob.upper_fun(noisy)
    True
    """

    def __init__(self, clean, noisy):
        self.clean, self.noisy = _image_pair(clean, noisy)

    def theta0(self):
        """``(log lambda, log nu) = (-5, -5)``, the start used in the MAID paper."""
        return np.array([-5.0, -5.0])

    @staticmethod
    def _params(theta):
        theta = np.asarray(theta, dtype=float)
        return np.exp(theta[0]), np.exp(theta[1])

    def lower_fun(self, x, theta):
        lam, nu = self._params(theta)
        d0, d1 = grad2d(x)
        r = x - self.noisy
        return 0.5 * float(np.vdot(r, r)) + lam * float(np.sum(np.sqrt(d0 * d0 + d1 * d1 + nu * nu)))

    # the derivatives run as fused Numba kernels (optsolve.optimize.bilevel._operators)
    def lower_grad(self, x, theta):
        lam, nu = self._params(theta)
        return tv_lower_grad(np.asarray(x, dtype=float), self.noisy, lam, nu)

    def lower_hvp(self, x, theta, v):
        lam, nu = self._params(theta)
        return tv_lower_hvp(np.asarray(x, dtype=float), np.asarray(v, dtype=float), lam, nu)

    def lower_cross(self, x, theta, q):
        lam, nu = self._params(theta)
        return tv_lower_cross(np.asarray(x, dtype=float), np.asarray(q, dtype=float), lam, nu)

    def lower_smoothness(self, theta):
        lam, nu = self._params(theta)
        return 1.0 + 8.0 * lam / nu

    def _like(self, images):
        return TVDenoising(images, images)


class FieldOfExperts(_Denoising):
    r"""Learn a field-of-experts regulariser (filters, weights, smoothings).

    Lower level, for each noisy image ``y``:

    .. math:: L(x, \theta) = \tfrac12 \|x - y\|^2 + \sum_{j=1}^{J}
              e^{\alpha_j} \sum_p \sqrt{(k_j \star x)_p^2 + e^{2\beta_j}}

    with ``k_j \star x`` the valid correlation of the image with filter ``j``.
    ``theta = (alpha (J), beta (J), filters (J * size * size))``: with the
    paper's 48 filters of 7x7 that is 2448 parameters. Upper level: mean
    squared error to the clean images. ``mu = 1``.

    Parameters
    ----------
    clean, noisy : list of 2-D arrays
        Pairs of training images (or patches) of one shape.
    n_filters : int, optional
        Number of experts ``J`` (default 48, as in the paper).
    size : int, optional
        Filter side (default 7).
    random_state : int, optional
        Seed of the zero-mean random filters of :meth:`theta0`.

    Examples
    --------
    >>> import numpy as np
    >>> from optsolve.optimize.bilevel import FieldOfExperts, minimize_bilevel
    >>> rng = np.random.default_rng(0)
    >>> clean = np.zeros((12, 12)); clean[3:9, 3:9] = 1.0
    >>> noisy = clean + 0.1 * rng.standard_normal(clean.shape)
    >>> prob = FieldOfExperts([clean], [noisy], n_filters=4, size=3)
    >>> prob.theta0().shape
    (44,)
    >>> res = minimize_bilevel(prob, prob.theta0(), options={"max_work": 2000})
    >>> res.fun < prob.upper_fun(noisy)
    True
    """

    #: Newton-CG: with learned filters the FISTA step 1/L is set by the worst
    #: direction of the filter bank; CG adapts to the Hessian's spectrum
    preferred_lower_solver = "newton-cg"

    def __init__(self, clean, noisy, n_filters=48, size=7, random_state=0):
        for name, v in (("n_filters", n_filters), ("size", size)):
            if isinstance(v, bool) or int(v) != v or v < 1:
                raise ValueError(f"`{name}` must be a positive integer, got {v!r}")
        self.n_filters, self.size = int(n_filters), int(size)
        self.clean, self.noisy = _image_pair(clean, noisy, min_size=self.size)
        self.random_state = random_state
        self._cache = None

    def theta0(self):
        """The start of the authors' FoE script, in our parameters.

        Their penalty is ``1/2 e^{t_0} sum_j e^{t_j} sum_p sqrt((k_j * x)_p^2
        + e^{2 s_j})`` with every ``t = -3``, ``s_j = -3.5`` and zero-mean
        Xavier-normal filters (standard deviation ``sqrt(1/size)``, so norm
        about ``sqrt(size)``); here the three factors are one weight per
        filter, ``alpha_j = -6 - log 2`` for their bank of 48 filters of 7x7,
        smoothings ``beta_j = -3.5``, and the filters are drawn the same way.
        For another bank the weights are rescaled so that the bank's total
        weight ``J e^alpha sqrt(size)`` stays the paper's (a smaller bank
        would otherwise start much weaker)."""
        J, s = self.n_filters, self.size
        rng = np.random.default_rng(self.random_state)
        f = rng.standard_normal((J, s * s)) * math.sqrt(1.0 / s)
        f -= f.mean(axis=1, keepdims=True)
        alpha = -6.0 - math.log(2.0) + math.log((48 * math.sqrt(7.0)) / (J * math.sqrt(s)))
        return np.concatenate([np.full(J, alpha), np.full(J, -3.5), f.ravel()])

    def _unpack(self, theta):
        theta = np.asarray(theta, dtype=float)
        J, s = self.n_filters, self.size
        if theta.shape != (J * (2 + s * s),):
            raise ValueError(f"`theta` must have {J * (2 + s * s)} entries for "
                             f"{J} filters of {s}x{s}, got shape {theta.shape}")
        return (np.exp(theta[:J]), np.exp(theta[J:2 * J]),
                theta[2 * J:].reshape(J, s, s))

    def _responses(self, x, theta):
        # CG and the error bound ask for many products at one (x, theta): the
        # filter responses of x (one im2col product, a third of an HVP) are
        # kept for the last pair, compared by value so that mutation is safe
        c = self._cache
        if c is not None and np.array_equal(c[0], x) and np.array_equal(c[1], theta):
            return c[2]
        w, nu, filt = self._unpack(theta)
        t = correlate(x, filt)
        s = np.sqrt(t * t + nu * nu)
        slope = t / s                  # derivative of the penalty, per filter
        curv = (nu * nu) / (s * s * s)  # its second derivative
        out = (w, nu, filt, s, slope, curv)
        self._cache = (np.array(x, copy=True), np.array(theta, copy=True), out)
        return out

    def lower_fun(self, x, theta):
        w, nu, filt, s, slope, curv = self._responses(x, theta)
        r = x - self.noisy
        return 0.5 * float(np.vdot(r, r)) + float(np.sum(s @ w))

    def lower_grad(self, x, theta):
        w, nu, filt, s, slope, curv = self._responses(x, theta)
        return x - self.noisy + correlate_adjoint(w * slope, filt, x.shape)

    def lower_hvp(self, x, theta, v):
        w, nu, filt, s, slope, curv = self._responses(x, theta)
        kv = correlate(v, filt)
        kv *= curv
        kv *= w
        return v + correlate_adjoint(kv, filt, x.shape)

    def lower_cross(self, x, theta, q):
        w, nu, filt, s, slope, curv = self._responses(x, theta)
        kq = correlate(q, filt)
        d_alpha = w * np.sum(slope * kq, axis=0)
        d_beta = -w * nu * nu * np.sum(slope / (s * s) * kq, axis=0)
        a = w * curv * kq               # from the curvature of the penalty
        b = w * slope                   # from the filter acting on q
        d_filt = patches(x, self.size).T @ a + patches(q, self.size).T @ b
        return np.concatenate([d_alpha, d_beta, d_filt.T.ravel()])

    def lower_smoothness(self, theta):
        w, nu, filt = self._unpack(theta)
        # ||K_j||_2 <= ||k_j||_1 for a correlation operator
        l1 = np.abs(filt).reshape(self.n_filters, -1).sum(axis=1)
        return 1.0 + float(np.sum(w / nu * l1 * l1))

    def _like(self, images):
        return FieldOfExperts(images, images, self.n_filters, self.size)


def __getattr__(name):
    # MultinomialLogistic lives in .logistic, which imports this module
    if name == "MultinomialLogistic":
        from .logistic import MultinomialLogistic
        return MultinomialLogistic
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
