/* VMTF: variable move-to-front (Ryan 2004; Biere & Froehlich 2015), the
 * decision order of focused mode.  Variables form a doubly linked queue
 * ordered by the time they were last bumped; a decision takes the most
 * recently bumped unassigned variable, found from a search pointer that only
 * moves back until a backtrack unassigns a more recent variable. */
#include <stdlib.h>

#include "internal.h"

void osat__dequeue(osat *s, unsigned v) {
  if (s->queue_search == v)
    s->queue_search = s->links[v].prev;
  unsigned p = s->links[v].prev, n = s->links[v].next;
  if (p != INVALID)
    s->links[p].next = n;
  else
    s->queue_first = n;
  if (n != INVALID)
    s->links[n].prev = p;
  else
    s->queue_last = p;
}

void osat__enqueue(osat *s, unsigned v) {
  s->links[v].next = INVALID;
  s->links[v].prev = s->queue_last;
  if (s->queue_last != INVALID)
    s->links[s->queue_last].next = v;
  else
    s->queue_first = v;
  s->queue_last = v;
  s->btab[v] = ++s->queue_stamp;
  if (!s->vals[LIT(v, 0)])
    s->queue_search = v;
}

/* A backtrack unassigned v: the search pointer may have to move forward. */
void osat__queue_unassigned(osat *s, unsigned v) {
  if (s->queue_search == INVALID || s->btab[v] > s->btab[s->queue_search])
    s->queue_search = v;
}

typedef struct {
  uint64_t stamp;
  unsigned var;
} stamped;

static int by_stamp(const void *a, const void *b) {
  uint64_t x = ((const stamped *)a)->stamp, y = ((const stamped *)b)->stamp;
  return x < y ? -1 : x > y;
}

/* Move the variables of the last conflict to the front, keeping their
 * relative order (so the queue order stays a history of bumps). */
void osat__queue_bump(osat *s, const unsigned *vars, size_t n) {
  if (!n)
    return;
  stamped *tmp = s->bump_scratch;
  if (n > s->bump_scratch_cap) {
    s->bump_scratch_cap = 2 * n;
    tmp = s->bump_scratch =
        osat__realloc(s->bump_scratch, s->bump_scratch_cap * sizeof *tmp);
  }
  for (size_t i = 0; i < n; i++) {
    tmp[i].stamp = s->btab[vars[i]];
    tmp[i].var = vars[i];
  }
  qsort(tmp, n, sizeof *tmp, by_stamp);
  for (size_t i = 0; i < n; i++) {
    osat__dequeue(s, tmp[i].var);
    osat__enqueue(s, tmp[i].var);
  }
}

/* The most recently bumped unassigned variable, or INVALID. */
unsigned osat__queue_next(osat *s) {
  unsigned v = s->queue_search;
  while (v != INVALID && s->vals[LIT(v, 0)])
    v = s->links[v].prev;
  s->queue_search = v;
  return v;
}
