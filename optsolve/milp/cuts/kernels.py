"""Numba kernel of the c-MIR separator (:mod:`optsolve.milp.cuts.mir`).

:func:`cmir_kernel` does, for one aggregated row, the bound substitution,
the search over the divisors ``delta`` and the complementation flips, and
the map back to the original columns; it is the same arithmetic, in the same
order, as described in :mod:`optsolve.milp.cuts.mir`. Compiled on first use
(``cache=True``: about 10 s of CPU once per machine, then loaded from
the cache).
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["cmir_kernel"]


@njit(cache=True)
def _evaluate(g, l, u, xv, up, delta, beta, hs, sstar, min_f0, max_f0, F):
    """Efficacy (in the substituted space) of the MIR cut for complement
    flags ``up`` and divisor ``delta``; fills ``F``. Returns
    ``(efficacy, floor(beta/delta), f0)``; efficacy is -inf when rejected."""
    k = g.size
    shift = 0.0
    for t in range(k):
        shift += g[t] * u[t] if up[t] else g[t] * l[t]
    bb = (beta - shift) / delta
    fb = math.floor(bb)
    f0 = bb - fb
    if not (min_f0 <= f0 <= max_f0) or abs(bb) > 1e9:
        return -np.inf, fb, f0
    lhs = 0.0
    nrm = 0.0
    for t in range(k):
        gg = (-g[t] if up[t] else g[t]) / delta
        fl = math.floor(gg)
        Ft = fl + max(gg - fl - f0, 0.0) / (1.0 - f0)
        F[t] = Ft
        ys = u[t] - xv[t] if up[t] else xv[t] - l[t]
        lhs += Ft * ys
        nrm += Ft * Ft
    c = 1.0 / (delta * (1.0 - f0))
    for t in range(hs.size):
        q = hs[t] * c
        lhs += q * sstar[t]
        nrm += q * q
    if nrm == 0.0:
        return -np.inf, fb, f0
    return (lhs - fb) / math.sqrt(nrm), fb, f0


@njit(cache=True)
def _bound_kind(D, used, src, j, a):
    """Which bound of continuous column ``j`` to substitute: 0/1 simple
    lower/upper, 2/3 variable lower/upper; -1 when none may be used."""
    best = np.inf
    kind = -1
    for k in range(4):
        d = D[k, j]
        if k >= 2:
            r = src[k - 2, j]
            blocked = False
            for q in range(used.size):
                if used[q] == r:
                    blocked = True
            if blocked:
                continue
        # prefer variable bounds, then the side that drops the slack
        if k == 0:
            pref = 0.0 if a > 0 else 1e-12
        elif k == 1:
            pref = 1e-12 if a > 0 else 0.0
        else:
            pref = -1e-12
        score = d * (1.0 + pref) + pref
        if score < best:
            best = score
            kind = k
    return kind


@njit(cache=True)
def _substitute(nz, vals, isint, rhs, D, E, Z, Dd, src, used, acc, mark):
    """Bound substitution of the continuous columns: integer coefficients
    summed in ``acc`` (columns listed in ``ints``), the continuous ones with a
    negative coefficient in the slack arrays ``S`` (rows h, sign, column,
    integer column, d, e, distance). Returns ``(ok, beta, ints, nint, S, ns)``."""
    m = nz.size
    beta = rhs
    ints = np.empty(2 * m, np.int64)
    nint = 0
    S = np.empty((7, m))
    ns = 0
    for t in range(m):
        j = nz[t]
        a = vals[t]
        if isint[t]:
            if not mark[j]:
                mark[j] = True
                ints[nint] = j
                nint += 1
            acc[j] += a
            continue
        kind = _bound_kind(D, used, src, j, a)
        if kind < 0 or not np.isfinite(D[kind, j]):
            return False, beta, ints, nint, S, ns
        e = E[kind, j]
        beta -= a * e
        z = -1
        dd = 0.0
        if kind >= 2:
            z = Z[kind - 2, j]
            dd = Dd[kind - 2, j]
            if not mark[z]:
                mark[z] = True
                ints[nint] = z
                nint += 1
            acc[z] += a * dd
        sign = 1.0 if (kind == 0 or kind == 2) else -1.0
        h = sign * a
        if h < 0:
            S[0, ns] = h
            S[1, ns] = sign
            S[2, ns] = j
            S[3, ns] = z
            S[4, ns] = dd
            S[5, ns] = e
            S[6, ns] = D[kind, j]
            ns += 1
    return True, beta, ints, nint, S, ns


@njit(cache=True)
def _gather(ints, nint, acc, mark):
    """The integer part in increasing column order, work vectors cleared."""
    ints_sorted = np.sort(ints[:nint])
    ii = np.empty(nint, np.int64)
    g = np.empty(nint)
    k = 0
    for t in range(nint):
        j = ints_sorted[t]
        if acc[j] != 0.0:
            ii[k] = j
            g[k] = acc[j]
            k += 1
        acc[j] = 0.0
        mark[j] = False
    return ii[:k], g[:k]


@njit(cache=True)
def _complement(l, u, xv):
    """Complement each integer column to its nearer bound: ``up``, the
    distance to the farther-inside bound, and the candidate divisors' count
    (``ok`` False when a column has no finite bound)."""
    k = l.size
    up = np.empty(k, np.bool_)
    inner = np.empty(k)
    for t in range(k):
        lf, uf = np.isfinite(l[t]), np.isfinite(u[t])
        if not (lf or uf):
            return False, up, inner
        up[t] = (not lf) or (uf and (u[t] - xv[t] < xv[t] - l[t]))
        if lf and uf:
            inner[t] = min(xv[t] - l[t], u[t] - xv[t])
        else:
            inner[t] = u[t] - xv[t] if up[t] else xv[t] - l[t]
    return True, up, inner


@njit(cache=True)
def _best_scaling(g, l, u, xv, up, inner, beta, hs, sstar, min_f0, max_f0):
    """Search divisors (the largest coefficients of columns strictly inside,
    then halvings) and single complement flips for the most efficacious
    c-MIR. Returns ``(best, delta, fb, f0, F)``; ``up`` is updated in place."""
    k = g.size
    cand = np.empty(k)
    ncand = 0
    for t in range(k):
        if inner[t] > 1e-6:
            cand[ncand] = abs(g[t])
            ncand += 1
    F = np.empty(k)
    bestF = np.empty(k)
    best = -np.inf
    if ncand == 0:
        return best, 0.0, 0.0, 0.0, bestF
    cs = np.unique(cand[:ncand])[::-1]
    deltas = cs[:8]
    best_delta = 0.0
    best_fb = 0.0
    best_f0 = 0.0
    found = False
    for di in range(deltas.size):
        eff, fb, f0 = _evaluate(g, l, u, xv, up, deltas[di], beta, hs, sstar,
                                min_f0, max_f0, F)
        if eff > best:
            best, best_delta, best_fb, best_f0 = eff, deltas[di], fb, f0
            bestF[:] = F
            found = True
    if not found:
        return -np.inf, 0.0, 0.0, 0.0, bestF
    delta = best_delta
    for div in (2.0, 4.0, 8.0):
        dl = best_delta / div
        eff, fb, f0 = _evaluate(g, l, u, xv, up, dl, beta, hs, sstar,
                                min_f0, max_f0, F)
        if eff > best:
            best, delta, best_fb, best_f0 = eff, dl, fb, f0
            bestF[:] = F
    # complement the other way, columns strictly inside first (10 at most)
    nflip = 0
    up2 = up.copy()
    for t in range(k):
        if nflip >= 10:
            break
        if not (inner[t] > 1e-6 and np.isfinite(u[t] - l[t])):
            continue
        nflip += 1
        up2[:] = up
        up2[t] = not up2[t]
        eff, fb, f0 = _evaluate(g, l, u, xv, up2, delta, beta, hs, sstar,
                                min_f0, max_f0, F)
        if eff > best + 1e-9:
            best, best_fb, best_f0 = eff, fb, f0
            bestF[:] = F
            up[:] = up2
    return best, delta, best_fb, best_f0, bestF


@njit(cache=True)
def _to_x_space(ii, l, u, up, bestF, S, ns, delta, fb, f0, acc, mark):
    """Back to x-space: ``sum F y + sum q s <= floor(beta / delta)`` with the
    slacks ``s = sign (x - d z - e)`` (d = 0 for simple bounds)."""
    k = ii.size
    R = fb
    nout = 0
    outc = np.empty(k + 2 * ns, np.int64)
    for t in range(k):
        j = ii[t]
        if up[t]:
            acc[j] -= bestF[t]
            R -= bestF[t] * u[t]
        else:
            acc[j] += bestF[t]
            R += bestF[t] * l[t]
        if not mark[j]:
            mark[j] = True
            outc[nout] = j
            nout += 1
    c = 1.0 / (delta * (1.0 - f0))
    for t in range(ns):
        q = S[0, t] * c
        sq = S[1, t] * q
        j = np.int64(S[2, t])
        acc[j] += sq
        if not mark[j]:
            mark[j] = True
            outc[nout] = j
            nout += 1
        z = np.int64(S[3, t])
        if z >= 0:
            acc[z] -= sq * S[4, t]
            if not mark[z]:
                mark[z] = True
                outc[nout] = z
                nout += 1
        R += sq * S[5, t]
    cols = np.sort(outc[:nout])
    coefs = np.empty(nout)
    for t in range(nout):
        j = cols[t]
        coefs[t] = acc[j] * delta
        acc[j] = 0.0
        mark[j] = False
    return cols, coefs, R * delta


@njit(cache=True)
def cmir_kernel(nz, vals, isint, rhs, x, lb, ub, D, E, Z, Dd, src, used,
                acc, mark, min_f0, max_f0):
    """c-MIR cut from ``sum vals * x[nz] <= rhs``.

    ``D, E`` (4 x n): distance to and value of the simple lower, simple
    upper, variable lower and variable upper bound of each continuous
    column; ``Z, Dd, src`` (2 x n): the integer column, coefficient and row
    of the variable bounds; ``used``: rows whose variable bounds may not be
    substituted. ``acc`` (float, n) and ``mark`` (bool, n) are zero work
    vectors, returned zero.

    Returns ``(ok, cols, coefs, R)``: the cut ``coefs @ x[cols] <= R`` when
    one with efficacy above 1e-6 (substituted space) exists.
    """
    empty_i = np.zeros(0, np.int64)
    empty_f = np.zeros(0)
    ok, beta, ints, nint, S, ns = _substitute(nz, vals, isint, rhs, D, E, Z,
                                              Dd, src, used, acc, mark)
    ii, g = _gather(ints, nint, acc, mark)
    if not ok or ii.size == 0:
        return False, empty_i, empty_f, 0.0
    l = lb[ii]
    u = ub[ii]
    xv = x[ii]
    finite, up, inner = _complement(l, u, xv)
    if not finite:
        return False, empty_i, empty_f, 0.0
    best, delta, fb, f0, bestF = _best_scaling(g, l, u, xv, up, inner, beta,
                                               S[0, :ns], S[6, :ns],
                                               min_f0, max_f0)
    if best <= 1e-6:
        return False, empty_i, empty_f, 0.0
    cols, coefs, R = _to_x_space(ii, l, u, up, bestF, S, ns, delta, fb, f0,
                                 acc, mark)
    return True, cols, coefs, R
