/* Occurrence lists for an inprocessing round (subsumption, elimination).
 *
 * During a round every irredundant clause lives in the arena, binaries
 * included (they move back to the watch lists at the end), so that each has
 * an offset the lists can name and a garbage flag; the lists hold offsets
 * and are cleaned lazily.  Nothing propagates during a round: units found
 * are assigned and propagated once the garbage has left the watch lists,
 * since an eliminated clause must not propagate. */
#include <stdlib.h>

#include "internal.h"

void osat__occs_push(osat *s, unsigned ref) {
  unsigned *c = s->arena.data + ref;
  for (unsigned i = 0; i < c[0]; i++)
    uvec_push(&s->occs[c[HDR + i]], ref);
}

/* A unit derived during a round (the caller wrote it to the proof); 0 when
 * it is false (UNSAT). */
int osat__root_unit(osat *s, unsigned lit) {
  if (s->vals[lit] > 0)
    return 1;
  if (s->vals[lit] < 0) {
    s->inconsistent = 1;
    osat__proof_add(s, NULL, 0);
    return 0;
  }
  assign(s, lit, NOREASON);
  return 1;
}

/* Propagate at level 0; 0 on a conflict (UNSAT, written to the proof). */
int osat__root_propagate(osat *s) {
  if (s->inconsistent)
    return 0;
  if (osat__propagate(s)) {
    s->inconsistent = 1;
    osat__proof_add(s, NULL, 0);
    return 0;
  }
  return 1;
}

/* At level 0: simplify, move irredundant binaries into the arena and list
 * every irredundant clause under its literals.  0 when UNSAT. */
int osat__occs_begin(osat *s) {
  osat__backtrack(s, 0);
  if (!osat__root_propagate(s))
    return 0;
  osat__simplify(s);
  uvec *pairs = &s->stack;
  pairs->n = 0;
  for (unsigned l = 0; l < 2 * s->nvars; l++) {
    watches_t *w = &s->watches[l];
    unsigned j = 0;
    for (unsigned i = 0; i < w->n; i++) {
      watch x = w->data[i];
      if (x.ref != BINTAG) { /* long, or a redundant binary */
        w->data[j++] = x;
        continue;
      }
      if (l < x.blit) {
        uvec_push(pairs, l);
        uvec_push(pairs, x.blit);
      }
    }
    w->n = j;
  }
  for (size_t i = 0; i < pairs->n; i += 2) {
    unsigned lits[2] = {pairs->data[i], pairs->data[i + 1]};
    osat__new_clause(s, lits, 2, 0, 2);
    s->stats.irredundant--; /* moved, not added */
  }
  pairs->n = 0;
  s->occs = osat__alloc(2 * (size_t)s->nvars * sizeof *s->occs);
  unsigned *a = s->arena.data;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + a[ref])
    if (!(a[ref + 1] & (F_GARBAGE | F_REDUNDANT)))
      osat__occs_push(s, (unsigned)ref);
  return 1;
}

static int mentions_eliminated(osat *s, const unsigned *lits, unsigned n) {
  for (unsigned i = 0; i < n; i++)
    if (s->eliminated[VAR(lits[i])])
      return 1;
  return 0;
}

/* Binaries back to the watch lists, learned clauses of eliminated variables
 * deleted, garbage collected, pending units propagated.  0 when UNSAT. */
int osat__occs_end(osat *s) {
  for (size_t i = 0; i < 2 * (size_t)s->nvars; i++)
    free(s->occs[i].data);
  free(s->occs);
  s->occs = NULL;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + s->arena.data[ref]) {
    unsigned *c = s->arena.data + ref;
    if (c[1] & F_GARBAGE)
      continue;
    if (mentions_eliminated(s, c + HDR, c[0])) {
      osat__mark_garbage(s, (unsigned)ref); /* learned: irredundant are gone */
      continue;
    }
    if (c[0] == 2 && !(c[1] & F_REDUNDANT)) {
      unsigned a = c[HDR], b = c[HDR + 1];
      osat__drop_silently(s, (unsigned)ref);
      osat__add_binary(s, a, b, 0);
    }
  }
  if (s->neliminated)
    for (unsigned l = 0; l < 2 * s->nvars; l++) {
      watches_t *w = &s->watches[l];
      unsigned j = 0;
      int gone = s->eliminated[VAR(l)];
      for (unsigned i = 0; i < w->n; i++) {
        watch x = w->data[i];
        if ((x.ref & BINTAG) && (gone || s->eliminated[VAR(x.blit)])) {
          if (l < x.blit) { /* once per clause */
            unsigned lits[2] = {l, x.blit};
            osat__proof_delete(s, lits, 2);
            s->stats.redundant--; /* irredundant ones left the lists */
          }
          continue;
        }
        w->data[j++] = x;
      }
      w->n = j;
    }
  osat__collect(s);
  if (!osat__root_propagate(s))
    return 0;
  if (s->trail_n > s->simplify_units)
    osat__simplify(s);
  return 1;
}
