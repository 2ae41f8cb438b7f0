# cython: language_level=3
"""Binding of the C DIMACS tokenizer (csrc/sat/parse.c)."""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t
from libc.string cimport memcpy

cnp.import_array()

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
        int status
        int64_t error_line
        char message[160]
    int OSAT_DIMACS_OK
    int OSAT_DIMACS_ERROR
    int OSAT_DIMACS_NOMEM
    int osat_dimacs_parse(osat_dimacs *d, const char *buf, size_t len, int strict) nogil
    void osat_dimacs_init(osat_dimacs *d)
    void osat_dimacs_free(osat_dimacs *d)
    size_t osat_dimacs_format_size(const int32_t *lits, const int64_t *offsets,
                                   int64_t nclauses) nogil
    size_t osat_dimacs_format(const int32_t *lits, const int64_t *offsets,
                              int64_t nclauses, char *out) nogil


class ParseError(Exception):
    """Internal: (line, problem) of a malformed file; wrapped by the reader."""

    def __init__(self, line, problem):
        super().__init__(line, problem)
        self.line = line
        self.problem = problem


def parse(const unsigned char[::1] data not None, bint strict=False):
    """Tokenize a DIMACS CNF held in a bytes-like object.

    Returns ``(lits, offsets, info)`` with int32 literals, int64 clause
    offsets (length nclauses + 1) and a dict of header facts; raises
    ``ParseError(line, problem)`` on malformed input.
    """
    cdef osat_dimacs d
    cdef int rc
    cdef size_t n = data.shape[0]
    cdef const char *buf = <const char *> &data[0] if n > 0 else <const char *> b""
    osat_dimacs_init(&d)
    try:
        with nogil:
            rc = osat_dimacs_parse(&d, buf, n, strict)
        if rc == OSAT_DIMACS_NOMEM:
            raise MemoryError("out of memory while reading the DIMACS file")
        if rc != OSAT_DIMACS_OK:
            raise ParseError(d.error_line, d.message.decode("ascii", "replace"))
        lits = np.empty(d.nlits, dtype=np.int32)
        offsets = np.empty(d.nclauses + 1, dtype=np.int64)
        if d.nlits:
            memcpy(cnp.PyArray_DATA(lits), d.lits, d.nlits * sizeof(int32_t))
        memcpy(cnp.PyArray_DATA(offsets), d.offsets, (d.nclauses + 1) * sizeof(int64_t))
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
