/* Failed-literal probing (Freeman 1995; Lynce & Marques-Silva 2003, as in
 * CaDiCaL's and Kissat's probe): a literal that implies a conflict by unit
 * propagation alone is false, and its negation is a unit (RUP: the proof
 * needs nothing else).  Probed are the roots of the binary implication
 * graph, literals that imply something through a binary clause but are
 * implied by none, once per round, within a tick budget (propagation's own
 * ticks, which are not counted as search work).
 *
 * Hyper-binary resolution (Bacchus 2002; Gershman & Strichman; CaDiCaL's
 * probe): the literals a probe implies form a tree, each under the literal
 * that implied it, a literal implied by a long clause under the dominator
 * (lowest common ancestor) of its clause's false literals; the dominator
 * alone implies it.  When the negation of the dominator is in the clause,
 * the binary (-dominator | implied) subsumes it and replaces it (RUP along
 * the tree).  Only those are added, so binaries do not pile up. */
#include <stdlib.h>

#include "internal.h"

static int has_binary(osat *s, unsigned lit) {
  watches_t *w = &s->watches[lit];
  for (unsigned i = 0; i < w->n; i++)
    if ((w->data[i].ref & BINTAG) && !s->vals[w->data[i].blit])
      return 1;
  return 0;
}

/* The literal that implied true literal `l` at level 1 (INVALID: the probe). */
static unsigned parent(osat *s, const unsigned *dominator, unsigned l) {
  unsigned r = s->reason[VAR(l)];
  if (r == NOREASON)
    return INVALID;
  return r & BINTAG ? NOT(r & ~BINTAG) : dominator[VAR(l)];
}

/* Walk the tree of the probe's implications (position: trail index) and
 * replace each long reason that a hyper-binary resolvent subsumes. */
static void hyper_binary(osat *s, unsigned *dominator, unsigned *position) {
  unsigned first = s->control[0];
  for (unsigned i = first; i < s->trail_n; i++) {
    unsigned u = s->trail[i], r = s->reason[VAR(u)];
    position[VAR(u)] = i;
    if (r == NOREASON || (r & BINTAG))
      continue;
    const unsigned *c = clause_lits(s, r);
    unsigned size = clause_size(s, r), d = INVALID;
    for (unsigned k = 0; k < size; k++) {
      unsigned a = NOT(c[k]);
      if (c[k] == u || !s->level[VAR(a)])
        continue;
      s->ticks++;
      while (d != INVALID && a != d) { /* climb the later one */
        if (position[VAR(d)] > position[VAR(a)])
          d = parent(s, dominator, d);
        else
          a = parent(s, dominator, a);
        s->ticks++;
      }
      d = a;
    }
    dominator[VAR(u)] = d;
    if (d == INVALID || (s->arena.data[r + 1] & F_GARBAGE))
      continue;
    int subsumes = 0;
    for (unsigned k = 0; k < size && !subsumes; k++)
      subsumes = c[k] == NOT(d);
    if (!subsumes)
      continue;
    unsigned lits[2] = {NOT(d), u};
    int redundant = (s->arena.data[r + 1] & F_REDUNDANT) != 0;
    osat__proof_add(s, lits, 2);
    osat__mark_garbage(s, r); /* its watches stay until the collection */
    osat__add_binary(s, lits[0], lits[1], redundant);
    s->stats.hyper++;
  }
}

/* Probe one literal at level 1; 0 when the formula became UNSAT. */
static int probe(osat *s, unsigned lit, unsigned *dominator,
                 unsigned *position) {
  osat__new_level(s, lit);
  int conflict = osat__propagate(s);
  if (!conflict && dominator)
    hyper_binary(s, dominator, position);
  osat__backtrack(s, 0);
  if (!conflict)
    return 1;
  s->stats.failed++;
  unsigned unit = NOT(lit);
  osat__proof_add(s, &unit, 1);
  assign(s, unit, NOREASON);
  return osat__root_propagate(s);
}

/* Returns 0 when UNSAT. */
int osat__probe(osat *s) {
  double start = osat__now();
  int64_t search_ticks = s->search_ticks, first = s->search_ticks;
  int ok = 1;
  unsigned *dominator = NULL, *position = NULL;
  if (s->opts.hbr) {
    osat__proof_units(s); /* resolvents skip root-false literals */
    dominator = s->scratch = osat__alloc(2 * (size_t)s->nvars * sizeof *dominator);
    position = dominator + s->nvars;
  }
  size_t hyper = (size_t)s->stats.hyper;
  s->save_phases = 0; /* probing's assignments are not the search's */
  for (unsigned v = 0; ok && v < s->nvars; v++) {
    s->ticks = s->search_ticks - first;
    if (osat__inprocess_done(s))
      break;
    if (s->vals[LIT(v, 0)] || s->eliminated[v])
      continue;
    for (unsigned sign = 0; ok && sign < 2 && !s->vals[LIT(v, 0)]; sign++) {
      unsigned lit = LIT(v, sign);
      /* a root: implies something (a binary watched by NOT(lit)), implied
       * by nothing (no binary watched by lit) */
      if (has_binary(s, NOT(lit)) && !has_binary(s, lit))
        ok = probe(s, lit, dominator, position);
    }
  }
  s->save_phases = 1;
  free(dominator);
  s->scratch = NULL;
  if ((size_t)s->stats.hyper != hyper)
    osat__collect(s); /* replaced clauses must not propagate */
  s->search_ticks = search_ticks; /* inprocessing work is not search work */
  s->stats.probe_time += osat__now() - start;
  return ok;
}
