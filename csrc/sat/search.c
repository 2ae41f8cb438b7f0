/* The CDCL loop (Marques-Silva & Sakallah 1999; Een & Sorensson 2003):
 * propagate, analyze conflicts, and between conflicts restart, simplify,
 * rephase, reduce, switch modes, then decide (assumptions first). */
#include <stdlib.h>

#include "internal.h"

static int limit_hit(osat *s, int64_t *ticks) {
  if (s->terminate) {
    s->limit_reached = OSAT_LIMIT_TERMINATE;
    return 1;
  }
  if (s->conflict_limit >= 0 && s->stats.conflicts >= s->conflict_limit) {
    s->limit_reached = OSAT_LIMIT_CONFLICTS;
    return 1;
  }
  if (s->propagation_limit >= 0 &&
      s->stats.propagations >= s->propagation_limit) {
    s->limit_reached = OSAT_LIMIT_PROPAGATIONS;
    return 1;
  }
  if (++*ticks & 127)
    return 0;
  if (osat__out_of_time(s))
    return 1;
  osat__report(s, '.');
  return 0;
}

/* The deadline and the poll (interrupts), also asked by inprocessing. */
int osat__out_of_time(osat *s) {
  double now = osat__now();
  if (s->deadline >= 0 && now >= s->deadline) {
    s->limit_reached = OSAT_LIMIT_TIME;
    return 1;
  }
  if (s->poll && now - s->poll_last >= 0.01) {
    s->poll_last = now;
    if (s->poll(s->poll_data)) { /* stops this call only */
      s->limit_reached = OSAT_LIMIT_TERMINATE;
      return 1;
    }
  }
  return 0;
}

static int search(osat *s) {
  int64_t ticks = 0;
  for (;;) {
    if (osat__propagate(s)) {
      s->stats.conflicts++;
      if (s->stable)
        s->stats.stable_conflicts++;
      if (!s->nlevels) {
        s->inconsistent = 1;
        osat__proof_add(s, NULL, 0);
        return 20;
      }
      osat__analyze(s);
      /* checked here too, so that a budget of N stops at exactly N */
      if (s->conflict_limit >= 0 && s->stats.conflicts >= s->conflict_limit) {
        s->limit_reached = OSAT_LIMIT_CONFLICTS;
        return 0;
      }
      continue;
    }
    if (limit_hit(s, &ticks))
      return 0;
    if (osat__restarting(s))
      osat__restart(s);
    if (!s->nlevels && s->opts.simplify && s->trail_n > s->simplify_units &&
        s->stats.conflicts >= s->simplify_next)
      osat__simplify(s);
    if (osat__rephasing(s))
      osat__rephase(s);
    if (osat__reducing(s)) {
      osat__reduce(s);
      s->vivify_pending = s->opts.vivify;
    }
    /* vivify at the next restart rather than forcing one */
    if (s->vivify_pending && !s->nlevels) {
      s->vivify_pending = 0;
      if (osat__vivify(s))
        return 20;
    }
    if (!s->nlevels && osat__inprocessing(s)) {
      if (osat__inprocess(s, 0))
        return 20;
      if (s->terminate_round)
        return 0;
    }
    osat__update_mode(s);

    unsigned next = INVALID;
    while (s->nlevels < s->assumptions.n) {
      unsigned p = s->assumptions.data[s->nlevels];
      if (s->vals[p] > 0)
        osat__new_level(s, INVALID); /* already true: an empty level */
      else if (s->vals[p] < 0) {
        osat__analyze_final(s, p);
        return 20;
      } else {
        next = p;
        break;
      }
    }
    if (next != INVALID) {
      s->stats.decisions++;
      osat__new_level(s, next);
    } else if (!osat__decide(s))
      return 10;
  }
}

/* The absolute count at which a budget of `budget` more ends the run;
 * -1 (none) when negative or beyond what the counter can reach. */
static int64_t limit_after(int64_t count, int64_t budget) {
  if (budget < 0 || budget > INT64_MAX - count)
    return -1;
  return count + budget;
}

static int solve(osat *s) {
  double start = osat__now();
  s->solve_start = start;
  s->stats.solves++;
  if (!s->initialized)
    osat__init_search(s);
  for (size_t i = 0; i < s->core.n; i++)
    s->failed[s->core.data[i]] = 0;
  s->core.n = 0;
  s->limit_reached = OSAT_LIMIT_NONE;
  osat__reserve_levels(s);
  s->conflict_limit = limit_after(s->stats.conflicts, s->conflict_limit_next);
  s->propagation_limit =
      limit_after(s->stats.propagations, s->propagation_limit_next);
  s->deadline = s->time_limit_next >= 0 ? start + s->time_limit_next : -1;
  s->conflict_limit_next = s->propagation_limit_next = -1;
  s->time_limit_next = -1;
  osat__report(s, '0');

  osat__taint(s, s->assumptions.data, s->assumptions.n);
  osat__restore(s);
  s->terminate_round = 0;
  if (!s->inconsistent && !s->preprocessed && s->opts.preprocess &&
      osat__inprocess_any(s)) {
    s->preprocessed = 1;
    osat__inprocess(s, 1);
  }
  osat__apply_predictions(s);
  int res = s->inconsistent ? 20 : s->terminate_round ? 0 : search(s);
  if (res == 10) {
    for (unsigned v = 0; v < s->nvars; v++)
      s->model[v] = s->vals[LIT(v, 0)];
    osat__extend_model(s);
  }
  osat__backtrack(s, 0);
  s->assumptions.n = 0;
  s->last_result = res;
  osat__report(s, '1');
  if (s->proof)
    fflush(s->proof);
  s->stats.time += osat__now() - start;
  return res;
}

int osat_solve(osat *s) {
  GUARD_BEGIN(s, 0);
  int res = solve(s);
  GUARD_END();
  return res;
}

/* PySAT's propagate (MiniSat's prop_check): each assumption not yet true
 * opens a level and is propagated, until one is false or a conflict occurs;
 * the literals assigned above level 0 (and on a conflict, the first literal
 * of the conflicting clause) are kept for osat_implied. */
static int propagate_only(osat *s, const int32_t *lits, int64_t n,
                          int phase_saving) {
  s->implied.n = 0;
  int maxvar = 0;
  for (int64_t i = 0; i < n; i++) {
    if (!lits[i] || lits[i] < -OSAT_MAX_VAR || lits[i] > OSAT_MAX_VAR)
      return -1;
    if (abs(lits[i]) > maxvar)
      maxvar = abs(lits[i]);
  }
  if ((unsigned)maxvar > s->nvars)
    osat__grow_vars(s, (unsigned)maxvar);
  osat__restore(s); /* variables of clauses added since (then watched) */
  if (s->inconsistent)
    return 0;
  osat__backtrack(s, 0);
  /* a unit learned just before a limit ended the last solve may wait
   * unpropagated: propagated at level 1, its implications would be undone by
   * the backtrack below and lost for good */
  if (!osat__root_propagate(s))
    return 0;
  osat__reserve_levels(s);
  /* implications through eliminated variables come from the extension
   * stack, without restoring them (a restore undoes elimination that the
   * next rounds then redo); their literals get values off the trail, in
   * `side`.  Per level: trail and side positions where it starts, and
   * whether its assumption is on the side (listed first, as PySAT does). */
  int ok = 1, conflict = 0;
  unsigned conflict_lit = INVALID;
  uvec *side = &s->resolvent, *starts = &s->stack;
  side->n = starts->n = 0;
  if (s->extension.n) {
    /* what the stack implies at the root, on a level of its own that is
     * not listed (as literals fixed for good are not) */
    osat__new_level(s, INVALID);
    if (osat__extend_propagate(s, 0, side, 0, &conflict_lit))
      ok = 0;
  }
  for (int64_t i = 0; ok && !conflict && i < n; i++) {
    unsigned p = ext2int(lits[i]);
    if (s->vals[p] < 0) {
      ok = 0;
      continue;
    }
    if (s->vals[p])
      continue;
    unsigned from = s->trail_n;
    size_t side_from = side->n;
    int eliminated = s->eliminated[VAR(p)] != 0;
    uvec_push(starts, from);
    uvec_push(starts, (unsigned)side_from);
    uvec_push(starts, (unsigned)eliminated);
    if (eliminated) {
      osat__new_level(s, INVALID);
      s->vals[p] = 1;
      s->vals[NOT(p)] = -1;
      uvec_push(side, p);
    } else {
      osat__new_level(s, p);
      if (osat__propagate(s)) {
        conflict = 1;
        conflict_lit = s->conflict == BINTAG ? s->conflict_bin[1]
                                             : clause_lits(s, s->conflict)[0];
        break;
      }
    }
    if (s->extension.n)
      conflict = osat__extend_propagate(s, from, side, side_from, &conflict_lit);
  }
  if (s->nlevels) {
    for (size_t l = 0; l < starts->n; l += 3) {
      unsigned t0 = starts->data[l];
      unsigned t1 = l + 3 < starts->n ? starts->data[l + 3] : s->trail_n;
      size_t s0 = starts->data[l + 1];
      size_t s1 = l + 3 < starts->n ? starts->data[l + 4] : side->n;
      if (starts->data[l + 2]) /* the assumption first */
        uvec_push(&s->implied, (unsigned)int2ext(side->data[s0++]));
      for (unsigned k = t0; k < t1; k++)
        uvec_push(&s->implied, (unsigned)int2ext(s->trail[k]));
      for (size_t k = s0; k < s1; k++)
        uvec_push(&s->implied, (unsigned)int2ext(side->data[k]));
    }
    for (size_t k = 0; k < side->n; k++) {
      unsigned lit = side->data[k];
      s->vals[lit] = s->vals[NOT(lit)] = 0;
      if (phase_saving)
        s->saved[VAR(lit)] = (unsigned char)NEG(lit);
    }
    side->n = starts->n = 0;
    if (conflict)
      uvec_push(&s->implied, (unsigned)int2ext(conflict_lit));
    int save = s->save_phases;
    s->save_phases = phase_saving != 0;
    osat__backtrack(s, 0);
    s->save_phases = save;
  }
  return ok && !conflict;
}

int osat_propagate(osat *s, const int32_t *lits, int64_t n, int phase_saving) {
  GUARD_BEGIN(s, -2);
  int res = propagate_only(s, lits, n, phase_saving);
  GUARD_END();
  return res;
}

int64_t osat_implied(const osat *s, int32_t *out) {
  if (out)
    for (size_t i = 0; i < s->implied.n; i++)
      out[i] = (int32_t)s->implied.data[i];
  return (int64_t)s->implied.n;
}
