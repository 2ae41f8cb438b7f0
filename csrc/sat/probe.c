/* Failed-literal probing (Freeman 1995; Lynce & Marques-Silva 2003, as in
 * CaDiCaL's and Kissat's probe): a literal that implies a conflict by unit
 * propagation alone is false, and its negation is a unit (RUP: the proof
 * needs nothing else).  Probed are the roots of the binary implication
 * graph, literals that imply something through a binary clause but are
 * implied by none, once per round, within a tick budget (propagation's own
 * ticks, which are not counted as search work). */
#include "internal.h"

static int has_binary(osat *s, unsigned lit) {
  watches_t *w = &s->watches[lit];
  for (unsigned i = 0; i < w->n; i++)
    if ((w->data[i].ref & BINTAG) && !s->vals[w->data[i].blit])
      return 1;
  return 0;
}

/* Probe one literal at level 1; 0 when the formula became UNSAT. */
static int probe(osat *s, unsigned lit) {
  osat__new_level(s, lit);
  int conflict = osat__propagate(s);
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
        ok = probe(s, lit);
    }
  }
  s->save_phases = 1;
  s->search_ticks = search_ticks; /* inprocessing work is not search work */
  s->stats.probe_time += osat__now() - start;
  return ok;
}
