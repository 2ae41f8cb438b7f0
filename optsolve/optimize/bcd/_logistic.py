"""Numba kernels of the binary logistic loss: its value, the loss and
z-gradient in one pass, the dual objective of the duality gap, and the
line-search values of the proximal Newton solver."""
import numpy as np
from numba import njit

from ._matrix import _FAST

__all__ = ["logistic_grad_pass", "logistic_dual_of"]


@njit(cache=True, fastmath=_FAST, inline="always")
def _softplus(t):
    """log(1 + exp(t)) without overflow."""
    if t > 0:
        return t + np.log1p(np.exp(-t))
    return np.log1p(np.exp(t))


@njit(cache=True, fastmath=_FAST)
def _logistic_value(z, y):
    s = 0.0
    for i in range(z.shape[0]):
        s += _softplus(-y[i] * z[i])
    return s / z.shape[0]


@njit(cache=True, fastmath=_FAST)
def _sigmoid_at(y, z, xd, step, sig):
    """sig_i = sigma(-y_i (z_i + step xd_i)); returns
    sum_i xd_i * d/dz log(1 + exp(-y_i z)) at z + step xd, that is the
    derivative of the (n times) loss along xd. One exp per sample."""
    dot = 0.0
    for i in range(y.shape[0]):
        s = 1.0 / (1.0 + np.exp(y[i] * (z[i] + step * xd[i])))
        sig[i] = s
        dot -= xd[i] * y[i] * s
    return dot


@njit(cache=True, fastmath=_FAST)
def _logistic_value_at(z, y, xd, step):
    """(1/n) sum log(1 + exp(-y_i (z_i + step xd_i)))."""
    s = 0.0
    for i in range(z.shape[0]):
        s += _softplus(-y[i] * (z[i] + step * xd[i]))
    return s / z.shape[0]


@njit(cache=True, fastmath=_FAST)
def logistic_grad_pass(z, y, u):
    """One pass over the samples: u_i = d/dz_i of the loss
    (1/n) sum log(1 + exp(-y_i z_i)), that is -y_i sigma(-y_i z_i) / n;
    returns the loss."""
    n = z.shape[0]
    loss = 0.0
    for i in range(n):
        t = y[i] * z[i]
        if t > 0:
            e = np.exp(-t)
            loss += np.log1p(e)
            s = e / (1.0 + e)
        else:
            e = np.exp(t)
            loss += np.log1p(e) - t
            s = 1.0 / (1.0 + e)
        u[i] = -y[i] * s / n
    return loss / n


@njit(cache=True, fastmath=_FAST)
def logistic_dual_of(u, y, scale):
    """The dual objective -(1/n) sum [v log v + (1-v) log(1-v)] at
    v_i = -n y_i u_i / scale (u from :func:`logistic_grad_pass`)."""
    n = u.shape[0]
    ent = 0.0
    for i in range(n):
        v = -n * y[i] * u[i] / scale
        if v > 0.0:
            ent += v * np.log(v)
        if v < 1.0:
            ent += (1.0 - v) * np.log1p(-v)
    return -ent / n
