/* Bounded variable elimination (Een & Biere 2005; Kissat's and CaDiCaL's
 * elim): a variable goes when its non-tautological resolvents are no more
 * than the clauses it occurs in (plus `elimbound`), none longer than
 * `elimclslim`.  The resolvents are added (and written to the proof) before
 * its clauses leave for the extension stack, which rebuilds its value in a
 * model.  The proof keeps the eliminated clauses: a later clause may bring
 * them back (restore), and a checker reads every original clause first. */
#include <stdlib.h>

#include "internal.h"

/* Gather the live clauses of `lit` into `list` (dropping garbage from the
 * occurrence list); 0 when one is too long. */
static int gather(osat *s, unsigned lit, uvec *list) {
  list->n = 0;
  uvec *occ = &s->occs[lit];
  size_t j = 0;
  int fits = 1;
  for (size_t i = 0; i < occ->n; i++) {
    unsigned ref = occ->data[i];
    unsigned *c = s->arena.data + ref;
    if (c[1] & F_GARBAGE)
      continue;
    s->ticks++;
    int satisfied = 0;
    for (unsigned k = 0; k < c[0] && !satisfied; k++)
      satisfied = s->vals[c[HDR + k]] > 0;
    if (satisfied) {
      osat__mark_garbage(s, ref);
      continue;
    }
    occ->data[j++] = ref;
    if (c[0] > (unsigned)s->opts.elimclslim)
      fits = 0;
    uvec_push(list, ref);
  }
  occ->n = j;
  return fits;
}

/* The resolvent of two clauses on `pivot` (positive in the first) into
 * s->resolvent without root-false literals; 0 when tautological or
 * satisfied. */
static int resolve(osat *s, unsigned pref, unsigned nref, unsigned pivot) {
  uvec *r = &s->resolvent;
  r->n = 0;
  unsigned *c = s->arena.data + pref, *d = s->arena.data + nref;
  s->ticks += 1 + (c[0] + d[0]) / 8;
  int keep = 1;
  for (unsigned i = 0; i < c[0]; i++) {
    unsigned l = c[HDR + i];
    if (l == pivot || s->vals[l] < 0)
      continue;
    s->mark[l] = 1;
    uvec_push(r, l);
  }
  size_t from_c = r->n;
  for (unsigned i = 0; i < d[0] && keep; i++) {
    unsigned l = d[HDR + i];
    if (l == NOT(pivot) || s->vals[l] < 0 || s->mark[l])
      continue;
    if (s->mark[NOT(l)] || s->vals[l] > 0)
      keep = 0;
    else
      uvec_push(r, l);
  }
  for (size_t i = 0; i < from_c; i++)
    s->mark[r->data[i]] = 0;
  return keep;
}

static int gate_pair(unsigned i, unsigned j, unsigned gpos, unsigned gneg,
                     int gate) {
  /* with a gate, only gate x non-gate pairs */
  return !gate || ((i < gpos) != (j < gneg));
}

/* Eliminate v when the bound allows; returns 1 when it did. */
static int try_eliminate(osat *s, unsigned v) {
  unsigned char *touched = s->dirty;
  unsigned pl = LIT(v, 0);
  if (!gather(s, pl, &s->pos) || !gather(s, NOT(pl), &s->neg))
    return 0;
  size_t np = s->pos.n, nn = s->neg.n;
  if (np + nn > (size_t)s->opts.elimocclim)
    return 0;
  unsigned gpos = 0, gneg = 0;
  int gate = np && nn && osat__find_gate(s, v, &gpos, &gneg);
  size_t bound = np + nn + (size_t)s->opts.elimbound, count = 0;
  size_t literals = 0, literal_bound = SIZE_MAX;
  if (s->opts.elimlits) {
    literal_bound = 0;
    for (int side = 0; side < 2; side++) {
      uvec *list = side ? &s->neg : &s->pos;
      for (size_t i = 0; i < list->n; i++)
        literal_bound += s->arena.data[list->data[i]];
    }
  }
  for (unsigned i = 0; i < np; i++)
    for (unsigned j = 0; j < nn; j++) {
      if (!gate_pair(i, j, gpos, gneg, gate) ||
          !resolve(s, s->pos.data[i], s->neg.data[j], pl))
        continue;
      literals += s->resolvent.n;
      if (++count > bound || s->resolvent.n > (size_t)s->opts.elimclslim ||
          literals > literal_bound || osat__inprocess_done(s))
        return 0;
    }
  s->stats.gates += gate;
  for (unsigned i = 0; i < np && !s->inconsistent; i++)
    for (unsigned j = 0; j < nn && !s->inconsistent; j++) {
      if (!gate_pair(i, j, gpos, gneg, gate) ||
          !resolve(s, s->pos.data[i], s->neg.data[j], pl))
        continue;
      uvec *r = &s->resolvent;
      unsigned n = (unsigned)r->n;
      s->stats.resolvents++;
      osat__proof_add(s, r->data, n);
      for (unsigned k = 0; k < n; k++)
        touched[VAR(r->data[k])] = 1;
      if (n == 0) {
        s->inconsistent = 1;
      } else if (n == 1) {
        osat__root_unit(s, r->data[0]);
      } else {
        unsigned ref = osat__new_clause(s, r->data, n, 0, n);
        osat__occs_push(s, ref);
      }
    }
  if (s->inconsistent)
    return 0;
  for (int side = 0; side < 2; side++) {
    uvec *list = side ? &s->neg : &s->pos;
    for (size_t i = 0; i < list->n; i++) {
      unsigned ref = list->data[i];
      unsigned *c = s->arena.data + ref;
      for (unsigned k = 0; k < c[0]; k++)
        touched[VAR(c[HDR + k])] = 1;
      osat__extend_push(s, LIT(v, side), c + HDR, c[0]);
      osat__drop_silently(s, ref);
    }
  }
  s->eliminated[v] = 1;
  s->neliminated++;
  s->stats.eliminated++;
  osat__dequeue(s, v);
  return 1;
}

static int by_key(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Passes over the candidates, fewest occurrences first: the variables
 * whose irredundant clauses lost members or resolvents since they were last
 * tried (Kissat's), all of them at first. */
void osat__eliminate(osat *s) {
  double start = osat__now();
  unsigned n = s->nvars;
  uint64_t *keys = s->scratch = osat__alloc(((size_t)n + 1) * sizeof *keys);
  unsigned char *dirty = s->dirty;
  int progress = 1;
  for (unsigned pass = 0; progress && pass < 8 && !osat__inprocess_done(s);
       pass++) {
    progress = 0;
    size_t count = 0;
    for (unsigned v = 0; v < n; v++) {
      if (!dirty[v] || s->eliminated[v] || s->frozen[v] || s->vals[LIT(v, 0)])
        continue;
      uint64_t occ = s->occs[LIT(v, 0)].n + s->occs[LIT(v, 1)].n;
      keys[count++] = (occ << 32) | v;
    }
    qsort(keys, count, sizeof *keys, by_key);
    for (size_t i = 0; i < count; i++) {
      if (osat__inprocess_done(s))
        break;
      unsigned v = (unsigned)keys[i];
      if (s->vals[LIT(v, 0)])
        continue;
      s->dirty[v] = 0;
      progress |= try_eliminate(s, v);
    }
  }
  free(keys);
  s->scratch = NULL;
  s->stats.elim_time += osat__now() - start;
}
