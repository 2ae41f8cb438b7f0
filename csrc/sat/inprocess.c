/* Scheduling of inprocessing (Kissat's): a round before the first search
 * (preprocessing), then one at a restart every `inprocessint` conflicts,
 * the interval growing with the rounds.  Each technique gets an effort in
 * ticks (clauses visited, about a cache line each) per mille of the ticks
 * of propagation since the last round, so that inprocessing takes a bounded
 * share of the time; the first round's effort is proportional to the
 * formula instead (preprocesseffort ticks per literal for an effort of
 * 100 per mille).  Variables of the current assumptions are frozen. */
#include "internal.h"

int osat__inprocess_any(osat *s) {
  return s->opts.elim || s->opts.subsume || s->opts.substitute ||
         s->opts.probe || s->opts.transred || s->opts.forward;
}

int osat__inprocessing(osat *s) {
  return s->opts.inprocess && osat__inprocess_any(s) &&
         s->stats.conflicts >= s->inprocess_next;
}

/* The budget of the technique running is spent, or the run must stop (the
 * clock is read every 4096 ticks, well under a millisecond of work). */
int osat__inprocess_done(osat *s) {
  if (s->inconsistent || s->terminate || s->ticks >= s->ticks_limit)
    return 1;
  if (s->ticks < s->inprocess_polls)
    return 0;
  s->inprocess_polls = s->ticks + 4096;
  if (osat__out_of_time(s))
    s->terminate_round = 1;
  return s->terminate_round;
}

static void freeze_assumptions(osat *s, unsigned char value) {
  for (size_t i = 0; i < s->assumptions.n; i++)
    s->frozen[VAR(s->assumptions.data[i])] = value;
}

/* At least a few thousand ticks when the effort is not 0, so that small
 * formulas are not left out for want of search. */
static int64_t budget(osat *s, int preprocessing, int64_t literals,
                      int64_t effort) {
  int64_t ticks;
  if (preprocessing) /* in proportion to each technique's effort */
    ticks = s->opts.preprocesseffort * literals / 100 * effort;
  else {
    int64_t work = s->search_ticks - s->inprocess_last;
    ticks = work / 1000 * effort + work % 1000 * effort / 1000;
  }
  return effort && ticks < 4096 ? 4096 : ticks;
}

/* Returns 20 when the formula became UNSAT, else 0. */
int osat__inprocess(osat *s, int preprocessing) {
  s->stats.inprocessings++;
  s->inprocess_rounds++;
  s->inprocess_next = s->stats.conflicts +
                      s->opts.inprocessint * (s->inprocess_rounds + 1);
  freeze_assumptions(s, 1);
  s->terminate_round = 0;
  osat__backtrack(s, 0);
  int ok = osat__root_propagate(s);
  if (ok && s->opts.probe) {
    s->ticks = s->inprocess_polls = 0;
    /* a propagation tick costs more time than an occurrence-list one (it
     * misses the cache more): a tenth of the formula in the first round */
    int64_t size = ((int64_t)s->arena.n + 2 * s->stats.irredundant) / 10;
    s->ticks_limit = budget(s, preprocessing, size, s->opts.probeeffort);
    ok = osat__probe(s);
  }
  if (ok && s->opts.substitute)
    ok = osat__substitute(s);
  if (ok && s->opts.transred) {
    s->ticks = s->inprocess_polls = 0;
    int64_t size = ((int64_t)s->arena.n + 2 * s->stats.irredundant) / 10;
    s->ticks_limit = budget(s, preprocessing, size, s->opts.transredeffort);
    ok = osat__transred(s);
  }
  if (ok && s->opts.forward && !preprocessing) { /* no learned clauses yet */
    s->ticks = s->inprocess_polls = 0;
    int64_t size = (int64_t)s->arena.n;
    s->ticks_limit = budget(s, preprocessing, size, s->opts.forwardeffort);
    ok = osat__subsume_forward(s);
  }
  ok = ok && osat__occs_begin(s);
  if (ok) {
    int64_t literals = 0;
    for (size_t l = 0; l < 2 * (size_t)s->nvars; l++)
      literals += (int64_t)s->occs[l].n;
    if (s->opts.subsume) {
      s->ticks = s->inprocess_polls = 0;
      s->ticks_limit = budget(s, preprocessing, literals, s->opts.subsumeeffort);
      osat__subsume(s);
    }
    if (s->opts.elim && !s->inconsistent) {
      s->ticks = s->inprocess_polls = 0;
      s->ticks_limit = budget(s, preprocessing, literals, s->opts.elimeffort);
      osat__eliminate(s);
    }
    ok = osat__occs_end(s);
  }
  freeze_assumptions(s, 0);
  s->inprocess_last = s->search_ticks;
  osat__report(s, 'e');
  return ok && !s->inconsistent ? 0 : 20;
}
