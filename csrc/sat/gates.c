/* Gate detection for elimination (Een & Biere 2005; Kissat's gates): when
 * the clauses of a variable contain a definition of it, resolving gate
 * clauses only with non-gate clauses gives a formula equisatisfiable to all
 * resolvents: the resolvents of two gate clauses are tautologies and those
 * of two non-gate clauses are implied.  Found are
 * - lit = AND(a1..ak): the binaries (-lit | ai) and (lit | -a1 | .. | -ak),
 *   with k = 1 an equivalence;
 * - v = ITE(c, t, e): (-v | -c | t), (-v | c | e), (v | -c | -t),
 *   (v | c | -e);
 * - v = XOR of up to `xorsize` - 1 others: the 2^(n-1) clauses over the n
 *   variables whose numbers of negative literals have one parity. */
#include "internal.h"

static void to_front(uvec *list, size_t at, unsigned *front) {
  unsigned t = list->data[*front];
  list->data[*front] = list->data[at];
  list->data[at] = t;
  (*front)++;
}

/* lit = AND(..) with the long clause in `with` (clauses containing lit) and
 * the binaries in `without` (containing -lit); reorders both lists to put
 * the gate's clauses first and returns their numbers, or 0. */
static int and_gate(osat *s, unsigned lit, uvec *with, uvec *without,
                    unsigned *gwith, unsigned *gwithout) {
  unsigned *a = s->arena.data;
  int found = 0;
  for (size_t i = 0; i < without->n; i++) {
    unsigned *c = a + without->data[i];
    if (c[0] == 2)
      s->mark[c[HDR] ^ c[HDR + 1] ^ NOT(lit)] = 1;
  }
  size_t at = 0;
  for (; at < with->n && !found; at++) {
    unsigned *c = a + with->data[at];
    s->ticks++;
    found = 1;
    for (unsigned j = 0; j < c[0] && found; j++)
      if (c[HDR + j] != lit && !s->mark[NOT(c[HDR + j])])
        found = 0;
  }
  for (size_t i = 0; i < without->n; i++) {
    unsigned *c = a + without->data[i];
    if (c[0] == 2)
      s->mark[c[HDR] ^ c[HDR + 1] ^ NOT(lit)] = 0;
  }
  if (!found)
    return 0;
  unsigned *c = a + with->data[at - 1];
  *gwith = *gwithout = 0;
  to_front(with, at - 1, gwith);
  for (unsigned j = 0; j < c[0]; j++) {
    unsigned other = NOT(c[HDR + j]);
    if (c[HDR + j] == lit)
      continue;
    for (size_t i = *gwithout; i < without->n; i++) {
      unsigned *d = a + without->data[i];
      if (d[0] == 2 && (d[HDR] ^ d[HDR + 1] ^ NOT(lit)) == other) {
        to_front(without, i, gwithout);
        break;
      }
    }
  }
  return 1;
}

/* The index at or after `from` in `list` of a ternary clause holding a, b
 * and c, or -1. */
static long find_ternary(osat *s, const uvec *list, size_t from, unsigned a,
                         unsigned b, unsigned c) {
  for (size_t i = from; i < list->n; i++) {
    const unsigned *d = s->arena.data + list->data[i];
    s->ticks++;
    if (d[0] != 3)
      continue;
    unsigned hits = 0;
    for (unsigned k = 0; k < 3; k++)
      hits += d[HDR + k] == a || d[HDR + k] == b || d[HDR + k] == c;
    if (hits == 3)
      return (long)i;
  }
  return -1;
}

/* The two literals of ternary clause `ref` other than `lit`. */
static void others(osat *s, unsigned ref, unsigned lit, unsigned *x,
                   unsigned *y) {
  const unsigned *d = s->arena.data + ref + HDR;
  unsigned k = d[0] == lit ? 1 : 0;
  *x = d[k];
  *y = d[k + 1 + (d[k + 1] == lit)];
}

/* v = ITE(-x, t, e) as (-v|x|t), (-v|-x|e) in neg, (v|x|-t), (v|-x|-e) in
 * pos (Kissat's if-then-else gate); gate clauses moved to the front. */
static int ite_gate(osat *s, unsigned v, unsigned *gpos, unsigned *gneg) {
  unsigned pl = LIT(v, 0), nl = LIT(v, 1);
  uvec *pos = &s->pos, *neg = &s->neg;
  unsigned *a = s->arena.data;
  for (size_t i = 0; i < neg->n; i++) {
    if (a[neg->data[i]] != 3)
      continue;
    unsigned c1[2];
    others(s, neg->data[i], nl, &c1[0], &c1[1]);
    for (size_t j = i + 1; j < neg->n; j++) {
      if (a[neg->data[j]] != 3 || osat__inprocess_done(s))
        continue;
      unsigned c2[2];
      others(s, neg->data[j], nl, &c2[0], &c2[1]);
      s->ticks++;
      for (unsigned p = 0; p < 2; p++)
        for (unsigned q = 0; q < 2; q++) {
          if (c1[p] != NOT(c2[q]))
            continue;
          unsigned x = c1[p], t = c1[1 - p], e = c2[1 - q];
          if (VAR(t) == VAR(x) || VAR(e) == VAR(x))
            continue;
          long k1 = find_ternary(s, pos, 0, pl, x, NOT(t));
          long k2 = k1 < 0 ? -1 : find_ternary(s, pos, 0, pl, NOT(x), NOT(e));
          if (k2 < 0 || k1 == k2)
            continue;
          *gneg = *gpos = 0;
          to_front(neg, i, gneg);
          to_front(neg, j, gneg);
          to_front(pos, (size_t)k1, gpos);
          to_front(pos, (size_t)k2 == 0 ? (size_t)k1 : (size_t)k2, gpos);
          return 1;
        }
    }
  }
  return 0;
}

static unsigned odd(unsigned pattern) {
  unsigned parity = 0;
  for (; pattern; pattern &= pattern - 1)
    parity ^= 1u;
  return parity;
}

/* v XOR the other variables of a clause of `pos` (n <= xorsize in all) has
 * a fixed parity: every sign pattern of that parity must be a clause. */
static int xor_gate(osat *s, unsigned v, unsigned *gpos, unsigned *gneg) {
  unsigned pl = LIT(v, 0);
  uvec *pos = &s->pos, *neg = &s->neg;
  unsigned *a = s->arena.data;
  unsigned limit = (unsigned)s->opts.xorsize;
  for (size_t i = 0; i < pos->n; i++) {
    const unsigned *c = a + pos->data[i];
    unsigned n = c[0];
    if (n < 3 || n > limit || osat__inprocess_done(s))
      continue;
    unsigned vars[8], parity = 0, k;
    vars[0] = v; /* bit 0 of a pattern: the sign of v */
    for (unsigned j = 0, m = 1; j < n; j++)
      if (c[HDR + j] != pl) {
        vars[m++] = VAR(c[HDR + j]);
        parity ^= NEG(c[HDR + j]);
      }
    /* which sign patterns are present (bit k: the sign of vars[k]), and in
     * which clause */
    uint32_t found = 0;
    unsigned where[32];
    for (int side = 0; side < 2; side++) {
      uvec *list = side ? neg : pos;
      for (size_t j = 0; j < list->n; j++) {
        const unsigned *d = a + list->data[j];
        s->ticks++;
        if (d[0] != n)
          continue;
        unsigned pattern = 0, hits = 0;
        for (unsigned l = 0; l < n; l++)
          for (k = 0; k < n; k++)
            if (VAR(d[HDR + l]) == vars[k]) {
              pattern |= NEG(d[HDR + l]) << k;
              hits++;
              break;
            }
        if (hits != n || (found >> pattern & 1u))
          continue;
        found |= 1u << pattern;
        where[pattern] = list->data[j];
      }
    }
    unsigned missing = 0;
    for (unsigned pattern = 0; pattern < (1u << n); pattern++)
      missing += odd(pattern) == parity &&
                 !(found >> pattern & 1u);
    if (missing)
      continue;
    /* move them to the front (found by reference: moves shift indices) */
    *gpos = *gneg = 0;
    for (unsigned pattern = 0; pattern < (1u << n); pattern++) {
      if (odd(pattern) != parity)
        continue;
      uvec *list = pattern & 1u ? neg : pos;
      unsigned *front = pattern & 1u ? gneg : gpos;
      unsigned ref = where[pattern];
      for (size_t j = *front; j < list->n; j++)
        if (list->data[j] == ref) {
          to_front(list, j, front);
          break;
        }
    }
    return 1;
  }
  return 0;
}

int osat__find_gate(osat *s, unsigned v, unsigned *gpos, unsigned *gneg) {
  if (!s->opts.gates)
    return 0;
  if (and_gate(s, LIT(v, 0), &s->pos, &s->neg, gpos, gneg))
    return 1;
  if (and_gate(s, LIT(v, 1), &s->neg, &s->pos, gneg, gpos))
    return 1;
  if (s->opts.ites && ite_gate(s, v, gpos, gneg))
    return 1;
  return s->opts.xors && xor_gate(s, v, gpos, gneg);
}
