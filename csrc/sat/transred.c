/* Transitive reduction of the binary implication graph (Aho, Garey &
 * Ullman 1972; as in CaDiCaL's transred): a binary clause (a | b), the
 * edge -a -> b, is redundant when b is reachable from -a along other
 * binary clauses.  An irredundant clause is only removed through
 * irredundant ones (a learned clause may be deleted later).  A search from
 * -a that reaches a finds -a failed: a is a unit (RUP).  Deleting a clause
 * implied by the remaining ones needs only a deletion line in the proof. */
#include "internal.h"

/* Remove one copy of the binary (lit | other) with `tag` from lit's list. */
static void unwatch_binary(osat *s, unsigned lit, unsigned other,
                           unsigned tag) {
  watches_t *w = &s->watches[lit];
  for (unsigned i = 0; i < w->n; i++)
    if (w->data[i].ref == tag && w->data[i].blit == other) {
      for (unsigned j = i + 1; j < w->n; j++) /* keep the order */
        w->data[j - 1] = w->data[j];
      w->n--;
      return;
    }
}

/* Is `target` reachable from `src` without the edge src -> target of the
 * clause itself (its other copies count)?  Sets *failed when NOT(src) is
 * reached.  Marks are cleared before returning. */
static int reachable(osat *s, unsigned src, unsigned target, int irredundant,
                     int *failed) {
  uvec *queue = &s->toclear;
  queue->n = 0;
  uvec_push(queue, src);
  s->mark[src] = 1;
  int found = 0, skipped = 0;
  for (size_t head = 0; head < queue->n && !found && !*failed; head++) {
    unsigned u = queue->data[head];
    watches_t *w = &s->watches[NOT(u)];
    s->ticks += 1 + w->n / 8;
    for (unsigned i = 0; i < w->n; i++) {
      watch x = w->data[i];
      if (!(x.ref & BINTAG) || (irredundant && (x.ref & 1u)) ||
          s->vals[x.blit] || s->mark[x.blit])
        continue;
      if (u == src && x.blit == target && !skipped) {
        skipped = 1; /* the clause under test */
        continue;
      }
      if (x.blit == target || x.blit == NOT(src)) {
        found = x.blit == target;
        *failed = x.blit == NOT(src);
        break;
      }
      s->mark[x.blit] = 1;
      uvec_push(queue, x.blit);
    }
  }
  for (size_t i = 0; i < queue->n; i++)
    s->mark[queue->data[i]] = 0;
  queue->n = 0;
  return found;
}

/* Returns 0 when the formula became UNSAT. */
int osat__transred(osat *s) {
  double start = osat__now();
  uvec *pairs = &s->stack;
  pairs->n = 0;
  for (unsigned l = 0; l < 2 * s->nvars; l++) {
    watches_t *w = &s->watches[l];
    for (unsigned i = 0; i < w->n; i++) {
      watch x = w->data[i];
      if ((x.ref & BINTAG) && l < x.blit && !s->vals[l] && !s->vals[x.blit]) {
        uvec_push(pairs, l);
        uvec_push(pairs, x.blit);
        uvec_push(pairs, x.ref);
      }
    }
  }
  int ok = 1;
  /* each round begins elsewhere, so that a budget cut reaches others */
  size_t count = pairs->n / 3, first = count ? s->stats.inprocessings % count : 0;
  for (size_t k = 0; ok && k < count; k++) {
    if (osat__inprocess_done(s))
      break;
    size_t at = 3 * ((first + k) % count);
    unsigned a = pairs->data[at], b = pairs->data[at + 1];
    unsigned tag = pairs->data[at + 2];
    if (s->vals[a] || s->vals[b])
      continue;
    int failed = 0;
    if (reachable(s, NOT(a), b, !(tag & 1u), &failed)) {
      unwatch_binary(s, a, b, tag);
      unwatch_binary(s, b, a, tag);
      unsigned lits[2] = {a, b};
      osat__proof_delete(s, lits, 2);
      if (tag & 1u)
        s->stats.redundant--;
      else {
        s->stats.irredundant--;
        s->dirty[VAR(a)] = s->dirty[VAR(b)] = 1; /* elimination may retry */
      }
      s->stats.transitive++;
    } else if (failed) {
      s->stats.failed++;
      osat__proof_add(s, &a, 1);
      assign(s, a, NOREASON);
      ok = osat__root_propagate(s);
    }
  }
  pairs->n = 0;
  s->stats.transred_time += osat__now() - start;
  return ok;
}
