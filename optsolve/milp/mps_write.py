"""The MPS writer: :func:`write_mps` (the reader is :mod:`optsolve.milp.mps`)."""
from __future__ import annotations

import gzip
import math
import os

from optsolve.milp.problem import Problem

__all__ = ["write_mps"]


def _fmt(v):
    if v == math.inf:
        return "1e+30"
    if v == -math.inf:
        return "-1e+30"
    return repr(float(v)) if v != int(v) or abs(v) >= 1e15 else str(int(v))


def _fmt12(v):
    s = _fmt(v)
    if len(s) > 12:
        s = f"{v:.12g}"
        prec = 11
        while len(s) > 12 and prec > 1:
            s = f"{v:.{prec}g}"
            prec -= 1
    return s


class _Lines:
    """Data lines in the free or the fixed layout."""

    WIDTHS = ((1, 2), (4, 8), (14, 8), (24, 12), (39, 8), (49, 12))

    def __init__(self, fixed):
        self.fixed = fixed
        self.num = _fmt12 if fixed else _fmt

    def data(self, *fields):
        if not self.fixed:
            return "    " + "  ".join(fields)
        out = ""
        for (start, width), f in zip(self.WIDTHS, fields):
            out = out.ljust(start) + f.ljust(width) if f else out.ljust(start)
        return out.rstrip()

    def marker(self, marker, kind):
        if self.fixed:
            return self.data("", "MARKER", "'MARKER'", "", f"'{kind}'")
        return f"    MARKER{marker}  'MARKER'  '{kind}'"


def _check_fixed_names(problem, cols, rows):
    for nm in cols + rows + [problem.name]:
        if len(nm) > 8 or " " in nm:
            if nm == problem.name and len(nm) <= 60:
                continue
            raise ValueError(f"`problem` name {nm!r} does not fit the fixed "
                             "MPS format (8 characters, no spaces)")


def _row_types(lo, hi):
    types = []
    for i in range(len(lo)):
        if lo[i] == hi[i]:
            types.append("E")
        elif math.isfinite(lo[i]):
            types.append("G")
        elif math.isfinite(hi[i]):
            types.append("L")
        else:
            types.append("N")
    return types


def _columns(problem, cols, rows, obj, w):
    out = ["COLUMNS"]
    csc = problem.A.tocsc()
    integ = problem.is_integer
    in_int = False
    marker = 0
    for j, nm in enumerate(cols):
        if integ[j] and not in_int:
            out.append(w.marker(marker, "INTORG"))
            in_int = True
        elif not integ[j] and in_int:
            out.append(w.marker(marker, "INTEND"))
            in_int = False
            marker += 1
        pairs = [(obj, problem.c[j])] if problem.c[j] != 0 else []
        for p in range(csc.indptr[j], csc.indptr[j + 1]):
            pairs.append((rows[csc.indices[p]], csc.data[p]))
        if not pairs:
            pairs = [(obj, 0.0)]
        for k in range(0, len(pairs), 2):
            f = [nm, pairs[k][0], w.num(pairs[k][1])]
            if k + 1 < len(pairs):
                f += [pairs[k + 1][0], w.num(pairs[k + 1][1])]
            out.append(w.data("", *f))
    if in_int:
        out.append(w.marker(marker, "INTEND"))
    return out


def _rhs_and_ranges(problem, rows, types, obj, w):
    lo, hi = problem.row_lower, problem.row_upper
    out = ["RHS"]
    if problem.offset != 0:
        out.append(w.data("", "RHS", obj, w.num(-problem.offset)))
    for i, nm in enumerate(rows):
        t = types[i]
        b = hi[i] if t == "L" else lo[i] if t in ("G", "E") else 0.0
        if t != "N" and b != 0:
            out.append(w.data("", "RHS", nm, w.num(b)))
    ranged = [i for i, t in enumerate(types)
              if t == "G" and math.isfinite(hi[i])]
    if ranged:
        out.append("RANGES")
        for i in ranged:
            out.append(w.data("", "RNG", rows[i], w.num(hi[i] - lo[i])))
    return out


def _bounds(problem, cols, w):
    out = ["BOUNDS"]
    integ = problem.is_integer
    for j, nm in enumerate(cols):
        lb, ub = problem.lb[j], problem.ub[j]
        if lb == ub:
            out.append(w.data("FX", "BND", nm, w.num(lb)))
            continue
        if lb == -math.inf and ub == math.inf:
            out.append(w.data("FR", "BND", nm))
            continue
        if lb == -math.inf:
            out.append(w.data("MI", "BND", nm))
        elif lb != 0 or (ub < 0):
            out.append(w.data("LO", "BND", nm, w.num(lb)))
        if ub != math.inf:
            out.append(w.data("UP", "BND", nm, w.num(ub)))
        elif integ[j]:
            out.append(w.data("PL", "BND", nm))
    return out


def write_mps(problem, path, *, fixed=False):
    """Write a Problem as an MPS file (gzip-compressed if ``path`` ends in .gz).

    Rows with both sides finite and different are written as ``G`` rows with
    a ``RANGES`` entry; rows free on both sides are written as ``N`` rows
    (which readers drop). Integer columns with an infinite upper bound get a
    ``PL`` bound, so that readers do not apply the ``[0, 1]`` default.

    Parameters
    ----------
    problem : Problem
    path : str or os.PathLike
    fixed : bool
        Fixed format (names of at most 8 characters without spaces, values in
        12 characters) instead of free format.

    Examples
    --------
    >>> import os, tempfile
    >>> from optsolve.milp import Problem, read_mps, write_mps
    >>> p = Problem(c=[1, 2], A=[[1, 1]], row_lower=[1], row_upper=[3],
    ...             lb=0, ub=[4, 5], integrality=[1, 0])
    >>> fd, path = tempfile.mkstemp(suffix=".mps.gz"); os.close(fd)
    >>> write_mps(p, path)
    >>> q = read_mps(path)
    >>> q.row_lower.tolist(), q.row_upper.tolist(), q.integrality.tolist()
    ([1.0], [3.0], [1, 0])
    >>> os.remove(path)
    """
    if not isinstance(problem, Problem):
        raise ValueError("`problem` must be an optsolve.milp.Problem")
    cols = problem.column_names()
    rows = problem.constraint_names()
    obj = "OBJ"
    while obj in set(rows):
        obj += "_"
    if fixed:
        _check_fixed_names(problem, cols, rows)
    w = _Lines(fixed)
    out = [f"NAME          {problem.name}".rstrip()]
    if problem.sense == "maximize":
        out += ["OBJSENSE", "    MAX"]
    types = _row_types(problem.row_lower, problem.row_upper)
    out += ["ROWS", f" N  {obj}"] + [f" {t}  {nm}" for t, nm in zip(types, rows)]
    out += _columns(problem, cols, rows, obj, w)
    out += _rhs_and_ranges(problem, rows, types, obj, w)
    out += _bounds(problem, cols, w)
    out.append("ENDATA")
    text = "\n".join(out) + "\n"
    path = os.fspath(path)
    if path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="latin-1") as f:
            f.write(text)
    else:
        with open(path, "w", encoding="latin-1") as f:
            f.write(text)
