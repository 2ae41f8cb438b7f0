/* DIMACS CNF tokenizer (see dimacs.h for the format accepted). */
#include "dimacs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the limit as text for messages, checked against the macro at compile time */
#define LIMIT_TEXT "1073741823"
typedef char limit_text_agrees[OSAT_DIMACS_MAX_VAR == 1073741823 ? 1 : -1];


void osat_dimacs_init(osat_dimacs *d) {
  memset(d, 0, sizeof *d);
  d->header_vars = -1;
  d->header_clauses = -1;
}

void osat_dimacs_free(osat_dimacs *d) {
  free(d->lits);
  free(d->offsets);
  d->lits = NULL;
  d->offsets = NULL;
}

static int fail(osat_dimacs *d, int64_t line, const char *msg) {
  d->status = OSAT_DIMACS_ERROR;
  d->error_line = line;
  snprintf(d->message, sizeof d->message, "%s", msg);
  return d->status;
}

/* Quote the token starting at p (up to 20 characters, non-printable bytes as
 * \xNN) into the error message between `what` and `after`. */
static int fail_token(osat_dimacs *d, int64_t line, const char *what,
                      const char *p, const char *end, const char *after) {
  char tok[100];
  size_t k = 0;
  int n = 0;
  while (p < end && n < 20) {
    unsigned char c = (unsigned char)*p;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      break;
    if (c >= 33 && c < 127 && c != '\'' && c != '\\')
      tok[k++] = (char)c;
    else
      k += (size_t)snprintf(tok + k, sizeof tok - k, "\\x%02x", c);
    p++;
    n++;
  }
  tok[k] = 0;
  if (p < end && n == 20 && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
    snprintf(d->message, sizeof d->message, "%s '%s...'%s", what, tok, after);
  else
    snprintf(d->message, sizeof d->message, "%s '%s'%s", what, tok, after);
  d->status = OSAT_DIMACS_ERROR;
  d->error_line = line;
  return d->status;
}

static int grow_lits(osat_dimacs *d) {
  int64_t cap = d->cap_lits ? 2 * d->cap_lits : 1024;
  int32_t *p = (int32_t *)realloc(d->lits, (size_t)cap * sizeof *p);
  if (!p)
    return 0;
  d->lits = p;
  d->cap_lits = cap;
  return 1;
}

static int grow_offsets(osat_dimacs *d) {
  int64_t cap = d->cap_offsets ? 2 * d->cap_offsets : 256;
  int64_t *p = (int64_t *)realloc(d->offsets, (size_t)cap * sizeof *p);
  if (!p)
    return 0;
  d->offsets = p;
  d->cap_offsets = cap;
  return 1;
}

static inline int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static inline int ends_token(const char *p, const char *end) {
  return p == end || is_blank(*p) || *p == '\n';
}

/* Parse an unsigned decimal at *pp (no sign); 0 on overflow past `max` or
 * when no digit is there. */
static int parse_unsigned(const char **pp, const char *end, int64_t max,
                          int64_t *out) {
  const char *p = *pp;
  int64_t v = 0;
  if (p == end || *p < '0' || *p > '9')
    return 0;
  while (p < end && *p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    if (v > max)
      return 0;
    p++;
  }
  *pp = p;
  *out = v;
  return 1;
}

static int parse_header(osat_dimacs *d, const char **pp, const char *end,
                        int64_t line) {
  const char *p = *pp + 1; /* past 'p' */
  static const char usage[] = "malformed header, expected 'p cnf <variables> <clauses>'";
  if (d->has_header)
    return fail(d, line, "second 'p' header line");
  if (d->nlits > 0 || d->nclauses > 0)
    return fail(d, line, "'p cnf' header after the first clause");
  if (p == end || !is_blank(*p))
    return fail(d, line, usage);
  while (p < end && is_blank(*p))
    p++;
  if (end - p < 3 || memcmp(p, "cnf", 3) != 0 || (end - p > 3 && !is_blank(p[3]))) {
    if (end - p >= 4 && memcmp(p, "wcnf", 4) == 0)
      return fail(d, line, "weighted CNF ('p wcnf') is not supported");
    return fail(d, line, usage);
  }
  p += 3;
  int64_t nums[2];
  static const int64_t max[2] = {OSAT_DIMACS_MAX_VAR, OSAT_DIMACS_MAX_CLAUSES};
  static const char *const what[2] = {"variable", "clause"};
  for (int i = 0; i < 2; i++) {
    if (p == end || !is_blank(*p))
      return fail(d, line, usage);
    while (p < end && is_blank(*p))
      p++;
    if (p < end && *p == '-')
      return fail(d, line, "negative count in 'p cnf' header");
    if (!parse_unsigned(&p, end, max[i], &nums[i])) {
      if (p == end || *p < '0' || *p > '9')
        return fail(d, line, usage);
      fail(d, line, "");
      snprintf(d->message, sizeof d->message,
               "%s count in 'p cnf' header out of range (at most %lld)", what[i],
               (long long)max[i]);
      return d->status;
    }
  }
  while (p < end && is_blank(*p))
    p++;
  if (p < end && *p != '\n')
    return fail(d, line, "unexpected text after 'p cnf <variables> <clauses>'");
  d->has_header = 1;
  d->header_vars = nums[0];
  d->header_clauses = nums[1];
  d->header_line = line;
  *pp = p;
  return OSAT_DIMACS_OK;
}

int osat_dimacs_parse(osat_dimacs *d, const char *buf, size_t len, int strict) {
  const char *p = buf, *end = buf + len;
  int64_t line = 1;
  int64_t pending_line = 0; /* line of the first literal of an open clause */
  int64_t clause_start = 0;
  int32_t max_var = 0;
  int64_t hvars;
  const char *next_poll = len > OSAT_DIMACS_POLL_BYTES && d->poll
                              ? buf + OSAT_DIMACS_POLL_BYTES : end;

  d->status = OSAT_DIMACS_OK;
  if (!d->offsets && !grow_offsets(d))
    return d->status = OSAT_DIMACS_NOMEM;
  if (!d->lits) {
    /* every literal takes at least two bytes ("1 "): size once, roughly */
    int64_t guess = (int64_t)(len / 4) + 1024;
    int32_t *q = (int32_t *)malloc((size_t)guess * sizeof *q);
    if (!q)
      return d->status = OSAT_DIMACS_NOMEM;
    d->lits = q;
    d->cap_lits = guess;
  }
  d->offsets[0] = 0;
  hvars = d->header_vars;

  while (p < end) {
    char c = *p;
    if (p >= next_poll) {
      if (d->poll(d->poll_data)) {
        d->error_line = line;
        return d->status = OSAT_DIMACS_STOPPED;
      }
      next_poll = (size_t)(end - p) > OSAT_DIMACS_POLL_BYTES
                      ? p + OSAT_DIMACS_POLL_BYTES : end;
    }
    if (c == '\n') {
      line++;
      p++;
      continue;
    }
    if (is_blank(c)) {
      p++;
      continue;
    }
    if ((c >= '0' && c <= '9') || c == '-') {
      const char *tok = p;
      int neg = 0;
      int64_t v;
      if (c == '-') {
        neg = 1;
        p++;
      }
      if (!parse_unsigned(&p, end, OSAT_DIMACS_MAX_VAR, &v)) {
        if (p < end && *p >= '0' && *p <= '9')
          return fail_token(d, line, "literal", tok, end,
                            " out of range (variables go up to " LIMIT_TEXT ")");
        return fail_token(d, line, "invalid token", tok, end, "");
      }
      if (!ends_token(p, end))
        return fail_token(d, line, "invalid token", tok, end, "");
      if (!d->has_header)
        return fail(d, line, "clause before the 'p cnf' header (missing header)");
      if (v == 0) {
        if (neg)
          return fail_token(d, line, "invalid literal", tok, end, "");
        if (d->nclauses + 1 >= d->cap_offsets && !grow_offsets(d))
          return d->status = OSAT_DIMACS_NOMEM;
        d->offsets[++d->nclauses] = d->nlits;
        clause_start = d->nlits;
        continue;
      }
      if (v > hvars) {
        if (strict) {
          char msg[120];
          snprintf(msg, sizeof msg,
                   "literal %s%lld exceeds the %lld variables declared in the header",
                   neg ? "-" : "", (long long)v, (long long)hvars);
          return fail(d, line, msg);
        }
        if (!d->first_excess_line)
          d->first_excess_line = line;
      }
      if ((int32_t)v > max_var)
        max_var = (int32_t)v;
      if (d->nlits == clause_start)
        pending_line = line;
      if (d->nlits == d->cap_lits && !grow_lits(d))
        return d->status = OSAT_DIMACS_NOMEM;
      d->lits[d->nlits++] = neg ? -(int32_t)v : (int32_t)v;
      continue;
    }
    if (c == 'c') {
      const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
      p = nl ? nl : end;
      continue;
    }
    if (c == 'p') {
      if (parse_header(d, &p, end, line) != OSAT_DIMACS_OK)
        return d->status;
      hvars = d->header_vars;
      continue;
    }
    if (c == '%') {
      d->ended_by_percent = 1;
      break;
    }
    return fail_token(d, line, "invalid token", p, end, "");
  }
  d->lines = line;
  d->max_var = max_var;
  if (!d->has_header) {
    const char *q = buf;
    while (q < end && (is_blank(*q) || *q == '\n'))
      q++;
    if (q == end)
      return fail(d, line, "empty file (no 'p cnf' header)");
    return fail(d, line, "missing 'p cnf' header");
  }
  if (d->nlits > clause_start)
    return fail(d, pending_line,
                "last clause is not terminated by 0 (clause starts on this line)");
  return OSAT_DIMACS_OK;
}

static size_t int_width(int32_t x) {
  size_t w = x < 0 ? 2 : 1;
  uint32_t u = x < 0 ? (uint32_t)(-(int64_t)x) : (uint32_t)x;
  while (u >= 10) {
    u /= 10;
    w++;
  }
  return w;
}

size_t osat_dimacs_format_size(const int32_t *lits, const int64_t *offsets,
                               int64_t nclauses) {
  size_t n = 0;
  for (int64_t i = 0; i < nclauses; i++) {
    for (int64_t j = offsets[i]; j < offsets[i + 1]; j++)
      n += int_width(lits[j]) + 1;
    n += 2; /* "0\n" */
  }
  return n;
}

size_t osat_dimacs_format(const int32_t *lits, const int64_t *offsets,
                          int64_t nclauses, char *out) {
  char *o = out;
  char digits[16];
  for (int64_t i = 0; i < nclauses; i++) {
    for (int64_t j = offsets[i]; j < offsets[i + 1]; j++) {
      int32_t x = lits[j];
      uint32_t u;
      int k = 0;
      if (x < 0) {
        *o++ = '-';
        u = (uint32_t)(-(int64_t)x);
      } else {
        u = (uint32_t)x;
      }
      do {
        digits[k++] = (char)('0' + u % 10);
        u /= 10;
      } while (u);
      while (k)
        *o++ = digits[--k];
      *o++ = ' ';
    }
    *o++ = '0';
    *o++ = '\n';
  }
  return (size_t)(o - out);
}

size_t osat_dimacs_format_values(const int32_t *lits, int64_t first, int64_t n,
                                 int *column, char *out) {
  char *o = out;
  char digits[16];
  int col = *column;
  for (int64_t i = 0; i < n; i++) {
    int64_t x = lits ? (int64_t)lits[i] : first + i;
    uint64_t u = x < 0 ? (uint64_t)(-x) : (uint64_t)x;
    int k = 0;
    do {
      digits[k++] = (char)('0' + u % 10);
      u /= 10;
    } while (u);
    int width = 1 + (x < 0) + k;
    if (col && col + width > 78) {
      *o++ = '\n';
      col = 0;
    }
    if (!col) {
      *o++ = 'v';
      col = 1;
    }
    *o++ = ' ';
    if (x < 0)
      *o++ = '-';
    while (k)
      *o++ = digits[--k];
    col += width;
    if (x == 0) {
      *o++ = '\n';
      col = 0;
    }
  }
  *column = col;
  return (size_t)(o - out);
}
