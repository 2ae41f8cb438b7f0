/* Backward subsumption and self-subsuming strengthening of irredundant
 * clauses (Een & Biere 2005, as in MiniSat's SatElite): clauses are visited
 * shortest first; a clause C marks its literals and checks the clauses in
 * the occurrence lists of its rarest variable, both signs.  A clause D with
 * every literal of C is deleted; one with all but one, which it holds
 * negated, loses that literal (D without it is the resolvent of C and D,
 * added to the proof before D is deleted). */
#include <stdlib.h>

#include "internal.h"

static int by_key(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The clauses without any of the flags in `skip` and at most `elimclslim`
 * long, shortest first, in s->pos. */
static uvec *sorted_clauses(osat *s, unsigned skip) {
  unsigned *a = s->arena.data, limit = (unsigned)s->opts.elimclslim;
  size_t count = 0;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + a[ref])
    count += !(a[ref + 1] & skip) && a[ref] <= limit;
  uint64_t *keys = s->scratch = osat__alloc((count + 1) * sizeof *keys);
  count = 0;
  for (size_t ref = 0; ref < s->arena.n; ref += HDR + a[ref])
    if (!(a[ref + 1] & skip) && a[ref] <= limit)
      keys[count++] = ((uint64_t)a[ref] << 32) | ref;
  qsort(keys, count, sizeof *keys, by_key);
  uvec *cands = &s->pos;
  cands->n = 0;
  for (size_t i = 0; i < count; i++)
    uvec_push(cands, (unsigned)keys[i]);
  free(keys);
  s->scratch = NULL;
  return cands;
}

/* The literals of clause `ref` but `lit`, into s->resolvent. */
static uvec *without_literal(osat *s, unsigned ref, unsigned lit) {
  uvec *r = &s->resolvent;
  r->n = 0;
  const unsigned *c = s->arena.data + ref;
  for (unsigned i = 0; i < c[0]; i++)
    if (c[HDR + i] != lit)
      uvec_push(r, c[HDR + i]);
  return r;
}

/* D loses `lit`; the new clause joins the lists and the candidates. */
static void strengthen(osat *s, unsigned ref, unsigned lit, uvec *cands) {
  uvec *r = without_literal(s, ref, lit);
  s->stats.strengthened++;
  osat__proof_add(s, r->data, (unsigned)r->n);
  osat__mark_garbage(s, ref);
  if (r->n == 1) {
    osat__root_unit(s, r->data[0]);
    return;
  }
  unsigned n = (unsigned)r->n;
  unsigned fresh = osat__new_clause(s, r->data, n, 0, n);
  osat__occs_push(s, fresh);
  uvec_push(cands, fresh);
}

/* Check the clauses of one literal's list against the marked clause C. */
static void against(osat *s, unsigned cref, unsigned size, unsigned lit,
                    uvec *cands) {
  uvec *occ = &s->occs[lit];
  for (size_t k = 0; k < occ->n && !s->inconsistent; k++) {
    unsigned dref = occ->data[k]; /* re-read: strengthening may grow it */
    if (dref == cref)
      continue;
    unsigned *d = s->arena.data + dref;
    if ((d[1] & F_GARBAGE) || d[0] < size)
      continue;
    s->ticks += 1 + d[0] / 4;
    unsigned hits = 0, flips = 0, flipped = INVALID;
    for (unsigned i = 0; i < d[0]; i++) {
      unsigned l = d[HDR + i];
      if (s->mark[l])
        hits++;
      else if (s->mark[NOT(l)]) {
        flips++;
        flipped = l;
      }
    }
    if (hits == size) {
      s->stats.subsumed++;
      osat__mark_garbage(s, dref);
    } else if (flips == 1 && hits + 1 == size)
      strengthen(s, dref, flipped, cands);
  }
}

void osat__subsume(osat *s) {
  double start = osat__now();
  uvec *cands = sorted_clauses(s, F_GARBAGE | F_REDUNDANT);
  for (size_t i = 0; i < cands->n; i++) {
    if (osat__inprocess_done(s))
      break;
    unsigned cref = cands->data[i];
    unsigned *c = s->arena.data + cref;
    if ((c[1] & F_GARBAGE) || c[0] > (unsigned)s->opts.elimclslim)
      continue;
    unsigned size = c[0], best = c[HDR];
    size_t fewest = SIZE_MAX;
    for (unsigned j = 0; j < size; j++) {
      unsigned l = c[HDR + j];
      size_t n = s->occs[l].n + s->occs[NOT(l)].n;
      if (n < fewest) {
        fewest = n;
        best = l;
      }
      s->mark[l] = 1;
    }
    s->ticks++;
    against(s, cref, size, best, cands);
    against(s, cref, size, NOT(best), cands);
    c = s->arena.data + cref;
    for (unsigned j = 0; j < size; j++)
      s->mark[c[HDR + j]] = 0;
  }
  cands->n = 0;
  s->stats.subsume_time += osat__now() - start;
}

/* Forward subsumption and strengthening of all clauses, learned ones
 * included (CaDiCaL's subsume round): clauses are visited shortest first;
 * each is checked against the binary clauses of its literals and against
 * the longer clauses visited before it, which are kept in one-watch lists
 * (each under its literal of fewest such clauses) in s->occs.  A learned
 * clause that subsumes an irredundant one becomes irredundant; a clause
 * strengthened keeps its kind (the shorter one is implied by the formula).
 * Runs at level 0 outside the occurrence-list phase. */

/* Make the redundant binary (a | b) irredundant (both watches). */
static void promote_binary(osat *s, unsigned a, unsigned b) {
  for (int side = 0; side < 2; side++) {
    watches_t *w = &s->watches[side ? b : a];
    unsigned other = side ? a : b;
    for (unsigned i = 0; i < w->n; i++)
      if (w->data[i].ref == (BINTAG | 1u) && w->data[i].blit == other) {
        w->data[i].ref = BINTAG;
        break;
      }
  }
  s->stats.redundant--;
  s->stats.irredundant++;
}

static void promote(osat *s, unsigned ref) {
  s->arena.data[ref + 1] &= ~F_REDUNDANT;
  s->stats.redundant--;
  s->stats.irredundant++;
}

/* C (marked) loses `lit`: a new clause of its kind; 0 when UNSAT. */
static int forward_strengthen(osat *s, unsigned cref, unsigned lit) {
  uvec *r = without_literal(s, cref, lit);
  unsigned *c = s->arena.data + cref;
  int redundant = (c[1] & F_REDUNDANT) != 0;
  unsigned glue = c[1] >> GLUE_SHIFT, used = c[1] & USED_MASK;
  unsigned n = (unsigned)r->n;
  s->stats.strengthened++;
  osat__proof_add(s, r->data, n);
  osat__mark_garbage(s, cref);
  if (n == 1) {
    if (!osat__root_unit(s, r->data[0]))
      return 0;
    return osat__root_propagate(s);
  }
  if (n == 2)
    osat__add_binary(s, r->data[0], r->data[1], redundant);
  else {
    unsigned fresh =
        osat__new_clause(s, r->data, n, redundant, glue < n ? glue : n - 1);
    s->arena.data[fresh + 1] |= used;
  }
  return 1;
}

/* Check marked clause C against the binaries of its literals and the
 * connected clauses; 1: subsumed (deleted), 2: strengthened, 0: kept. */
static int forward_one(osat *s, unsigned cref, int *ok) {
  unsigned *c = s->arena.data + cref;
  unsigned size = c[0];
  int redundant = (c[1] & F_REDUNDANT) != 0;
  for (unsigned i = 0; i < size; i++) {
    unsigned l = c[HDR + i];
    watches_t *w = &s->watches[l];
    s->ticks += 1 + w->n / 8;
    for (unsigned k = 0; k < w->n; k++) {
      watch x = w->data[k];
      if (!(x.ref & BINTAG))
        continue;
      if (s->mark[x.blit]) {
        if (!redundant && (x.ref & 1u))
          promote_binary(s, l, x.blit);
        s->stats.subsumed++;
        osat__mark_garbage(s, cref);
        return 1;
      }
      if (s->mark[NOT(x.blit)]) {
        *ok = forward_strengthen(s, cref, NOT(x.blit));
        return 2;
      }
    }
  }
  for (unsigned i = 0; i < size; i++)
    for (int sign = 0; sign < 2; sign++) {
      uvec *occ = &s->occs[c[HDR + i] ^ (unsigned)sign];
      for (size_t k = 0; k < occ->n; k++) {
        unsigned dref = occ->data[k];
        unsigned *d = s->arena.data + dref;
        if (d[1] & F_GARBAGE)
          continue;
        s->ticks += 1 + d[0] / 4;
        unsigned hits = 0, flipped = INVALID;
        for (unsigned j = 0; j < d[0]; j++) {
          unsigned l = d[HDR + j];
          if (s->mark[l])
            hits++;
          else if (s->mark[NOT(l)] && flipped == INVALID)
            flipped = l;
          else
            break;
        }
        if (hits == d[0]) {
          if (!redundant && (d[1] & F_REDUNDANT))
            promote(s, dref);
          s->stats.subsumed++;
          osat__mark_garbage(s, cref);
          return 1;
        }
        if (flipped != INVALID && hits + 1 == d[0]) {
          *ok = forward_strengthen(s, cref, NOT(flipped));
          return 2;
        }
      }
    }
  return 0;
}

/* Returns 0 when the formula became UNSAT. */
int osat__subsume_forward(osat *s) {
  double start = osat__now();
  uvec *cands = sorted_clauses(s, F_GARBAGE);
  s->occs = osat__alloc(2 * (size_t)s->nvars * sizeof *s->occs);
  int ok = 1;
  for (size_t i = 0; ok && i < cands->n; i++) {
    if (osat__inprocess_done(s))
      break;
    unsigned cref = cands->data[i];
    unsigned *c = s->arena.data + cref;
    if (c[1] & F_GARBAGE)
      continue;
    unsigned size = c[0], j;
    for (j = 0; j < size && !s->vals[c[HDR + j]]; j++)
      s->mark[c[HDR + j]] = 1;
    int result = j < size ? -1 : forward_one(s, cref, &ok);
    c = s->arena.data + cref; /* strengthening may move the arena */
    for (unsigned k = 0; k < j; k++)
      s->mark[c[HDR + k]] = 0;
    if (result)
      continue;
    unsigned best = c[HDR];
    for (unsigned k = 1; k < size; k++)
      if (s->occs[c[HDR + k]].n < s->occs[best].n)
        best = c[HDR + k];
    uvec_push(&s->occs[best], cref);
  }
  cands->n = 0;
  for (size_t l = 0; l < 2 * (size_t)s->nvars; l++)
    free(s->occs[l].data);
  free(s->occs);
  s->occs = NULL;
  osat__collect(s);
  s->stats.subsume_time += osat__now() - start;
  return ok && !s->inconsistent;
}
