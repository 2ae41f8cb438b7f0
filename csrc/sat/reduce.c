/* Learned-clause reduction in tiers (Kissat/CaDiCaL): glue <= tier1 is kept
 * forever; a clause used in analysis since the last reduction survives
 * (tier2 clauses twice); of the rest, the worst by glue then size go. */
#include <math.h>
#include <stdlib.h>

#include "internal.h"

typedef struct {
  uint64_t key;
  unsigned ref;
} candidate;

static int worse_first(const void *a, const void *b) {
  uint64_t x = ((const candidate *)a)->key, y = ((const candidate *)b)->key;
  return x < y ? 1 : x > y ? -1 : 0;
}

int osat__reducing(osat *s) { return s->stats.conflicts >= s->reduce_next; }

static int locked(osat *s, unsigned ref) {
  unsigned lit = s->arena.data[ref + HDR];
  return s->vals[lit] > 0 && s->reason[VAR(lit)] == ref;
}

void osat__reduce(osat *s) {
  unsigned *a = s->arena.data;
  size_t n = s->arena.n, count = 0, cap = 1024;
  candidate *cands = s->scratch = osat__alloc(cap * sizeof *cands);
  for (size_t ref = 0; ref < n; ref += HDR + a[ref]) {
    unsigned flags = a[ref + 1];
    if ((flags & (F_REDUNDANT | F_GARBAGE)) != F_REDUNDANT)
      continue;
    unsigned glue = flags >> GLUE_SHIFT;
    if (glue <= (unsigned)s->opts.tier1)
      continue;
    unsigned used = (flags & USED_MASK) >> USED_SHIFT;
    if (used) {
      a[ref + 1] = (flags & ~USED_MASK) | ((used - 1) << USED_SHIFT);
      continue;
    }
    if (locked(s, (unsigned)ref))
      continue;
    if (count == cap) {
      cap *= 2;
      cands = s->scratch = osat__realloc(cands, cap * sizeof *cands);
    }
    unsigned size = a[ref] > 0xfffff ? 0xfffff : a[ref];
    cands[count].key = ((uint64_t)glue << 20) | size;
    cands[count].ref = (unsigned)ref;
    count++;
  }
  qsort(cands, count, sizeof *cands, worse_first);
  size_t target = count * (size_t)s->opts.reducefraction / 100;
  for (size_t i = 0; i < target; i++)
    osat__mark_garbage(s, cands[i].ref);
  free(cands);
  s->scratch = NULL;
  s->stats.deleted += (int64_t)target;
  s->stats.reductions++;
  s->reductions_done++;
  s->reduce_next = s->stats.conflicts +
                   (int64_t)((double)s->opts.reduceint *
                             sqrt((double)s->reductions_done + 1.0));
  osat__collect(s);
  osat__report(s, '-');
}
