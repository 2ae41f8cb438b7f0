/* Unit propagation: two watched literals with blocking literals; binary
 * clauses are handled inside the watch lists without touching the arena. */
#include "internal.h"

int osat__propagate(osat *s) {
  signed char *vals = s->vals;
  unsigned *arena = s->arena.data;
  int64_t props = 0, ticks = 0;
  int conflict = 0;
  while (s->qhead < s->trail_n) {
    unsigned p = s->trail[s->qhead++];
    unsigned false_lit = NOT(p);
    watches_t *ws = &s->watches[false_lit];
    watch *i = ws->data, *j = i, *end = i + ws->n;
    props++;
    ticks += 1 + (ws->n >> 3); /* about the cache lines of the list */
    while (i != end) {
      watch w = *i++;
      signed char b = vals[w.blit];
      if (b > 0) {
        *j++ = w;
        continue;
      }
      if (w.ref & BINTAG) {
        *j++ = w;
        if (b < 0) {
          s->conflict = BINTAG;
          s->conflict_bin[0] = false_lit;
          s->conflict_bin[1] = w.blit;
          conflict = 1;
          break;
        }
        assign(s, w.blit, BINTAG | false_lit);
        continue;
      }
      unsigned *c = arena + w.ref;
      unsigned *lits = c + HDR;
      ticks++;
      /* the other watched literal, without a branch; a satisfied clause is
       * left as it is (no write to its memory) */
      unsigned first = lits[0] ^ lits[1] ^ false_lit;
      signed char fv = vals[first];
      if (fv > 0) {
        j->blit = first;
        j->ref = w.ref;
        j++;
        continue;
      }
      lits[0] = first;
      lits[1] = false_lit;
      /* search for a replacement from where the last one was found, then
       * wrap around (Gent 2013: linear instead of quadratic on long clauses) */
      unsigned size = c[0], pos = c[POS], k;
      if (pos >= size)
        pos = 2;
      for (k = pos; k < size; k++)
        if (vals[lits[k]] >= 0)
          goto found;
      for (k = 2; k < pos; k++)
        if (vals[lits[k]] >= 0)
          goto found;
      k = size;
    found:
      if (k < size) {
        c[POS] = k;
        unsigned other = lits[k];
        lits[1] = other;
        lits[k] = false_lit;
        watch_push(&s->watches[other], first, w.ref);
        continue;
      }
      j->blit = first;
      j->ref = w.ref;
      j++;
      if (fv < 0) {
        s->conflict = w.ref;
        conflict = 1;
        break;
      }
      assign(s, first, w.ref);
    }
    while (i != end)
      *j++ = *i++;
    ws->n = (unsigned)(j - ws->data);
    if (conflict)
      break;
  }
  s->stats.propagations += props;
  s->search_ticks += ticks;
  return conflict;
}
