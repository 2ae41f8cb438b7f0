/* Phases: saving (Pipatsrisawat & Darwiche 2007), target and best phases
 * (Biere & Fleury 2020, "Chasing target phases"), and rephasing. */
#include <string.h>

#include "internal.h"

unsigned osat__decision_phase(osat *s, unsigned v) {
  int use_target = s->opts.target == 2 || (s->opts.target == 1 && s->stable);
  return use_target ? s->target[v] : s->saved[v];
}

/* Called at each conflict, before backtracking: the assignment before the
 * conflicting level is consistent; remember it when it is the largest yet. */
void osat__update_target(osat *s) {
  if (!s->opts.target)
    return;
  unsigned n = s->nlevels ? s->control[s->nlevels - 1] : s->trail_n;
  if (n > s->target_size) {
    s->target_size = n;
    for (unsigned i = 0; i < n; i++) {
      unsigned lit = s->trail[i];
      s->target[VAR(lit)] = (unsigned char)NEG(lit);
    }
  }
  if (n > s->best_size) {
    s->best_size = n;
    for (unsigned i = 0; i < n; i++) {
      unsigned lit = s->trail[i];
      s->best[VAR(lit)] = (unsigned char)NEG(lit);
    }
  }
}

int osat__rephasing(osat *s) {
  return s->opts.rephase && s->stats.conflicts >= s->rephase_next;
}

static unsigned char initial_phase(osat *s, unsigned v) {
  if (s->initial[v])
    return s->initial[v] < 0;
  return s->opts.phase ? 0 : 1;
}

/* A cycle like Kissat's: best, original, best, inverted, ...; the saved and
 * target phases are overwritten, and the target is rebuilt from scratch. */
void osat__rephase(osat *s) {
  static const char cycle[] = {'B', 'O', 'B', 'I'};
  char kind = cycle[s->rephase_count % 4];
  for (unsigned v = 0; v < s->nvars; v++) {
    unsigned char ph;
    if (kind == 'B')
      ph = s->best[v];
    else if (kind == 'O')
      ph = initial_phase(s, v);
    else
      ph = (unsigned char)!initial_phase(s, v);
    s->saved[v] = s->target[v] = ph;
  }
  s->target_size = 0;
  if (kind == 'B')
    s->best_size = 0;
  s->rephase_count++;
  s->stats.rephased++;
  s->rephase_next = s->stats.conflicts +
                    s->opts.rephaseint * (s->rephase_count + 1);
  osat__report(s, kind == 'B' ? 'B' : kind == 'O' ? 'O' : 'I');
}
