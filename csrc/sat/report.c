/* Progress lines in the style of Kissat: one character naming the event,
 * then time, conflicts, restarts, mode, redundant and irredundant clauses,
 * glue averages and the fraction of variables still unassigned at level 0. */
#include "internal.h"

void osat__report(osat *s, char type) {
  if (!s->report || s->opts.verbose <= 0)
    return;
  double now = osat__now();
  if (s->opts.verbose < 2 && now - s->report_last < 1.0)
    return;
  s->report_last = now;
  unsigned fixed = s->nlevels ? s->control[0] : s->trail_n;
  double remaining =
      s->nvars ? 100.0 * (double)(s->nvars - fixed) / (double)s->nvars : 0.0;
  fprintf(s->report,
          "c %c %8.2f %10lld %8lld %s %10lld %11lld %6.1f %6.1f %8.1f%%\n", type,
          now - s->solve_start, (long long)s->stats.conflicts,
          (long long)s->stats.restarts, s->stable ? "stab" : "focu",
          (long long)s->stats.redundant, (long long)s->stats.irredundant,
          s->lbd.fast, s->lbd.slow, remaining);
  fflush(s->report);
}
