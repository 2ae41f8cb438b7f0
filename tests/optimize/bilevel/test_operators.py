"""The TV and FoE operators against numpy/scipy."""
import numpy as np
import pytest

from optsolve.optimize.bilevel import TVDenoising


def test_tv_kernels_match_numpy_operators():
    from optsolve.optimize.bilevel._operators import grad2d, grad2d_adjoint

    rng = np.random.default_rng(5)
    x, p0, p1 = (rng.standard_normal((2, 5, 7)) for _ in range(3))
    d0, d1 = grad2d(x)  # adjointness of the numpy pair: <Dx, p> = <x, D^T p>
    assert np.vdot(d0, p0) + np.vdot(d1, p1) == pytest.approx(
        np.vdot(x, grad2d_adjoint(p0, p1)))
    prob = TVDenoising(list(x), list(p0))
    lam, nu = 0.3, 0.05
    s = np.sqrt(d0 ** 2 + d1 ** 2 + nu ** 2)
    ref = x - p0 + lam * grad2d_adjoint(d0 / s, d1 / s)
    np.testing.assert_allclose(prob.lower_grad(x, np.log([lam, nu])), ref, atol=1e-12)
    L = prob.lower_fun  # the gradient is the gradient of lower_fun
    e = np.zeros_like(x)
    e[1, 2, 3] = 1e-6
    th = np.log([lam, nu])
    fd = (L(x + e, th) - L(x - e, th)) / 2e-6
    assert fd == pytest.approx(ref[1, 2, 3], rel=1e-6)


def test_foe_correlation_pair_is_adjoint_and_matches_scipy():
    from scipy.signal import correlate2d

    from optsolve.optimize.bilevel._operators import correlate, correlate_adjoint

    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 9, 8))
    filt = rng.standard_normal((3, 4, 4))
    z = correlate(x, filt)
    for j in range(3):   # column j, image-major, is scipy's valid correlation
        ref = np.concatenate([correlate2d(xi, filt[j], mode="valid").ravel() for xi in x])
        np.testing.assert_allclose(z[:, j], ref, atol=1e-12)
    w = rng.standard_normal(z.shape)
    assert np.vdot(z, w) == pytest.approx(np.vdot(x, correlate_adjoint(w, filt, x.shape)))
