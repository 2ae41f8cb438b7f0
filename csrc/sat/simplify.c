/* Level-0 simplification: clauses satisfied by root units are deleted and
 * root-false literals removed (each shortened clause is added to the proof
 * before the original is deleted, so the proof stays RUP). */
#include "internal.h"

void osat__simplify(osat *s) {
  signed char *vals = s->vals;
  osat__proof_units(s);
  size_t n = s->arena.n;
  for (size_t ref = 0; ref < n; ref += HDR + s->arena.data[ref]) {
    unsigned *c = s->arena.data + ref;
    if (c[1] & F_GARBAGE)
      continue;
    unsigned size = c[0], falses = 0;
    int satisfied = 0;
    for (unsigned i = 0; i < size; i++) {
      signed char v = vals[c[HDR + i]];
      if (v > 0) {
        satisfied = 1;
        break;
      }
      falses += v < 0;
    }
    if (satisfied) {
      s->stats.removed_satisfied++;
      osat__mark_garbage(s, (unsigned)ref);
      continue;
    }
    if (!falses)
      continue;
    /* propagation is complete at level 0, so at least two stay unassigned */
    s->learnt.n = 0;
    for (unsigned i = 0; i < size; i++)
      if (!vals[c[HDR + i]])
        uvec_push(&s->learnt, c[HDR + i]);
    unsigned m = (unsigned)s->learnt.n;
    if (m < 2)
      continue; /* cannot happen after complete propagation; keep as is */
    int redundant = (c[1] & F_REDUNDANT) != 0;
    unsigned glue = c[1] >> GLUE_SHIFT, used = c[1] & USED_MASK;
    osat__proof_add(s, s->learnt.data, m);
    osat__mark_garbage(s, (unsigned)ref); /* before new_clause moves the arena */
    if (m == 2)
      osat__add_binary(s, s->learnt.data[0], s->learnt.data[1], redundant);
    else {
      unsigned r = osat__new_clause(s, s->learnt.data, m, redundant,
                                    glue < m ? glue : m - 1);
      s->arena.data[r + 1] |= used;
    }
  }
  /* binary clauses: with a root-assigned literal they are satisfied */
  for (unsigned l = 0; l < 2 * s->nvars; l++) {
    watches_t *w = &s->watches[l];
    unsigned j = 0;
    for (unsigned i = 0; i < w->n; i++) {
      watch x = w->data[i];
      if (!(x.ref & BINTAG) || (!vals[l] && !vals[x.blit])) {
        w->data[j++] = x;
        continue;
      }
      if (l < x.blit) {
        unsigned lits[2] = {l, x.blit};
        osat__proof_delete(s, lits, 2);
        s->stats.removed_satisfied++;
        if (x.ref & 1u)
          s->stats.redundant--;
        else
          s->stats.irredundant--;
      }
    }
    w->n = j;
  }
  osat__collect(s);
  s->simplify_units = s->trail_n;
  s->simplify_next = s->stats.conflicts + s->opts.simplifyint;
  s->stats.simplifications++;
}
