/* Phases: saving (Pipatsrisawat & Darwiche 2007), target and best phases
 * (Biere & Fleury 2020, "Chasing target phases"), rephasing, and predicted
 * phases (NeuroBack, Wang et al. 2024: confident scores set the initial
 * phases and are rephasing's 'original' and 'inverted' targets). */
#include <math.h>
#include <stdlib.h>
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

/* 0 predicts true, 1 false, -1 no confident prediction. */
static int predicted_phase(const osat *s, unsigned v) {
  if (v >= s->npredicted || !s->predicted[v])
    return -1;
  int score = (int)s->predicted[v] - 1;
  if (score > s->opts.predicthigh)
    return 0;
  if (score < s->opts.predictlow)
    return 1;
  return -1;
}

/* `use` is the predictrephase bit of the rephase kind asking (1 original,
 * 2 inverted); without it the prediction is not consulted. */
static unsigned char initial_phase(osat *s, unsigned v, int use) {
  if (s->initial[v])
    return s->initial[v] < 0;
  if (s->opts.predictrephase & use) {
    int p = predicted_phase(s, v);
    if (p >= 0)
      return (unsigned char)p;
  }
  return s->opts.phase ? 0 : 1;
}

/* At the start of the first solve after osat_set_predictions (so that the
 * options the solve runs with decide): confident predictions become the
 * saved, target and best phases, except where the user set a phase. */
void osat__apply_predictions(osat *s) {
  if (!s->predictions_pending)
    return;
  s->predictions_pending = 0;
  if (!s->opts.predictinit)
    return;
  unsigned n = s->npredicted < s->nvars ? s->npredicted : s->nvars;
  for (unsigned v = 0; v < n; v++) {
    int p = predicted_phase(s, v);
    if (p >= 0 && !s->initial[v])
      s->saved[v] = s->target[v] = s->best[v] = (unsigned char)p;
  }
}

/* Scores are probabilities of "true", NaN for no prediction; stored in per
 * mille so that the thresholds are integer options. */
static int set_predictions(osat *s, const float *scores, int64_t n) {
  if (n < 0 || n > OSAT_MAX_VAR)
    return -1;
  for (int64_t i = 0; i < n; i++)
    if (!isnan(scores[i]) && (scores[i] < 0.0f || scores[i] > 1.0f))
      return -1;
  unsigned m = (unsigned)n;
  while (m && isnan(scores[m - 1]))
    m--;
  if (m > s->nvars)
    osat__grow_vars(s, m);
  if (m > s->npredicted) {
    unsigned short *p = osat__realloc(s->predicted, (size_t)m * sizeof *p);
    s->predicted = p;
  }
  s->npredicted = m;
  for (unsigned v = 0; v < m; v++)
    s->predicted[v] = isnan(scores[v])
                          ? 0
                          : (unsigned short)(1 + lrintf(1000.0f * scores[v]));
  s->predictions_pending = 1;
  return 0;
}

int osat_set_predictions(osat *s, const float *scores, int64_t n) {
  GUARD_BEGIN(s, -2);
  int res = set_predictions(s, scores, n);
  GUARD_END();
  return res;
}

void osat_prediction_counts(const osat *s, int64_t *pos, int64_t *neg) {
  int64_t p = 0, q = 0;
  for (unsigned v = 0; v < s->npredicted; v++) {
    int ph = predicted_phase(s, v);
    p += ph == 0;
    q += ph == 1;
  }
  *pos = p;
  *neg = q;
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
      ph = initial_phase(s, v, 1);
    else
      ph = (unsigned char)!initial_phase(s, v, 2);
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
