/* Gate detection for elimination (Een & Biere 2005): when the clauses of a
 * variable contain a definition lit = AND(a1..ak), that is the binaries
 * (-lit | ai) and the clause (lit | -a1 | .. | -ak), with k = 1 an
 * equivalence, resolving gate clauses only with non-gate clauses gives a
 * formula equisatisfiable to all resolvents: the resolvents of two gate
 * clauses are tautologies and those of two non-gate clauses are implied. */
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

int osat__find_gate(osat *s, unsigned v, unsigned *gpos, unsigned *gneg) {
  if (!s->opts.gates)
    return 0;
  if (and_gate(s, LIT(v, 0), &s->pos, &s->neg, gpos, gneg))
    return 1;
  return and_gate(s, LIT(v, 1), &s->neg, &s->pos, gneg, gpos);
}
