/* DRAT proof output (Wetzler, Heule & Hunt 2014), text or binary.
 * Binary: 'a' or 'd', each literal as a varint of 2*|lit| + (lit < 0),
 * then a zero byte.  Internal literal 2v+s maps to exactly 2(v+1)+s. */
#include <stdlib.h>

#include "internal.h"

static void put_text_int(FILE *f, int x) {
  char buf[16];
  int n = 0;
  unsigned u = x < 0 ? (unsigned)(-x) : (unsigned)x;
  do
    buf[n++] = (char)('0' + u % 10);
  while (u /= 10);
  if (x < 0)
    buf[n++] = '-';
  while (n)
    putc(buf[--n], f);
}

static void emit(osat *s, char kind, const unsigned *lits, unsigned size) {
  FILE *f = s->proof;
  if (s->proof_binary) {
    putc(kind, f);
    for (unsigned i = 0; i < size; i++) {
      unsigned x = lits[i] + 2;
      while (x > 127) {
        putc((int)(0x80 | (x & 0x7f)), f);
        x >>= 7;
      }
      putc((int)x, f);
    }
    putc(0, f);
  } else {
    if (kind == 'd')
      fputs("d ", f);
    for (unsigned i = 0; i < size; i++) {
      put_text_int(f, int2ext(lits[i]));
      putc(' ', f);
    }
    fputs("0\n", f);
  }
}

void osat__proof_add(osat *s, const unsigned *lits, unsigned size) {
  if (s->proof)
    emit(s, 'a', lits, size);
}

void osat__proof_delete(osat *s, const unsigned *lits, unsigned size) {
  if (s->proof)
    emit(s, 'd', lits, size);
}

/* Root units derived by propagation are written before clauses they satisfy
 * are deleted, so that checkers which apply every deletion keep them. */
void osat__proof_units(osat *s) {
  unsigned end = s->nlevels ? s->control[0] : s->trail_n;
  if (s->proof)
    for (unsigned i = s->proof_units; i < end; i++)
      emit(s, 'a', &s->trail[i], 1);
  if (end > s->proof_units)
    s->proof_units = end;
}

int osat_proof_file(osat *s, FILE *f, int binary) {
  osat_proof_close(s);
  if (!f)
    return -1;
  s->proof = f;
  s->proof_binary = binary != 0;
  s->proof_owned = 0;
  return 0;
}

int osat_proof_path(osat *s, const char *path, int binary) {
  osat_proof_close(s);
  FILE *f = fopen(path, binary ? "wb" : "w");
  if (!f)
    return -1;
  setvbuf(f, NULL, _IOFBF, 1 << 16);
  s->proof = f;
  s->proof_binary = binary != 0;
  s->proof_owned = 1;
  return 0;
}

int osat_proof_close(osat *s) {
  int rc = 0;
  if (!s->proof)
    return 0;
  /* an earlier write or flush (e.g. at the end of a solve) may have failed
   * and left nothing pending: the error indicator remembers it */
  if (fflush(s->proof) || ferror(s->proof))
    rc = -1;
  if (s->proof_owned && fclose(s->proof))
    rc = -1;
  s->proof = NULL;
  s->proof_owned = 0;
  return rc;
}

int osat_proof_flush(osat *s) {
  return s->proof && (fflush(s->proof) || ferror(s->proof)) ? -1 : 0;
}
