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
    return patches(x, s) @ filters.reshape(k, s * s).T


def correlate_adjoint(z, filters, shape):
    """Adjoint of :func:`correlate`: images of ``shape`` from responses ``z``."""
    k, s, _ = filters.shape
    n, h, w = shape
    hh, ww = h - s + 1, w - s + 1
    cols = (z @ filters.reshape(k, s * s)).reshape(n, hh, ww, s, s)
    out = np.zeros(shape)
    for a in range(s):
        for b in range(s):
            out[:, a:a + hh, b:b + ww] += cols[:, :, :, a, b]
    return out
