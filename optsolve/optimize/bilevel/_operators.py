"""Image operators for the built-in bilevel problems, vectorised in numpy.

Arrays of images have shape ``(n_images, height, width)``; every operator
acts on the last two axes at once, so a whole training set costs one call.

* Forward differences with Neumann boundary (Chambolle 2004) and their
  adjoint, for total variation.
* "Valid" 2-D correlation with a bank of filters and its adjoint, as one
  matrix product on image patches (im2col), for fields of experts.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from numpy.lib.stride_tricks import sliding_window_view


def grad2d(x):
    """Forward differences ``(d_rows, d_cols)`` of images ``x`` (Neumann)."""
    d0 = np.zeros_like(x)
    d1 = np.zeros_like(x)
    d0[..., :-1, :] = x[..., 1:, :] - x[..., :-1, :]
    d1[..., :, :-1] = x[..., :, 1:] - x[..., :, :-1]
    return d0, d1


def grad2d_adjoint(p0, p1):
    """Adjoint of :func:`grad2d` (minus the discrete divergence)."""
    out = np.zeros_like(p0)
    out[..., :-1, :] -= p0[..., :-1, :]
    out[..., 1:, :] += p0[..., :-1, :]
    out[..., :, :-1] -= p1[..., :, :-1]
    out[..., :, 1:] += p1[..., :, :-1]
    return out


def patches(x, size):
    """All ``size x size`` patches of images ``x`` as rows of a matrix.

    Returns an array of shape ``(n * h' * w', size * size)`` with
    ``h' = h - size + 1`` (a copy: one im2col)."""
    n, h, w = x.shape
    view = sliding_window_view(x, (size, size), axis=(1, 2))
    return view.reshape(n * (h - size + 1) * (w - size + 1), size * size)


def correlate(x, filters):
    """Valid correlation of images ``x`` with every filter.

    Parameters
    ----------
    x : ndarray, shape (n, h, w)
    filters : ndarray, shape (k, s, s)

    Returns
    -------
    ndarray, shape (n * (h-s+1) * (w-s+1), k)
        Column ``j`` is filter ``j``'s response, flattened image-major.
    """
    k, s, _ = filters.shape
    # a C-ordered right factor: the transposed view sends OpenBLAS down a
    # threaded path that is far slower on small products
    return patches(x, s) @ np.ascontiguousarray(filters.reshape(k, s * s).T)


def correlate_adjoint(z, filters, shape):
    """Adjoint of :func:`correlate`: images of ``shape`` from responses ``z``."""
    k, s, _ = filters.shape
    n, h, w = shape
    hh, ww = h - s + 1, w - s + 1
    cols = (z @ filters.reshape(k, s * s)).reshape(n, hh, ww, s, s)
    return _col2im(cols, h, w)


@njit(cache=True)
def _col2im(cols, h, w):
    """Sum patch columns back into images (the adjoint of :func:`patches`)."""
    n, hh, ww, s, _ = cols.shape
    out = np.zeros((n, h, w))
    for i in range(n):
        for r in range(hh):
            for c in range(ww):
                for a in range(s):
                    for b in range(s):
                        out[i, r + a, c + b] += cols[i, r, c, a, b]
    return out


# ---------------------------------------------------------------------------
# fused smoothed-TV kernels (Numba): one pass over the pixels instead of the
# dozen temporaries of the numpy expressions; same formulas as TVDenoising.
# ---------------------------------------------------------------------------

@njit(cache=True)
def _tv_field(x, nu2, i, r, c, nr, nc):
    """Forward differences and smoothed magnitude at one pixel."""
    d0 = x[i, r + 1, c] - x[i, r, c] if r + 1 < nr else 0.0
    d1 = x[i, r, c + 1] - x[i, r, c] if c + 1 < nc else 0.0
    return d0, d1, np.sqrt(d0 * d0 + d1 * d1 + nu2)


@njit(cache=True)
def _scatter_adjoint(out, i, r, c, nr, nc, p0, p1):
    """Add D^T of a field value (p0, p1) sitting at pixel (r, c)."""
    if r + 1 < nr:
        out[i, r, c] -= p0
        out[i, r + 1, c] += p0
    if c + 1 < nc:
        out[i, r, c] -= p1
        out[i, r, c + 1] += p1


@njit(cache=True)
def tv_lower_grad(x, y, lam, nu):
    """``x - y + lam D^T (Dx / sqrt(|Dx|^2 + nu^2))`` for an image stack."""
    n, nr, nc = x.shape
    out = x - y
    nu2 = nu * nu
    for i in range(n):
        for r in range(nr):
            for c in range(nc):
                d0, d1, s = _tv_field(x, nu2, i, r, c, nr, nc)
                _scatter_adjoint(out, i, r, c, nr, nc, lam * d0 / s, lam * d1 / s)
    return out


@njit(cache=True)
def tv_lower_hvp(x, v, lam, nu):
    """``v + lam D^T (H_p (Dv)_p)`` with ``H_p = (I - d d^T / s^2) / s``."""
    n, nr, nc = x.shape
    out = v.copy()
    nu2 = nu * nu
    for i in range(n):
        for r in range(nr):
            for c in range(nc):
                d0, d1, s = _tv_field(x, nu2, i, r, c, nr, nc)
                w0 = v[i, r + 1, c] - v[i, r, c] if r + 1 < nr else 0.0
                w1 = v[i, r, c + 1] - v[i, r, c] if c + 1 < nc else 0.0
                dw = (d0 * w0 + d1 * w1) / (s * s)
                _scatter_adjoint(out, i, r, c, nr, nc, lam * (w0 - d0 * dw) / s,
                                 lam * (w1 - d1 * dw) / s)
    return out


@njit(cache=True)
def tv_lower_cross(x, q, lam, nu):
    """``(lam <Dx/s, Dq>, -lam nu^2 <Dx/s^3, Dq>)``: d2L/(dtheta dx) q."""
    n, nr, nc = x.shape
    nu2 = nu * nu
    a = 0.0
    b = 0.0
    for i in range(n):
        for r in range(nr):
            for c in range(nc):
                d0, d1, s = _tv_field(x, nu2, i, r, c, nr, nc)
                q0 = q[i, r + 1, c] - q[i, r, c] if r + 1 < nr else 0.0
                q1 = q[i, r, c + 1] - q[i, r, c] if c + 1 < nc else 0.0
                dq = d0 * q0 + d1 * q1
                a += dq / s
                b += dq / (s * s * s)
    return np.array([lam * a, -lam * nu2 * b])
