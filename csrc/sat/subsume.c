/* Backward subsumption and self-subsuming strengthening of irredundant
 * clauses (Een & Biere 2005, as in MiniSat's SatElite): clauses are visited
 * shortest first; a clause C marks its literals and checks the clauses in
 * the occurrence lists of its rarest variable, both signs.  A clause D with
 * every literal of C is deleted; one with all but one, which it holds
 * negated, loses that literal (D without it is the resolvent of C and D,
 * added to the proof before D is deleted). */
#include <stdlib.h>

#include "internal.h"

static int by_key(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* D loses `lit`; the new clause joins the lists and the candidates. */
static void strengthen(osat *s, unsigned ref, unsigned lit, uvec *cands) {
  uvec *r = &s->resolvent;
  r->n = 0;
  unsigned *d = s->arena.data + ref;
  for (unsigned i = 0; i < d[0]; i++)
    if (d[HDR + i] != lit)
      uvec_push(r, d[HDR + i]);
  s->stats.strengthened++;
  osat__proof_add(s, r->data, (unsigned)r->n);
  osat__mark_garbage(s, ref);
  if (r->n == 1) {
    osat__root_unit(s, r->data[0]);
    return;
  }
  unsigned n = (unsigned)r->n;
  unsigned fresh = osat__new_clause(s, r->data, n, 0, n);
  osat__occs_push(s, fresh);
  uvec_push(cands, fresh);
}

/* Check the clauses of one literal's list against the marked clause C. */
static void against(osat *s, unsigned cref, unsigned size, unsigned lit,
                    uvec *cands) {
  uvec *occ = &s->occs[lit];
  for (size_t k = 0; k < occ->n && !s->inconsistent; k++) {
    unsigned dref = occ->data[k]; /* re-read: strengthening may grow it */
    if (dref == cref)
      continue;
    unsigned *d = s->arena.data + dref;
    if ((d[1] & F_GARBAGE) || d[0] < size)
      continue;
    s->ticks += 1 + d[0] / 4;
    unsigned hits = 0, flips = 0, flipped = INVALID;
    for (unsigned i = 0; i < d[0]; i++) {
      unsigned l = d[HDR + i];
      if (s->mark[l])
        hits++;
      else if (s->mark[NOT(l)]) {
        flips++;
        flipped = l;
      }
    }
    if (hits == size) {
      s->stats.subsumed++;
      osat__mark_garbage(s, dref);
    } else if (flips == 1 && hits + 1 == size)
      strengthen(s, dref, flipped, cands);
  }
}

void osat__subsume(osat *s) {
  double start = osat__now();
  unsigned *a = s->arena.data;
  size_t count = 0;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + a[ref])
    count += !(a[ref + 1] & (F_GARBAGE | F_REDUNDANT));
  uint64_t *keys = s->scratch = osat__alloc((count + 1) * sizeof *keys);
  count = 0;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + a[ref])
    if (!(a[ref + 1] & (F_GARBAGE | F_REDUNDANT)))
      keys[count++] = ((uint64_t)a[ref] << 32) | ref;
  qsort(keys, count, sizeof *keys, by_key);
  uvec *cands = &s->pos;
  cands->n = 0;
  for (size_t i = 0; i < count; i++)
    uvec_push(cands, (unsigned)keys[i]);
  free(keys);
  s->scratch = NULL;
  for (size_t i = 0; i < cands->n; i++) {
    if (osat__inprocess_done(s))
      break;
    unsigned cref = cands->data[i];
    unsigned *c = s->arena.data + cref;
    if ((c[1] & F_GARBAGE) || c[0] > (unsigned)s->opts.elimclslim)
      continue;
    unsigned size = c[0], best = c[HDR];
    size_t fewest = SIZE_MAX;
    for (unsigned j = 0; j < size; j++) {
      unsigned l = c[HDR + j];
      size_t n = s->occs[l].n + s->occs[NOT(l)].n;
      if (n < fewest) {
        fewest = n;
        best = l;
      }
      s->mark[l] = 1;
    }
    s->ticks++;
    against(s, cref, size, best, cands);
    against(s, cref, size, NOT(best), cands);
    c = s->arena.data + cref;
    for (unsigned j = 0; j < size; j++)
      s->mark[c[HDR + j]] = 0;
  }
  cands->n = 0;
  s->stats.subsume_time += osat__now() - start;
}
