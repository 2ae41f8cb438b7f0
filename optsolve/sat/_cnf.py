"""CNF formulas as flat numpy arrays, and DIMACS reading and writing.

The tokenizer is C (``csrc/sat/parse.c``); this module opens files,
decompresses them, and turns the tokenizer's findings into a :class:`CNF`,
warnings and :class:`DimacsError` messages that name the file and line.
"""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import mmap
import operator
import os
import warnings
import zlib
from itertools import chain

import numpy as np

from optsolve.sat import _dimacs
from optsolve.sat._compression import compression

__all__ = ["CNF", "DimacsError", "DimacsWarning", "read_dimacs"]


class DimacsError(ValueError):
    """A malformed DIMACS file.

    The message reads ``FILE:LINE: problem``; the parts are also available as
    :attr:`filename`, :attr:`line` (1-based, or None when not tied to a line)
    and :attr:`problem`.
    """

    def __init__(self, filename, line, problem):
        self.filename = filename
        self.line = line
        self.problem = problem
        where = f"{filename}:{line}" if line else f"{filename}"
        super().__init__(f"{where}: {problem}")


class DimacsWarning(UserWarning):
    """A DIMACS file that is readable but disagrees with its own header."""


def _decompress(data, kind, filename):
    try:
        if kind == "gzip":
            return gzip.decompress(data)
        if kind == "bzip2":
            return bz2.decompress(data)
        return lzma.decompress(data)
    except (OSError, EOFError, zlib.error, lzma.LZMAError, ValueError) as exc:
        raise DimacsError(filename, None, f"corrupt {kind} data ({exc})") from None


def _read_bytes(source):
    """(bytes-like data, filename, closer) from a path or a file object."""
    if isinstance(source, (str, os.PathLike)):
        filename = os.fspath(source)
        try:
            f = open(filename, "rb")
        except OSError as exc:
            raise OSError(exc.errno, f"cannot open DIMACS file: {exc.strerror}",
                          filename) from None
        with f:
            head = f.read(6)
            kind = compression(head)
            if kind is not None:
                f.seek(0)
                return _decompress(f.read(), kind, filename), filename
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                return b"", filename
            try:
                # zero-copy view of the file; the parser copies what it keeps
                return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), filename
            except (OSError, ValueError):  # pipes, special files
                f.seek(0)
                return f.read(), filename
    if hasattr(source, "read"):
        filename = getattr(source, "name", None)
        filename = os.fspath(filename) if isinstance(filename, (str, os.PathLike)) else "<stream>"
        data = source.read()
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        elif not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("file object must return str or bytes from read()")
        kind = compression(bytes(data[:6]))
        if kind is not None:
            data = _decompress(bytes(data), kind, filename)
        return data, filename
    raise TypeError("`source` must be a path or a file object, "
                    f"got {type(source).__name__}")


def read_dimacs(source, *, strict=False):
    """Read a DIMACS CNF file.

    Parameters
    ----------
    source : str, os.PathLike or file object
        A path (plain, ``.gz``, ``.bz2`` or ``.xz``; the compression is
        recognised from the file's first bytes, not its name) or an open file
        object in binary or text mode.
    strict : bool, optional
        If true, a header whose counts disagree with the body is an error:
        a literal beyond the declared variables, or a different number of
        clauses. By default these give a :class:`DimacsWarning` and the
        formula is read as written (``nvars`` is then the larger of the
        declared and the used variable count).

    Returns
    -------
    CNF
        The formula.

    Raises
    ------
    DimacsError
        Malformed input (a non-integer token, a missing final 0, a missing
        header, an empty file, ...); the message names the file, the line
        and the problem. A ``ValueError`` subclass.

    Notes
    -----
    Accepted: ``c`` comments anywhere, a ``p cnf V C`` header with any amount
    of blanks before the first clause, clauses spanning several lines or
    several clauses on one line, and a SATLIB-style ``%`` line that ends the
    clause list (whatever follows it is ignored).

    Examples
    --------
    >>> import io
    >>> from optsolve.sat import read_dimacs
    >>> cnf = read_dimacs(io.StringIO("c example\\np cnf 3 2\\n1 -2 0\\n2 3\\n0\\n"))
    >>> cnf.nvars, cnf.nclauses, list(cnf)
    (3, 2, [[1, -2], [2, 3]])
    """
    data, filename = _read_bytes(source)
    try:
        try:
            lits, offsets, info = _dimacs.parse(data, bool(strict))
        except _dimacs.ParseError as exc:
            raise DimacsError(filename, exc.line, exc.problem) from None
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    nclauses = len(offsets) - 1
    hv, hc, hline = info["header_vars"], info["header_clauses"], info["header_line"]
    if nclauses != hc:
        problem = (f"the header declares {hc} clauses but the file has {nclauses}")
        if strict:
            raise DimacsError(filename, hline, problem)
        warnings.warn(f"{filename}:{hline}: {problem}", DimacsWarning, stacklevel=2)
    if info["max_var"] > hv:
        # strict mode already rejected this in the tokenizer
        warnings.warn(
            f"{filename}:{info['first_excess_line']}: variable {info['max_var']} "
            f"exceeds the {hv} variables declared in the header (line {hline})",
            DimacsWarning, stacklevel=2)
    return CNF._from_arrays(lits, offsets, max(hv, info["max_var"]))


class CNF:
    """A CNF formula stored as flat arrays.

    Parameters
    ----------
    clauses : iterable of iterables of int, optional
        Clauses as DIMACS literals (non-zero integers; ``-v`` is the negation
        of variable ``v``). Same as :meth:`from_clauses`.
    nvars : int, optional
        Number of variables; at least the largest variable used (the default).

    Attributes
    ----------
    lits : numpy.ndarray of int32
        The literals of all clauses, concatenated.
    offsets : numpy.ndarray of int64
        Clause ``i`` is ``lits[offsets[i]:offsets[i + 1]]``; length
        ``nclauses + 1``.
    nvars : int
        Number of variables (variables are ``1..nvars``).

    Examples
    --------
    >>> from optsolve.sat import CNF
    >>> cnf = CNF([[1, -2], [2, 3], [-1]])
    >>> cnf.nvars, cnf.nclauses, len(cnf.lits)
    (3, 3, 5)
    >>> cnf[1]
    [2, 3]
    >>> print(cnf.to_dimacs(), end="")
    p cnf 3 3
    1 -2 0
    2 3 0
    -1 0
    """

    __slots__ = ("lits", "offsets", "nvars")

    def __init__(self, clauses=None, nvars=None):
        other = CNF.from_clauses(clauses if clauses is not None else [], nvars=nvars)
        self.lits, self.offsets, self.nvars = other.lits, other.offsets, other.nvars

    @classmethod
    def _from_arrays(cls, lits, offsets, nvars):
        self = cls.__new__(cls)
        self.lits = lits
        self.offsets = offsets
        self.nvars = int(nvars)
        return self

    @classmethod
    def from_arrays(cls, lits, offsets, nvars=None):
        """Build a formula from flat arrays (validated, copied).

        Parameters
        ----------
        lits : array_like of int
            Non-zero literals of all clauses, concatenated.
        offsets : array_like of int
            Non-decreasing, starting at 0 and ending at ``len(lits)``.
        nvars : int, optional
            At least the largest variable used (the default).

        Examples
        --------
        >>> CNF.from_arrays([1, 2, -1], [0, 2, 3]).clauses
        [[1, 2], [-1]]
        """
        lits = _literal_array(lits, "lits", _INT32_MAX,
                              "`lits` contains a literal out of the 32-bit range")
        offsets = _integer_array(offsets, "offsets")
        if (offsets.size == 0 or offsets[0] != 0 or offsets[-1] != lits.size
                or np.any(np.diff(offsets) < 0)):
            raise ValueError("`offsets` must be non-decreasing, start at 0 and "
                             "end at len(lits)")
        used = int(np.abs(lits).max()) if lits.size else 0
        return cls._from_arrays(lits.astype(np.int32), offsets,
                                _check_nvars(nvars, used))

    @classmethod
    def from_clauses(cls, clauses, nvars=None):
        """Build a formula from an iterable of clauses (iterables of int).

        Examples
        --------
        >>> CNF.from_clauses([[1, 2], [-2]], nvars=5).nvars
        5
        """
        if isinstance(clauses, CNF):
            return cls._from_arrays(clauses.lits.copy(), clauses.offsets.copy(),
                                    _check_nvars(nvars, clauses.nvars))
        if isinstance(clauses, (str, bytes)):
            raise ValueError("`clauses` must be an iterable of clauses, not a string "
                             "(use read_dimacs for DIMACS text)")
        clauses = [c if isinstance(c, (list, tuple)) else _as_clause(c) for c in clauses]
        lengths = np.fromiter((len(c) for c in clauses), dtype=np.int64, count=len(clauses))
        offsets = np.zeros(len(clauses) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        flat = list(chain.from_iterable(clauses))
        lits = _literal_array(flat, "clauses", _INT32_MAX,
                              "`clauses` contains a literal out of the 32-bit range",
                              " (0 ends clauses only in DIMACS text)")
        used = int(np.abs(lits).max()) if lits.size else 0
        return cls._from_arrays(lits.astype(np.int32), offsets, _check_nvars(nvars, used))

    @classmethod
    def from_pysat(cls, formula):
        """Convert a ``pysat.formula.CNF`` (a ``CNFPlus`` with cardinality
        constraints is refused: pass it to ``Solver`` itself)."""
        if getattr(formula, "atmosts", None):
            raise ValueError("`formula` has cardinality constraints (atmosts), "
                             "which a CNF cannot hold; give it to "
                             "Solver(bootstrap_with=...) or solve() instead")
        return cls.from_clauses(formula.clauses, nvars=formula.nv)

    def to_pysat(self):
        """Convert to a ``pysat.formula.CNF``."""
        from pysat.formula import CNF as PySATCNF
        f = PySATCNF(from_clauses=self.clauses)
        f.nv = max(f.nv, self.nvars)
        return f

    @property
    def nclauses(self) -> int:
        """Number of clauses."""
        return len(self.offsets) - 1

    @property
    def clauses(self):
        """The clauses as a list of lists of int (PySAT's representation)."""
        return list(self)

    def clause_lengths(self):
        """Length of every clause (numpy int64 array)."""
        return np.diff(self.offsets)

    def __len__(self):
        return self.nclauses

    def __iter__(self):
        lits = self.lits.tolist()
        offs = self.offsets.tolist()
        for i in range(len(offs) - 1):
            yield lits[offs[i]:offs[i + 1]]

    def __getitem__(self, i):
        n = self.nclauses
        i = operator.index(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("clause index out of range")
        return self.lits[self.offsets[i]:self.offsets[i + 1]].tolist()

    def __eq__(self, other):
        if not isinstance(other, CNF):
            return NotImplemented
        return (self.nvars == other.nvars and np.array_equal(self.offsets, other.offsets)
                and np.array_equal(self.lits, other.lits))

    __hash__ = None

    def __repr__(self):
        return f"CNF(nvars={self.nvars}, nclauses={self.nclauses}, nlits={len(self.lits)})"

    def copy(self):
        return CNF._from_arrays(self.lits.copy(), self.offsets.copy(), self.nvars)

    def to_dimacs(self, target=None, *, comments=()):
        """Write the formula in DIMACS CNF.

        Parameters
        ----------
        target : str, os.PathLike or binary/text file object, optional
            Where to write. A path ending in ``.gz``, ``.bz2`` or ``.xz`` is
            compressed accordingly. If omitted, the text is returned.
        comments : iterable of str, optional
            Lines written as ``c`` comments before the header.

        Returns
        -------
        str or None
            The DIMACS text when ``target`` is None.
        """
        head = "".join(f"c {line}\n" for c in comments for line in str(c).splitlines() or [""])
        head += f"p cnf {self.nvars} {self.nclauses}\n"
        body = _dimacs.format_clauses(np.ascontiguousarray(self.lits, dtype=np.int32),
                                      np.ascontiguousarray(self.offsets, dtype=np.int64))
        data = head.encode("ascii") + body
        if target is None:
            return data.decode("ascii")
        if isinstance(target, (str, os.PathLike)):
            path = os.fspath(target)
            opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(
                os.path.splitext(path)[1].lower(), open)
            with opener(path, "wb") as f:
                f.write(data)
            return None
        if isinstance(target, io.TextIOBase):
            target.write(data.decode("ascii"))
        else:
            target.write(data)
        return None


_INT32_MAX = 2**31 - 1
_INT64 = np.iinfo(np.int64)


def _integer_array(values, name):
    """Integers of any input kind -> 1-d int64 array, exactly.

    Values are compared as Python integers (any size) or by their array's
    dtype before any cast, so that nothing wraps (uint64 2**64-1 is not -1,
    int64's minimum is not negated by an ``abs``). Booleans and non-integer
    values are rejected with a ValueError naming `name`.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        if values.dtype.kind == "u" and values.size and values.max() > _INT64.max:
            raise ValueError(f"`{name}` contains a value out of range: "
                             f"{int(values.max())}")
        return values.astype(np.int64).ravel()
    if isinstance(values, np.ndarray):
        if values.dtype.kind != "O":
            raise ValueError(f"`{name}` must contain integers, got an array "
                             f"of dtype {values.dtype}")
        values = values.ravel().tolist()
    elif not isinstance(values, (list, tuple)):
        if isinstance(values, (str, bytes)):
            raise ValueError(f"`{name}` must contain integers, got a string")
        try:
            values = list(values)
        except TypeError:
            raise ValueError(f"`{name}` must be a sequence of integers, "
                             f"got {values!r}") from None
    if set(map(type, values)) - {int}:
        for x in values:
            if isinstance(x, (bool, np.bool_)) or not _is_int(x):
                raise ValueError(f"`{name}` must contain integers, got {x!r}")
        values = [operator.index(x) for x in values]
    try:  # Python ints only now: numpy refuses, never wraps, one beyond int64
        return np.array(values, dtype=np.int64)
    except OverflowError:
        bad = min(values) if min(values) < _INT64.min else max(values)
        raise ValueError(f"`{name}` contains a value out of range: {bad}") from None


def _literal_array(values, name, bound, beyond=None, zero=""):
    """Non-zero literals with ``-bound <= lit <= bound`` -> int32 array.

    `beyond` is the message for a literal out of range (default: "`name`
    contains a literal beyond variable `bound`"); `zero` is appended to the
    message about a literal 0.
    """
    beyond = beyond or f"`{name}` contains a literal beyond variable {bound}"
    try:
        arr = _integer_array(values, name)
    except ValueError as exc:
        if "out of range" in str(exc):
            raise ValueError(beyond) from None
        raise
    if arr.size:
        if not arr.all():
            raise ValueError(f"`{name}` must not contain the literal 0{zero}")
        if arr.min() < -bound or arr.max() > bound:
            raise ValueError(beyond)
    return arr.astype(np.int32)


def _is_int(x):
    try:
        operator.index(x)
        return True
    except TypeError:
        return False


def _as_clause(c):
    try:
        return list(c)
    except TypeError:
        raise ValueError(f"`clauses` must be an iterable of clauses; got an element "
                         f"{c!r} that is not iterable") from None


def _check_nvars(nvars, used):
    if nvars is None:
        return used
    try:
        if isinstance(nvars, (bool, np.bool_)):  # True is not a count
            raise TypeError
        n = operator.index(nvars)
    except TypeError:
        raise ValueError(f"`nvars` must be an integer, got {nvars!r}") from None
    if n < used:
        raise ValueError(f"`nvars` ({n}) is smaller than the largest variable used ({used})")
    if n > _INT32_MAX:
        raise ValueError(f"`nvars` must be at most {_INT32_MAX}, got {n}")
    return n
