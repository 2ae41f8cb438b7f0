# cython: language_level=3
"""Binding of the C DIMACS tokenizer (csrc/sat/parse.c).

Free of numpy (arrays come back as :class:`array.array`), so that
``optsolve sat`` starts without importing it; :func:`parse` wraps them as
numpy arrays for :mod:`optsolve.sat._cnf`.
"""
from cpython cimport array
from cpython.exc cimport PyErr_CheckSignals
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcpy

import array

cdef extern from "dimacs.h":
    ctypedef struct osat_dimacs:
        int32_t *lits
        int64_t *offsets
        int64_t nlits
        int64_t nclauses
        int32_t max_var
        int has_header
        int64_t header_vars
        int64_t header_clauses
        int64_t header_line
        int ended_by_percent
        int64_t lines
        int64_t first_excess_line
        int (*poll)(void *) noexcept nogil
        void *poll_data
        int status
        int64_t error_line
        char message[160]
    int OSAT_DIMACS_OK
    int OSAT_DIMACS_ERROR
    int OSAT_DIMACS_NOMEM
    int OSAT_DIMACS_STOPPED
    int64_t OSAT_DIMACS_MAX_VAR
    int osat_dimacs_parse(osat_dimacs *d, const char *buf, size_t len, int strict) nogil
    void osat_dimacs_init(osat_dimacs *d)
    void osat_dimacs_free(osat_dimacs *d)
    size_t osat_dimacs_format_size(const int32_t *lits, const int64_t *offsets,
                                   int64_t nclauses) nogil
    size_t osat_dimacs_format(const int32_t *lits, const int64_t *offsets,
                              int64_t nclauses, char *out) nogil
    size_t osat_dimacs_format_values(const int32_t *lits, int64_t first, int64_t n,
                                     int *column, char *out) nogil

#: the largest variable a file may use or declare (the solver's limit)
MAX_VAR = OSAT_DIMACS_MAX_VAR


class ParseError(Exception):
    """Internal: (line, problem) of a malformed file; wrapped by the reader."""

    def __init__(self, line, problem):
        super().__init__(line, problem)
        self.line = line
        self.problem = problem


class ParseStopped(Exception):
    """Internal: the ``poll`` callable asked the tokenizer to stop at ``line``."""

    def __init__(self, line):
        super().__init__(line)
        self.line = line


cdef int _poll(void *data) noexcept nogil:
    # called by the C tokenizer every few MB with data = [poll, None]; Python's
    # signal handlers run here, then poll says whether to stop; an exception
    # is kept in data[1] and stops the parse
    with gil:
        state = <list> data
        try:
            PyErr_CheckSignals()
            return 1 if state[0]() else 0
        except BaseException as exc:
            state[1] = exc
            return 1


def parse_raw(const unsigned char[::1] data not None, bint strict=False, poll=None):
    """Tokenize a DIMACS CNF held in a bytes-like object.

    Returns ``(lits, offsets, info)``: ``array.array`` of int32 literals and of
    int64 clause offsets (length nclauses + 1), and a dict of header facts.
    Raises ``ParseError(line, problem)`` on malformed input. ``poll``, a
    callable, is called every few MB of input (after Python's signal
    handlers have run); when it returns true the parse ends with
    ``ParseStopped``, and an exception it raises propagates.
    """
    cdef osat_dimacs d
    cdef int rc
    cdef size_t n = data.shape[0]
    cdef const char *buf = <const char *> &data[0] if n > 0 else <const char *> b""
    cdef array.array lits, offsets
    state = [poll, None]
    osat_dimacs_init(&d)
    if poll is not None:
        d.poll = _poll
        d.poll_data = <void *> state
    try:
        with nogil:
            rc = osat_dimacs_parse(&d, buf, n, strict)
        if state[1] is not None:
            raise state[1]
        if rc == OSAT_DIMACS_NOMEM:
            raise MemoryError("out of memory while reading the DIMACS file")
        if rc == OSAT_DIMACS_STOPPED:
            raise ParseStopped(d.error_line)
        if rc != OSAT_DIMACS_OK:
            raise ParseError(d.error_line, d.message.decode("ascii", "replace"))
        lits = array.clone(array.array("i"), d.nlits, zero=False)
        offsets = array.clone(array.array("q"), d.nclauses + 1, zero=False)
        if d.nlits:
            memcpy(lits.data.as_voidptr, d.lits, d.nlits * sizeof(int32_t))
        memcpy(offsets.data.as_voidptr, d.offsets, (d.nclauses + 1) * sizeof(int64_t))
        info = {
            "header_vars": d.header_vars,
            "header_clauses": d.header_clauses,
            "header_line": d.header_line,
            "max_var": d.max_var,
            "ended_by_percent": bool(d.ended_by_percent),
            "first_excess_line": d.first_excess_line,
            "lines": d.lines,
        }
        return lits, offsets, info
    finally:
        osat_dimacs_free(&d)


def parse(data, bint strict=False, poll=None):
    """:func:`parse_raw` with the arrays as numpy int32 / int64 arrays."""
    import numpy as np
    lits, offsets, info = parse_raw(data, strict, poll)
    return (np.frombuffer(lits, dtype=np.int32), np.frombuffer(offsets, dtype=np.int64),
            info)


def header_problems(info, nclauses):
    """``[(line, problem)]``: where the header disagrees with the body
    (a literal beyond the declared variables, another clause count)."""
    out = []
    hv, hc, hline = info["header_vars"], info["header_clauses"], info["header_line"]
    if nclauses != hc:
        out.append((hline, f"the header declares {hc} clauses but the file has "
                           f"{nclauses}"))
    if info["max_var"] > hv:
        out.append((info["first_excess_line"],
                    f"variable {info['max_var']} exceeds the {hv} variables "
                    f"declared in the header (line {hline})"))
    return out


def format_clauses(const int32_t[::1] lits not None, const int64_t[::1] offsets not None):
    """The clause lines of a DIMACS file (bytes), one clause a line."""
    cdef int64_t nclauses = offsets.shape[0] - 1
    cdef size_t size
    cdef const int32_t *lp = &lits[0] if lits.shape[0] > 0 else NULL
    if nclauses <= 0:
        return b""
    with nogil:
        size = osat_dimacs_format_size(lp, &offsets[0], nclauses)
    out = bytearray(size)
    cdef char *o = out
    with nogil:
        size = osat_dimacs_format(lp, &offsets[0], nclauses, o)
    return bytes(out[:size])


cdef class ValueLines:
    """Writes a model as ``v`` lines through ``write`` (a callable taking a
    bytes-like object and done with it when it returns, as ``file.write``
    is: the buffer is reused), chunk by chunk.

    ``write(lits)`` takes signed literals (any int32 buffer);
    ``write_range(first, n)`` the positive literals ``first..first+n-1``
    without storing them; ``close()`` writes the final ``0``.
    """
    cdef int column
    cdef object write_bytes
    cdef bytearray buf

    def __init__(self, write):
        self.write_bytes = write
        self.column = 0
        self.buf = bytearray()

    cdef _emit(self, const int32_t *lits, int64_t first, int64_t n):
        cdef size_t size
        cdef char *o
        if <size_t> len(self.buf) < <size_t> (16 * n):
            self.buf = bytearray(16 * n)
        o = self.buf
        with nogil:
            size = osat_dimacs_format_values(lits, first, n, &self.column, o)
        self.write_bytes(memoryview(self.buf)[:size])

    def write(self, const int32_t[::1] lits not None):
        cdef int64_t i, n = lits.shape[0], step = 1 << 16
        for i in range(0, n, step):
            self._emit(&lits[i], 0, min(step, n - i))

    def write_range(self, int64_t first, int64_t n):
        cdef int64_t i, step = 1 << 16
        if first < 1 or n < 0 or first + n - 1 > OSAT_DIMACS_MAX_VAR:
            raise ValueError("variables out of range")
        for i in range(0, n, step):
            self._emit(NULL, first + i, min(step, n - i))

    def close(self):
        cdef int32_t zero = 0
        self._emit(&zero, 0, 1)
