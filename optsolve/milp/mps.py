"""MPS files: :func:`read_mps` and :func:`write_mps`.

Both the free and the fixed format, plain or gzip-compressed (detected from
the file's first bytes). Supported: ``NAME``, ``OBJSENSE`` (``MIN``/``MAX``,
on the same line or the next), ``OBJSENSE``-free files (minimisation),
``ROWS`` (the first ``N`` row is the objective, further ``N`` rows are
dropped), ``COLUMNS`` with ``MARKER``/``INTORG``/``INTEND`` blocks, ``RHS``
(an entry on the objective row is the negated objective constant, as in
HiGHS and CPLEX), ``RANGES`` and ``BOUNDS`` of every type (``UP LO FX MI PL
FR BV LI UI``; ``SC`` semi-continuous bounds are rejected), ``ENDATA``.

Conventions (those of HiGHS's reader):

* Integer columns (inside ``MARKER`` blocks) whose upper bound is not set in
  ``BOUNDS`` get the bounds ``[0, 1]``; write ``PL`` to keep them unbounded.
* An ``UP`` bound below zero leaves the default lower bound 0 in place (as
  HiGHS 1.16 does; older readers made it ``-inf``): give ``MI`` explicitly.
* Values of magnitude ``1e30`` or more in ``RHS``/``RANGES``/``BOUNDS`` mean
  infinity.

Errors raise :class:`MPSError` (a :class:`ValueError`) naming the file, the
line and the section.
"""
from __future__ import annotations

import gzip
import io
import math
import os

import numpy as np
import scipy.sparse as sp

from optsolve.milp.problem import Problem

__all__ = ["MPSError", "read_mps", "write_mps"]

INF_VALUE = 1e30
_SECTIONS = ("NAME", "OBJSENSE", "OBJSENS", "OBJNAME", "ROWS", "COLUMNS", "RHS",
             "RANGES", "BOUNDS", "SOS", "ENDATA")
_BOUND_TYPES = ("UP", "LO", "FX", "MI", "PL", "FR", "BV", "LI", "UI", "SC")


class MPSError(ValueError):
    """A malformed MPS file: the message names the file, line and section."""

    def __init__(self, path, lineno, section, problem):
        where = f"{path}:{lineno}" if lineno else str(path)
        sec = f" [{section}]" if section else ""
        super().__init__(f"{where}{sec}: {problem}")
        self.path = path
        self.lineno = lineno
        self.section = section


def _open_text(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="latin-1")
    return open(path, "r", encoding="latin-1")


def _fixed_fields(line):
    """The six fields of a fixed-format data line (columns 2-3, 5-12, 15-22,
    25-36, 40-47, 50-61), trimmed, empty ones dropped at the end."""
    cuts = ((1, 3), (4, 12), (14, 22), (24, 36), (39, 47), (49, 61))
    fields = [line[a:b].strip() for a, b in cuts]
    while fields and fields[-1] == "":
        fields.pop()
    return fields


class _Reader:
    def __init__(self, path, fixed):
        self.path = os.fspath(path)
        self.fixed = fixed
        self.name = ""
        self.sense = "minimize"
        self.obj_row = None
        self.row_index = {}
        self.row_types = []
        self.row_names = []
        self.dropped_rows = set()
        self.col_index = {}
        self.col_names = []
        self.col_int = []
        self.entries = {}            # (row, col) -> value
        self.cost = {}
        self.rhs = {}
        self.ranges = {}
        self.offset = 0.0
        self.lb = {}
        self.ub = {}
        self.lb_set = set()
        self.ub_set = set()
        self.section = None
        self.lineno = 0
        self.ended = False

    def error(self, msg):
        raise MPSError(self.path, self.lineno, self.section, msg)

    def number(self, tok, what="value", infinite=False):
        try:
            v = float(tok)
        except (TypeError, ValueError):
            self.error(f"{what} {tok!r} is not a number")
        if math.isnan(v):
            self.error(f"{what} {tok!r} is not a number")
        if infinite:
            if v >= INF_VALUE:
                return math.inf
            if v <= -INF_VALUE:
                return -math.inf
        elif not math.isfinite(v) or abs(v) >= INF_VALUE:
            self.error(f"{what} {tok!r} must be finite")
        return v

    def fields(self, line):
        if not self.fixed:
            return line.split()
        f = _fixed_fields(line)
        if self.section in ("COLUMNS", "RHS", "RANGES"):
            if f and f[0]:
                self.error("field 1 (columns 2-3) must be blank in this section")
            f = f[1:]
        if len(line) > 61 and line[61:].strip():
            self.error("text beyond column 61 in fixed format")
        return f

    def read(self, stream):
        for self.lineno, raw in enumerate(stream, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("*"):
                continue
            if self.ended:
                break               # anything after ENDATA is ignored
            if not line[0].isspace():
                self.header(line)
                continue
            if self.section is None:
                self.error("data line before any section")
            getattr(self, "sec_" + self.section.lower())(line)
        if not self.ended:
            self.lineno = 0
            self.section = None
            self.error("missing ENDATA")
        return self.build()

    def header(self, line):
        toks = line.split()
        key = toks[0].upper()
        if key not in _SECTIONS:
            self.section = None
            self.error(f"unknown section {toks[0]!r}")
        # RHS, RANGES and BOUNDS may come in any order after COLUMNS
        rank = {"NAME": 0, "OBJSENSE": 1, "OBJNAME": 2, "ROWS": 3, "COLUMNS": 4,
                "RHS": 5, "RANGES": 5, "BOUNDS": 5, "SOS": 6, "ENDATA": 7}
        if key == "OBJSENS":
            key = "OBJSENSE"
        prev = self.section
        if prev is not None and rank[key] < rank[prev]:
            self.section = key
            self.error(f"section {key} after {prev}")
        self.section = key
        if key == "NAME":
            self.name = line[4:].strip() if self.fixed else " ".join(toks[1:])
        elif key == "OBJSENSE" and len(toks) > 1:
            self.set_sense(toks[1])
        elif key == "OBJNAME" and len(toks) > 1:
            self.obj_name = toks[1]
        elif key == "SOS":
            self.error("SOS sections are not supported")
        elif key == "ENDATA":
            self.ended = True
        elif key in ("COLUMNS", "RHS", "RANGES", "BOUNDS") and self.obj_row is None \
                and key == "COLUMNS":
            self.error("no objective (N) row in ROWS")

    def set_sense(self, tok):
        t = tok.upper()
        if t in ("MAX", "MAXIMIZE", "MAXIMISE"):
            self.sense = "maximize"
        elif t in ("MIN", "MINIMIZE", "MINIMISE"):
            self.sense = "minimize"
        else:
            self.error(f"objective sense {tok!r} is not MIN or MAX")

    def sec_name(self, line):
        self.error("data line in NAME section")

    def sec_objsense(self, line):
        toks = line.split()
        if len(toks) != 1:
            self.error("expected MIN or MAX")
        self.set_sense(toks[0])

    def sec_objname(self, line):
        toks = line.split()
        if len(toks) != 1:
            self.error("expected one row name")
        self.obj_name = toks[0]

    def sec_endata(self, line):  # pragma: no cover - guarded by `ended`
        self.error("text after ENDATA")

    def sec_rows(self, line):
        toks = self.fields(line) if self.fixed else line.split()
        if len(toks) != 2 or not toks[0] or not toks[1]:
            self.error("expected a row type (N, L, G, E) and a row name")
        typ, name = toks[0].upper(), toks[1]
        if typ not in ("N", "L", "G", "E"):
            self.error(f"row type {toks[0]!r} is not N, L, G or E")
        if name in self.row_index or name == self.obj_row or name in self.dropped_rows:
            self.error(f"duplicate row name {name!r}")
        if typ == "N":
            want = getattr(self, "obj_name", None)
            if self.obj_row is None and (want is None or want == name):
                self.obj_row = name
            else:
                self.dropped_rows.add(name)
            return
        self.row_index[name] = len(self.row_names)
        self.row_names.append(name)
        self.row_types.append(typ)

    def sec_columns(self, line):
        toks = self.fields(line)
        if len(toks) >= 3 and toks[1].strip("'\"").upper() == "MARKER":
            kinds = [t.strip("'\"").upper() for t in toks[2:] if t]
            if "INTORG" in kinds:
                self.in_int = True
            elif "INTEND" in kinds:
                self.in_int = False
            else:
                self.error(f"unknown marker in {' '.join(toks)!r}")
            return
        if len(toks) not in (3, 5) or not all(toks):
            self.error("expected a column name and one or two (row, value) pairs")
        col = toks[0]
        j = self.col_index.get(col)
        if j is None:
            j = self.col_index[col] = len(self.col_names)
            self.col_names.append(col)
            self.col_int.append(getattr(self, "in_int", False))
        for r, v in zip(toks[1::2], toks[2::2]):
            val = self.number(v, "coefficient")
            if r == self.obj_row:
                if j in self.cost:
                    self.error(f"duplicate objective entry for column {col!r}")
                self.cost[j] = val
            elif r in self.dropped_rows:
                continue
            else:
                i = self.row_index.get(r)
                if i is None:
                    self.error(f"unknown row {r!r}")
                if (i, j) in self.entries:
                    self.error(f"duplicate entry for row {r!r}, column {col!r}")
                self.entries[(i, j)] = val

    def _pairs(self, toks):
        """Drop an optional set name: (row, value) pairs follow."""
        if len(toks) % 2 == 1:
            toks = toks[1:]
        if len(toks) not in (2, 4) or not all(toks):
            self.error("expected [set name] row value [row value]")
        return zip(toks[0::2], toks[1::2])

    def sec_rhs(self, line):
        for r, v in self._pairs(self.fields(line)):
            if r == self.obj_row:
                self.offset = -self.number(v, "objective constant")
                continue
            if r in self.dropped_rows:
                continue
            i = self.row_index.get(r)
            if i is None:
                self.error(f"unknown row {r!r}")
            self.rhs[i] = self.number(v, "right-hand side")

    def sec_ranges(self, line):
        for r, v in self._pairs(self.fields(line)):
            if r in self.dropped_rows or r == self.obj_row:
                self.error(f"RANGES on objective or free row {r!r}")
            i = self.row_index.get(r)
            if i is None:
                self.error(f"unknown row {r!r}")
            self.ranges[i] = self.number(v, "range")

    def sec_bounds(self, line):
        toks = self.fields(line)
        if not toks or not toks[0]:
            self.error("expected a bound type")
        typ = toks[0].upper()
        if typ not in _BOUND_TYPES:
            self.error(f"bound type {toks[0]!r} is not one of "
                       f"{' '.join(_BOUND_TYPES)}")
        if typ == "SC":
            self.error("semi-continuous bounds (SC) are not supported")
        needs_value = typ not in ("MI", "PL", "FR", "BV")
        rest = list(toks[1:])
        if needs_value:
            if len(rest) == 3:
                rest = rest[1:]
            if len(rest) != 2 or not rest[0]:
                self.error(f"{typ} bound: expected [set name] column value")
            col, val = rest
        else:
            if len(rest) == 3:
                rest = rest[1:]
            if len(rest) == 2 and rest[0] in self.col_index and \
                    rest[1] not in self.col_index:
                col, val = rest  # e.g. "BV x 1": a value we ignore
            elif len(rest) == 2:
                col, val = rest[1], None
            elif len(rest) == 1:
                col, val = rest[0], None
            else:
                self.error(f"{typ} bound: expected [set name] column")
        j = self.col_index.get(col)
        if j is None:
            self.error(f"unknown column {col!r}")
        if typ == "UP" or typ == "UI":
            v = self.number(val, "bound", infinite=True)
            self.ub[j] = v
            self.ub_set.add(j)
            if typ == "UI":
                self.col_int[j] = True
        elif typ in ("LO", "LI"):
            self.lb[j] = self.number(val, "bound", infinite=True)
            self.lb_set.add(j)
            if typ == "LI":
                self.col_int[j] = True
        elif typ == "FX":
            v = self.number(val, "bound")
            self.lb[j] = self.ub[j] = v
            self.lb_set.add(j)
            self.ub_set.add(j)
        elif typ == "MI":
            self.lb[j] = -math.inf
            self.lb_set.add(j)
        elif typ == "PL":
            self.ub[j] = math.inf
            self.ub_set.add(j)
        elif typ == "FR":
            self.lb[j], self.ub[j] = -math.inf, math.inf
            self.lb_set.add(j)
            self.ub_set.add(j)
        elif typ == "BV":
            self.lb[j], self.ub[j] = 0.0, 1.0
            self.lb_set.add(j)
            self.ub_set.add(j)
            self.col_int[j] = True

    def build(self):
        self.section = "ENDATA"
        if self.obj_row is None:
            self.error("no objective (N) row in ROWS")
        n, m = len(self.col_names), len(self.row_names)
        if n == 0:
            self.error("no columns")
        c = np.zeros(n)
        for j, v in self.cost.items():
            c[j] = v
        if self.entries:
            keys = np.array(list(self.entries.keys()), dtype=np.int64)
            vals = np.fromiter(self.entries.values(), dtype=np.float64,
                               count=len(self.entries))
            A = sp.csr_matrix((vals, (keys[:, 0], keys[:, 1])), shape=(m, n))
        else:
            A = sp.csr_matrix((m, n))
        rl = np.empty(m)
        ru = np.empty(m)
        for i, t in enumerate(self.row_types):
            b = self.rhs.get(i, 0.0)
            r = self.ranges.get(i)
            if t == "E":
                lo = hi = b
                if r is not None:
                    if r >= 0:
                        hi = b + r
                    else:
                        lo = b + r
            elif t == "L":
                lo, hi = -math.inf, b
                if r is not None:
                    lo = b - abs(r)
            else:
                lo, hi = b, math.inf
                if r is not None:
                    hi = b + abs(r)
            rl[i], ru[i] = lo, hi
        integ = np.array(self.col_int, dtype=np.uint8)
        lb = np.zeros(n)
        ub = np.full(n, math.inf)
        for j, v in self.lb.items():
            lb[j] = v
        for j, v in self.ub.items():
            ub[j] = v
        unset = np.array([bool(integ[j]) and j not in self.ub_set for j in range(n)],
                         dtype=bool)
        ub[unset] = 1.0
        try:
            return Problem(c, A, rl, ru, lb, ub, integ, sense=self.sense,
                           offset=self.offset, name=self.name,
                           col_names=self.col_names, row_names=self.row_names)
        except ValueError as exc:
            self.lineno = 0
            self.error(str(exc))


def read_mps(path, *, format="auto"):
    """Read an MPS file (free or fixed format, plain or gzip) into a Problem.

    Parameters
    ----------
    path : str or os.PathLike
        The file; gzip compression is detected from its first bytes.
    format : {"auto", "free", "fixed"}
        ``"auto"`` reads the free format and falls back on the fixed one
        (names with spaces) when the free reading fails.

    Returns
    -------
    Problem

    Raises
    ------
    MPSError
        On malformed input; the message names the file, line and section.

    Examples
    --------
    >>> import os, tempfile
    >>> from optsolve.milp import read_mps
    >>> text = '''NAME          tiny
    ... ROWS
    ...  N  obj
    ...  L  c1
    ... COLUMNS
    ...     MARKER    'MARKER'    'INTORG'
    ...     x         obj       -1.0     c1         1.0
    ...     y         obj       -2.0     c1         1.0
    ...     MARKER    'MARKER'    'INTEND'
    ... RHS
    ...     RHS       c1         1.5
    ... ENDATA
    ... '''
    >>> fd, path = tempfile.mkstemp(suffix=".mps")
    >>> with os.fdopen(fd, "w") as f:
    ...     _ = f.write(text)
    >>> p = read_mps(path)
    >>> p.num_rows, p.num_cols, p.ub.tolist()
    (1, 2, [1.0, 1.0])
    >>> p.solve().fun
    -2.0
    >>> os.remove(path)
    """
    if format not in ("auto", "free", "fixed"):
        raise ValueError("`format` must be 'auto', 'free' or 'fixed', "
                         f"got {format!r}")
    try:
        stream = _open_text(path)
    except OSError as exc:
        raise MPSError(os.fspath(path), 0, None, f"cannot open: {exc.strerror}") from None
    try:
        with stream:
            text = stream.read()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise MPSError(os.fspath(path), 0, None, f"cannot read: {exc}") from None
    lines = text.splitlines()
    if format == "fixed":
        return _Reader(path, True).read(lines)
    try:
        return _Reader(path, False).read(lines)
    except MPSError as free_error:
        if format == "free":
            raise
        try:
            return _Reader(path, True).read(lines)
        except MPSError:
            raise free_error from None


# The writer lives in its own module; the public name stays here.
from optsolve.milp.mps_write import write_mps  # noqa: E402
