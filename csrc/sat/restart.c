/* Restarts and modes.  Focused mode restarts when the fast moving average of
 * learned-clause glue exceeds the slow one (Audemard & Simon 2012, as
 * exponential moving averages in CaDiCaL); stable mode restarts on the Luby
 * sequence (reluctant doubling) and decides with target phases.  The modes
 * alternate in phases of geometrically growing conflict counts. */
#include "internal.h"

static int64_t luby(int64_t i) {
  /* 1 1 2 1 1 2 4 1 1 2 1 1 2 4 8 ... (i >= 1) */
  for (;;) {
    int64_t k = 1;
    while (((int64_t)1 << k) - 1 < i)
      k++;
    if (((int64_t)1 << k) - 1 == i)
      return (int64_t)1 << (k - 1);
    i -= ((int64_t)1 << (k - 1)) - 1;
  }
}

void osat__init_search(osat *s) {
  s->stable = 0;
  s->mode_length = s->opts.stableinit;
  s->mode_limit = s->opts.stableinit;
  s->restart_next = s->opts.restartint;
  s->luby_index = 0;
  s->reduce_next = s->opts.reduceint;
  s->rephase_next = s->opts.rephaseint;
  s->simplify_next = 0;
  s->initialized = 1;
}

int osat__restarting(osat *s) {
  if (!s->nlevels || s->stats.conflicts < s->restart_next)
    return 0;
  if (s->stable)
    return 1;
  double margin = 1.0 + (double)s->opts.restartmargin / 100.0;
  return s->lbd.fast > margin * s->lbd.slow;
}

void osat__restart(osat *s) {
  s->stats.restarts++;
  osat__backtrack(s, 0);
  if (s->stable)
    s->restart_next = s->stats.conflicts + s->opts.lubybase * luby(++s->luby_index);
  else
    s->restart_next = s->stats.conflicts + s->opts.restartint;
}

void osat__update_mode(osat *s) {
  if (!s->opts.stable || s->stats.conflicts < s->mode_limit)
    return;
  s->stable = !s->stable;
  s->stats.mode_switches++;
  if (!s->stable) /* a focused+stable round done: the next one is longer */
    s->mode_length = s->mode_length * s->opts.stablefactor / 100;
  s->mode_limit = s->stats.conflicts + s->mode_length;
  if (s->stable) {
    s->luby_index = 0;
    s->restart_next = s->stats.conflicts + s->opts.lubybase * luby(++s->luby_index);
  } else
    s->restart_next = s->stats.conflicts + s->opts.restartint;
  osat__backtrack(s, 0);
  osat__report(s, s->stable ? '[' : '{');
}
