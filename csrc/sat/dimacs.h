/* DIMACS CNF tokenizer: one pass over a byte buffer, literals and clause
 * offsets in growable arrays, errors with the line they occur on.
 *
 * The format (https://jix.github.io/varisat/manual/0.2.0/formats/dimacs.html
 * and the SAT competition rules): 'c' comment lines anywhere, one header
 * "p cnf VARS CLAUSES" (any amount of blanks) before the first clause, clauses
 * as whitespace-separated non-zero integers ended by 0 and free to span lines,
 * and a SATLIB-style '%' line ending the clause list.
 */
#ifndef OPTSOLVE_DIMACS_H
#define OPTSOLVE_DIMACS_H

#include <stddef.h>
#include <stdint.h>

#include "osat.h"

/* The largest variable a file may use or declare: the solver's own limit, so
 * that every file the reader accepts can be solved. */
#define OSAT_DIMACS_MAX_VAR OSAT_MAX_VAR
/* The largest clause count a header may declare. */
#define OSAT_DIMACS_MAX_CLAUSES INT64_C(4611686018427387903)
/* Bytes of input between two calls of the poll hook. */
#define OSAT_DIMACS_POLL_BYTES ((size_t)1 << 22)

enum osat_dimacs_status {
  OSAT_DIMACS_OK = 0,
  OSAT_DIMACS_ERROR = 1, /* malformed input; see message and line */
  OSAT_DIMACS_NOMEM = 2,
  OSAT_DIMACS_STOPPED = 3, /* the poll hook asked to stop */
};

typedef struct osat_dimacs {
  /* output */
  int32_t *lits;       /* all literals of all clauses, without the 0s */
  int64_t *offsets;    /* clause i is lits[offsets[i] .. offsets[i+1]) */
  int64_t nlits;
  int64_t nclauses;
  int64_t cap_lits, cap_offsets;
  int32_t max_var;     /* largest variable index seen in a clause */
  int has_header;
  int64_t header_vars, header_clauses;
  int64_t header_line;
  int ended_by_percent; /* a SATLIB '%' line ended the clause list */
  int64_t lines;        /* lines read */
  /* first literal beyond the header's variable count (non-strict mode) */
  int64_t first_excess_line;
  /* input: called every OSAT_DIMACS_POLL_BYTES bytes when set; a non-zero
   * return stops the parse (a deadline, an interrupt) */
  int (*poll)(void *);
  void *poll_data;
  /* error */
  int status;
  int64_t error_line;
  char message[160];
} osat_dimacs;

/* Parse `len` bytes. Variables and header counts beyond OSAT_DIMACS_MAX_VAR
 * (and OSAT_DIMACS_MAX_CLAUSES) are errors. `strict` turns a literal beyond the header's variable
 * count into an error (otherwise it is recorded in first_excess_line).
 * Returns the status; on error `message` and `error_line` say what and where.
 * Call osat_dimacs_free afterwards in every case. */
int osat_dimacs_parse(osat_dimacs *d, const char *buf, size_t len, int strict);
void osat_dimacs_init(osat_dimacs *d);
void osat_dimacs_free(osat_dimacs *d);

/* Write clauses in DIMACS (one clause a line, each ended by " 0\n") into
 * `out`, which must hold at least osat_dimacs_format_size(...) bytes.
 * Returns the number of bytes written. */
size_t osat_dimacs_format_size(const int32_t *lits, const int64_t *offsets,
                               int64_t nclauses);
size_t osat_dimacs_format(const int32_t *lits, const int64_t *offsets,
                          int64_t nclauses, char *out);

/* Format literals as SAT-competition value lines ("v" and blank-separated
 * literals, lines of at most 78 columns) into `out`, continuing the line
 * whose length is *column (0: no line open; a literal 0 ends the line).
 * With lits == NULL the literals are first, first + 1, ..., first + n - 1
 * (variables nobody constrained, printed without storing them). `out` must
 * hold 16 * n bytes. Returns the number of bytes written. */
size_t osat_dimacs_format_values(const int32_t *lits, int64_t first, int64_t n,
                                 int *column, char *out);

#endif
