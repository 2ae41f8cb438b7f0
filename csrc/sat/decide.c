/* Decisions: EVSIDS scores (Moskewicz et al. 2001, MiniSat's exponential
 * increments) in a binary max-heap, backtracking with phase saving. */
#include "internal.h"

static inline int before(osat *s, unsigned a, unsigned b) {
  return s->score[a] > s->score[b];
}

static void heap_up(osat *s, unsigned i) {
  unsigned *h = s->heap, v = h[i];
  while (i) {
    unsigned parent = (i - 1) >> 1;
    if (!before(s, v, h[parent]))
      break;
    h[i] = h[parent];
    s->heap_pos[h[i]] = i;
    i = parent;
  }
  h[i] = v;
  s->heap_pos[v] = i;
}

static void heap_down(osat *s, unsigned i) {
  unsigned *h = s->heap, v = h[i], n = s->heap_n;
  for (;;) {
    unsigned child = 2 * i + 1;
    if (child >= n)
      break;
    if (child + 1 < n && before(s, h[child + 1], h[child]))
      child++;
    if (!before(s, h[child], v))
      break;
    h[i] = h[child];
    s->heap_pos[h[i]] = i;
    i = child;
  }
  h[i] = v;
  s->heap_pos[v] = i;
}

void osat__heap_insert(osat *s, unsigned v) {
  if (s->heap_pos[v] != INVALID)
    return;
  unsigned i = s->heap_n++;
  s->heap[i] = v;
  s->heap_pos[v] = i;
  heap_up(s, i);
}

static unsigned heap_pop(osat *s) {
  unsigned v = s->heap[0];
  unsigned last = s->heap[--s->heap_n];
  s->heap_pos[v] = INVALID;
  if (s->heap_n) {
    s->heap[0] = last;
    s->heap_pos[last] = 0;
    heap_down(s, 0);
  }
  return v;
}

void osat__bump(osat *s, unsigned v) {
  if ((s->score[v] += s->score_inc) > 1e150) {
    for (unsigned u = 0; u < s->nvars; u++)
      s->score[u] *= 1e-150;
    s->score_inc *= 1e-150;
  }
  if (s->heap_pos[v] != INVALID)
    heap_up(s, s->heap_pos[v]);
}

/* The variables of the last conflict: to the queue's front in focused mode,
 * higher scores in stable mode (Kissat's split). */
void osat__bump_analyzed(osat *s) {
  if (!s->stable && s->opts.vmtf)
    osat__queue_bump(s, s->analyzed.data, s->analyzed.n);
  else {
    for (size_t i = 0; i < s->analyzed.n; i++)
      osat__bump(s, s->analyzed.data[i]);
    osat__decay(s);
  }
  s->analyzed.n = 0;
}

void osat__decay(osat *s) {
  int64_t d = s->stable ? s->opts.stabledecay : s->opts.decay;
  s->score_inc *= 1000.0 / (double)d;
}

void osat__backtrack(osat *s, unsigned level) {
  if (s->nlevels <= level)
    return;
  unsigned start = s->control[level];
  for (unsigned i = s->trail_n; i-- > start;) {
    unsigned lit = s->trail[i], v = VAR(lit);
    s->vals[lit] = s->vals[NOT(lit)] = 0;
    if (s->save_phases)
      s->saved[v] = (unsigned char)NEG(lit);
    osat__heap_insert(s, v);
    osat__queue_unassigned(s, v);
  }
  s->trail_n = s->qhead = start;
  s->nlevels = level;
}

void osat__new_level(osat *s, unsigned decision) {
  s->control[s->nlevels++] = s->trail_n;
  if (decision != INVALID)
    assign(s, decision, NOREASON);
}

int osat__decide(osat *s) {
  unsigned v;
  if (!s->stable && s->opts.vmtf) {
    v = osat__queue_next(s);
    if (v == INVALID)
      return 0;
    s->stats.decisions++;
    osat__new_level(s, LIT(v, osat__decision_phase(s, v)));
    return 1;
  }
  do {
    if (!s->heap_n)
      return 0;
    v = heap_pop(s);
  } while (s->vals[LIT(v, 0)] || s->eliminated[v]);
  s->stats.decisions++;
  osat__new_level(s, LIT(v, osat__decision_phase(s, v)));
  return 1;
}
