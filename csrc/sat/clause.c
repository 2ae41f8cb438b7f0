/* Clauses: the arena, watches, adding original clauses, garbage collection.
 *
 * Binary clauses live only in the watch lists (the blocking literal is the
 * other literal); longer clauses live in one arena of 32-bit words and are
 * watched by their first two literals, which propagation keeps in place.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void osat__watch_grow(watches_t *w) {
  unsigned cap = w->cap ? 2 * w->cap : 4;
  w->data = osat__realloc(w->data, cap * sizeof *w->data);
  w->cap = cap;
}

void osat__watch_push(watches_t *w, unsigned blit, unsigned ref) {
  watch_push(w, blit, ref);
}

void osat__add_binary(osat *s, unsigned a, unsigned b, int redundant) {
  unsigned tag = BINTAG | (redundant ? 1u : 0u);
  osat__watch_push(&s->watches[a], b, tag);
  osat__watch_push(&s->watches[b], a, tag);
  if (redundant)
    s->stats.redundant++;
  else
    s->stats.irredundant++;
}

unsigned osat__new_clause(osat *s, const unsigned *lits, unsigned size,
                          int redundant, unsigned glue) {
  size_t need = s->arena.n + HDR + size;
  if (need >= BINTAG) /* arena offsets are 31-bit */
    osat__out_of_memory("growing the clause arena past 2^31 words,",
                        need * sizeof(unsigned));
  if (need > s->arena.cap) {
    size_t cap = s->arena.cap ? s->arena.cap : 1024;
    while (cap < need)
      cap *= 2;
    s->arena.data = osat__realloc(s->arena.data, cap * sizeof(unsigned));
    s->arena.cap = cap;
  }
  unsigned ref = (unsigned)s->arena.n;
  unsigned *c = s->arena.data + ref;
  if (glue > (1u << 20))
    glue = 1u << 20;
  c[0] = size;
  c[1] = (redundant ? F_REDUNDANT : 0u) | (glue << GLUE_SHIFT);
  c[POS] = 2;
  memcpy(c + HDR, lits, size * sizeof(unsigned));
  s->arena.n = need;
  osat__watch_push(&s->watches[lits[0]], lits[1], ref);
  osat__watch_push(&s->watches[lits[1]], lits[0], ref);
  if (redundant)
    s->stats.redundant++;
  else
    s->stats.irredundant++;
  return ref;
}

/* Garbage without a proof line: the clause lives on elsewhere (as a binary,
 * or on the extension stack while the proof's formula keeps it).  Watches of
 * a garbage clause stay until the next collection. */
void osat__drop_silently(osat *s, unsigned ref) {
  unsigned *c = s->arena.data + ref;
  if (c[1] & F_GARBAGE)
    return;
  c[1] |= F_GARBAGE;
  s->garbage_words += HDR + c[0];
  if (c[1] & F_REDUNDANT)
    s->stats.redundant--;
  else
    s->stats.irredundant--;
}

void osat__mark_garbage(osat *s, unsigned ref) {
  if (s->arena.data[ref + 1] & F_GARBAGE)
    return;
  osat__drop_silently(s, ref);
  unsigned *c = s->arena.data + ref;
  if (!(c[1] & F_REDUNDANT)) /* fewer occurrences: try to eliminate again */
    for (unsigned i = 0; i < c[0]; i++)
      s->dirty[VAR(c[HDR + i])] = 1;
  osat__proof_delete(s, c + HDR, c[0]);
}

/* Compact the arena and rebuild the long-clause watches from scratch (the
 * watched literals are lits[0] and lits[1] of every clause, an invariant
 * propagation maintains), then move reasons to the new offsets. */
void osat__collect(osat *s) {
  unsigned *a = s->arena.data;
  size_t n = s->arena.n, dst = 0;
  s->stack.n = 0; /* (old, new) offset pairs, in increasing old order */
  for (size_t src = 0; src < n;) {
    unsigned size = a[src], words = HDR + size;
    if (a[src + 1] & F_GARBAGE) {
      src += words;
      continue;
    }
    if (dst != src)
      memmove(a + dst, a + src, words * sizeof(unsigned));
    uvec_push(&s->stack, (unsigned)src);
    uvec_push(&s->stack, (unsigned)dst);
    dst += words;
    src += words;
  }
  s->arena.n = dst;
  s->garbage_words = 0;
  s->stats.collections++;
  /* reasons: binary search in the (src, dst) pairs, sorted by src */
  for (unsigned i = 0; i < s->trail_n; i++) {
    unsigned v = VAR(s->trail[i]);
    unsigned r = s->reason[v];
    if (r == NOREASON || (r & BINTAG))
      continue;
    size_t lo = 0, hi = s->stack.n / 2;
    if (!hi) {
      s->reason[v] = NOREASON;
      continue;
    }
    while (lo + 1 < hi) {
      size_t mid = (lo + hi) / 2;
      if (s->stack.data[2 * mid] <= r)
        lo = mid;
      else
        hi = mid;
    }
    s->reason[v] = s->stack.data[2 * lo] == r ? s->stack.data[2 * lo + 1]
                                              : NOREASON;
  }
  s->stack.n = 0;
  for (size_t l = 0; l < 2 * (size_t)s->nvars; l++) {
    watches_t *w = &s->watches[l];
    unsigned j = 0;
    for (unsigned i = 0; i < w->n; i++)
      if (w->data[i].ref & BINTAG)
        w->data[j++] = w->data[i];
    w->n = j;
  }
  for (size_t ref = 0; ref < dst;) {
    unsigned *c = a + ref;
    osat__watch_push(&s->watches[c[HDR]], c[HDR + 1], (unsigned)ref);
    osat__watch_push(&s->watches[c[HDR + 1]], c[HDR], (unsigned)ref);
    ref += HDR + c[0];
  }
}

/* An original clause, at level 0: drop duplicate and level-0 false literals,
 * skip tautologies and satisfied clauses, assign units. */
int osat__add_original(osat *s, const unsigned *lits, unsigned size) {
  s->stats.original++;
  osat__add_irredundant(s, lits, size);
  return 0;
}

/* Also the way eliminated clauses come back (restore): they are still in
 * the proof's formula, so only a shortened version is written. */
void osat__add_irredundant(osat *s, const unsigned *lits, unsigned size) {
  if (s->inconsistent)
    return;
  if (s->nlevels)
    osat__backtrack(s, 0);
  uvec *out = &s->learnt;
  out->n = 0;
  int satisfied = 0, shortened = 0;
  for (unsigned i = 0; i < size; i++) {
    unsigned l = lits[i];
    if (s->mark[NOT(l)]) {
      satisfied = 1; /* tautology */
      break;
    }
    if (s->mark[l]) {
      continue;
    }
    if (s->vals[l] > 0) {
      satisfied = 1;
      break;
    }
    if (s->vals[l] < 0) {
      shortened = 1;
      continue;
    }
    s->mark[l] = 1;
    uvec_push(out, l);
  }
  for (size_t i = 0; i < out->n; i++)
    s->mark[out->data[i]] = 0;
  for (unsigned i = 0; i < size; i++)
    s->mark[lits[i]] = 0;
  if (satisfied)
    return;
  if (shortened)
    osat__proof_add(s, out->data, (unsigned)out->n);
  unsigned n = (unsigned)out->n;
  if (n == 0) {
    s->inconsistent = 1;
    if (!shortened)
      osat__proof_add(s, NULL, 0);
    return;
  }
  if (n == 1) {
    assign(s, out->data[0], NOREASON);
    if (osat__propagate(s)) {
      s->inconsistent = 1;
      osat__proof_add(s, NULL, 0);
    }
    return;
  }
  if (n == 2)
    osat__add_binary(s, out->data[0], out->data[1], 0);
  else
    osat__new_clause(s, out->data, n, 0, n);
  return;
}
