/* Vivification (Piette, Hamadi & Sais 2008; Luo et al. 2017; CaDiCaL's
 * and Kissat's vivify), of tier-2 learned clauses and then of irredundant
 * ones: for a clause C, assign the negations of its literals one at a time
 * at new decision levels and propagate, with C itself unwatched.  A
 * conflict means the decided literals alone already form a clause; a
 * literal of C found true means the decided literals plus that one do;
 * literals found false are dropped.  The shorter clause is implied by the
 * formula (C included), so it may replace C, irredundant or not; it is added
 * to the proof (it is RUP) before C is deleted.  Irredundant clauses decide
 * their most frequent literals first, which fail sooner (CaDiCaL's order). */
#include <stdlib.h>

#include "internal.h"

typedef struct {
  uint64_t key;
  unsigned ref;
} candidate;

static int better_first(const void *a, const void *b) {
  uint64_t x = ((const candidate *)a)->key, y = ((const candidate *)b)->key;
  return x < y ? -1 : x > y;
}

static void unwatch(osat *s, unsigned lit, unsigned ref) {
  watches_t *w = &s->watches[lit];
  for (unsigned i = 0; i < w->n; i++)
    if (w->data[i].ref == ref) {
      w->data[i] = w->data[--w->n];
      return;
    }
}

/* Try to shorten one clause, deciding its literals in the order of
 * `order` (its own when NULL); returns 0, or 20 when level 0 became UNSAT. */
static int vivify_clause(osat *s, unsigned ref, const unsigned *order) {
  unsigned *c = s->arena.data + ref;
  unsigned size = c[0];
  int redundant = (c[1] & F_REDUNDANT) != 0;
  for (unsigned i = 0; i < size; i++)
    if (s->vals[c[HDR + i]] > 0 && !s->level[VAR(c[HDR + i])]) {
      osat__mark_garbage(s, ref); /* satisfied at the root */
      return 0;
    }
  unsigned l0 = c[HDR], l1 = c[HDR + 1];
  unwatch(s, l0, ref);
  unwatch(s, l1, ref);
  uvec *kept = &s->learnt;
  kept->n = 0;
  int shorter = 0;
  for (unsigned i = 0; i < size; i++) {
    unsigned lit = order ? order[i] : s->arena.data[ref + HDR + i];
    signed char v = s->vals[lit];
    if (v < 0) { /* false: at the root, or implied by the decisions so far */
      shorter = 1;
      continue;
    }
    if (v > 0) { /* implied true: decisions so far plus this literal */
      uvec_push(kept, lit);
      shorter = i + 1 < size || shorter;
      break;
    }
    uvec_push(kept, lit);
    osat__new_level(s, NOT(lit));
    if (osat__propagate(s)) {
      shorter = i + 1 < size || shorter;
      break;
    }
  }
  s->save_phases = 0;
  osat__backtrack(s, 0);
  s->save_phases = 1;
  c = s->arena.data + ref; /* (unchanged: nothing allocates above) */
  s->stats.vivify_checks++;
  c[1] |= F_VIVIFIED;
  if (!shorter || kept->n >= size) {
    osat__watch_push(&s->watches[l0], l1, ref);
    osat__watch_push(&s->watches[l1], l0, ref);
    return 0;
  }
  /* C stays unwatched: it must not propagate once deleted from the proof */
  s->stats.vivified++;
  s->stats.vivified_irredundant += !redundant;
  unsigned n = (unsigned)kept->n, glue = c[1] >> GLUE_SHIFT;
  unsigned used = c[1] & USED_MASK;
  osat__proof_add(s, kept->data, n);
  osat__mark_garbage(s, ref);
  if (n == 1) {
    assign(s, kept->data[0], NOREASON);
    if (osat__propagate(s)) {
      s->inconsistent = 1;
      osat__proof_add(s, NULL, 0);
      return 20;
    }
  } else if (n == 2) {
    osat__add_binary(s, kept->data[0], kept->data[1], redundant);
  } else {
    unsigned r = osat__new_clause(s, kept->data, n, redundant,
                                  glue < n ? glue : n - 1);
    s->arena.data[r + 1] |= used | F_VIVIFIED;
  }
  return 0;
}

typedef struct {
  unsigned count, lit;
} occurring;

static int more_frequent_first(const void *a, const void *b) {
  unsigned x = ((const occurring *)a)->count, y = ((const occurring *)b)->count;
  return x > y ? -1 : x < y;
}

/* Irredundant clauses of three or more literals not vivified since the
 * flags were last cleared (all of them once fewer than a tenth are left),
 * shortest first, within `vivifyirredeffort` per mille of the search's
 * propagations since the last round.  Returns 0, or 20 when UNSAT. */
static int vivify_irredundant(osat *s) {
  int64_t budget = (s->stats.propagations - s->vivify_last) *
                   s->opts.vivifyirredeffort / 1000;
  int64_t stop = s->stats.propagations + budget;
  unsigned *a = s->arena.data;
  size_t n = s->arena.n, total = 0, fresh = 0;
  for (size_t ref = 0; ref < n; ref += HDR + a[ref])
    if (!(a[ref + 1] & (F_REDUNDANT | F_GARBAGE)) && a[ref] > 2) {
      total++;
      fresh += !(a[ref + 1] & F_VIVIFIED);
    }
  if (!budget || !total)
    return 0;
  if (fresh * 10 < total) {
    for (size_t ref = 0; ref < n; ref += HDR + a[ref])
      if (!(a[ref + 1] & F_REDUNDANT))
        a[ref + 1] &= ~F_VIVIFIED;
    fresh = total;
  }
  /* one block: literal occurrence counts, then the candidates */
  size_t lits = 2 * (size_t)s->nvars;
  unsigned *count = s->scratch = /* (lits is even: cands stay aligned) */
      osat__alloc((lits + 4 * fresh + 4) * sizeof *count);
  candidate *cands = (candidate *)(count + lits);
  size_t m = 0;
  for (size_t ref = 0; ref < n; ref += HDR + a[ref]) {
    unsigned flags = a[ref + 1];
    if ((flags & (F_REDUNDANT | F_GARBAGE)) || a[ref] < 3)
      continue;
    for (unsigned i = 0; i < a[ref]; i++)
      count[a[ref + HDR + i]]++;
    if (flags & F_VIVIFIED)
      continue;
    cands[m].key = ((uint64_t)a[ref] << 32) | (uint64_t)ref;
    cands[m].ref = (unsigned)ref;
    m++;
  }
  qsort(cands, m, sizeof *cands, better_first);
  uvec *order = &s->resolvent;
  int res = 0;
  for (size_t i = 0; i < m && !res; i++) {
    if (s->stats.propagations >= stop || s->terminate)
      break;
    unsigned ref = cands[i].ref, *c = s->arena.data + ref;
    if (c[1] & F_GARBAGE)
      continue;
    order->n = 0;
    for (unsigned k = 0; k < c[0]; k++) { /* (count, literal) pairs */
      uvec_push(order, count[c[HDR + k]]);
      uvec_push(order, c[HDR + k]);
    }
    qsort(order->data, c[0], sizeof(occurring), more_frequent_first);
    for (unsigned k = 0; k < c[0]; k++)
      order->data[k] = order->data[2 * k + 1];
    res = vivify_clause(s, ref, order->data);
  }
  free(count);
  s->scratch = NULL;
  return res;
}

/* Vivify tier-2 learned clauses not vivified before, best (lowest glue,
 * shortest) first, within a propagation budget proportional to the search's
 * propagations since the last round.  Runs at level 0; 20 if UNSAT. */
int osat__vivify(osat *s) {
  osat__backtrack(s, 0);
  if (osat__propagate(s)) {
    s->inconsistent = 1;
    osat__proof_add(s, NULL, 0);
    return 20;
  }
  int64_t budget = (s->stats.propagations - s->vivify_last) *
                   s->opts.vivifyeffort / 1000;
  int64_t stop = s->stats.propagations + budget;
  unsigned *a = s->arena.data;
  size_t n = s->arena.n, count = 0, cap = 256;
  candidate *cands = s->scratch = osat__alloc(cap * sizeof *cands);
  for (size_t ref = 0; ref < n; ref += HDR + a[ref]) {
    unsigned flags = a[ref + 1];
    if ((flags & (F_REDUNDANT | F_GARBAGE | F_VIVIFIED)) != F_REDUNDANT)
      continue;
    unsigned glue = flags >> GLUE_SHIFT;
    if (glue > (unsigned)s->opts.tier2)
      continue;
    if (count == cap) {
      cap *= 2;
      cands = s->scratch = osat__realloc(cands, cap * sizeof *cands);
    }
    cands[count].key = ((uint64_t)glue << 32) | a[ref];
    cands[count].ref = (unsigned)ref;
    count++;
  }
  qsort(cands, count, sizeof *cands, better_first);
  int res = 0;
  for (size_t i = 0; i < count && !res; i++) {
    if (s->stats.propagations >= stop || s->terminate)
      break;
    if (s->arena.data[cands[i].ref + 1] & F_GARBAGE)
      continue;
    res = vivify_clause(s, cands[i].ref, NULL);
  }
  free(cands);
  s->scratch = NULL;
  if (!res && s->opts.vivifyirred)
    res = vivify_irredundant(s);
  s->vivify_last = s->stats.propagations;
  if (!res)
    osat__collect(s);
  return res;
}
