/* The extension stack: the clauses elimination removed, each with its
 * witness (the literal of the eliminated variable), in elimination order.
 * A model of the remaining formula becomes one of the original by walking
 * the stack backwards and making the witness of every falsified clause true
 * (Jaervisalo, Heule & Biere 2012).  A clause or assumption that mentions an
 * eliminated variable brings its clauses back first (CaDiCaL's restore), and
 * with them those of variables they mention that were eliminated later. */
#include <stdlib.h>

#include "internal.h"

void osat__extend_push(osat *s, unsigned witness, const unsigned *lits,
                       unsigned size) {
  s->ext_changes++;
  uvec_push(&s->extension, size);
  uvec_push(&s->extension, witness);
  for (unsigned i = 0; i < size; i++)
    if (lits[i] != witness)
      uvec_push(&s->extension, lits[i]);
}

static inline int true_in_model(const signed char *model, unsigned lit) {
  signed char m = model[VAR(lit)];
  return NEG(lit) ? m < 0 : m > 0;
}

void osat__extend_model(osat *s) {
  if (!s->neliminated && !s->extension.n)
    return;
  signed char *model = s->model;
  for (unsigned v = 0; v < s->nvars; v++) /* the phase, as a decision */
    if (s->eliminated[v])
      model[v] = s->saved[v] ? -1 : 1;
  uvec *starts = &s->stack;
  starts->n = 0;
  uvec *ext = &s->extension;
  for (size_t i = 0; i < ext->n; i += 1 + ext->data[i])
    uvec_push(starts, (unsigned)i);
  for (size_t k = starts->n; k-- > 0;) {
    const unsigned *e = ext->data + starts->data[k];
    unsigned size = e[0];
    int satisfied = 0;
    for (unsigned i = 0; i < size && !satisfied; i++)
      satisfied = true_in_model(model, e[1 + i]);
    if (!satisfied)
      model[VAR(e[1])] = NEG(e[1]) ? -1 : 1;
  }
  starts->n = 0;
}

/* Mark the eliminated variables among lits[0..n) (all of them when lits is
 * NULL) for the next osat__restore: clauses only mark them, and the next
 * solve or propagate restores them all in one walk of the stack (as
 * CaDiCaL does), since a walk per added clause is quadratic. */
void osat__taint(osat *s, const unsigned *lits, size_t n) {
  if (!s->neliminated)
    return;
  unsigned char *elim = s->eliminated;
  if (!lits)
    n = s->nvars;
  for (size_t i = 0; i < n; i++) {
    unsigned v = lits ? VAR(lits[i]) : (unsigned)i;
    if (elim[v] == 1) {
      elim[v] = 2;
      uvec_push(&s->tainted, v);
    }
  }
}

/* Bring back the tainted variables, with their clauses. */
void osat__restore(osat *s) {
  uvec *tainted = &s->tainted, *back = &s->pos;
  back->n = 0;
  unsigned char *elim = s->eliminated;
  if (!tainted->n)
    return;
  /* a variable in a clause of x was still present when x went, so its own
   * clauses come later on the stack: one forward walk finds them all */
  uvec *ext = &s->extension;
  size_t j = 0;
  for (size_t i = 0; i < ext->n;) {
    unsigned size = ext->data[i];
    if (elim[VAR(ext->data[i + 1])] != 2) {
      for (unsigned k = 0; k <= size; k++)
        ext->data[j++] = ext->data[i + k];
      i += 1 + size;
      continue;
    }
    uvec_push(back, size);
    for (unsigned k = 1; k <= size; k++) {
      unsigned l = ext->data[i + k];
      uvec_push(back, l);
      if (elim[VAR(l)] == 1) {
        elim[VAR(l)] = 2;
        uvec_push(tainted, VAR(l));
      }
    }
    i += 1 + size;
  }
  ext->n = j;
  s->ext_changes++;
  for (size_t i = 0; i < tainted->n; i++) {
    unsigned v = tainted->data[i];
    elim[v] = 0;
    s->neliminated--;
    s->stats.restored++;
    osat__enqueue(s, v);
    osat__heap_insert(s, v);
  }
  tainted->n = 0;
  for (size_t i = 0; i < back->n; i += 1 + back->data[i])
    osat__add_irredundant(s, back->data + i + 1, back->data[i]);
  back->n = 0;
}

/* Per literal, the offsets of the stack entries holding it. */
static void index_extension(osat *s) {
  free(s->ext_start);
  free(s->ext_occs);
  s->ext_start = s->ext_occs = NULL;
  size_t nlits = 2 * (size_t)s->nvars, total = 0;
  unsigned *start = s->ext_start = osat__alloc((nlits + 1) * sizeof *start);
  const uvec *ext = &s->extension;
  for (size_t i = 0; i < ext->n; i += 1 + ext->data[i])
    for (unsigned k = 1; k <= ext->data[i]; k++, total++)
      start[ext->data[i + k]]++;
  unsigned sum = 0;
  for (size_t l = 0; l <= nlits; l++) { /* start[l]: the end of l's range */
    sum += start[l];
    start[l] = sum;
  }
  unsigned *occs = s->ext_occs = osat__alloc((total + 1) * sizeof *occs);
  for (size_t i = 0; i < ext->n; i += 1 + ext->data[i])
    for (unsigned k = 1; k <= ext->data[i]; k++)
      occs[--start[ext->data[i + k]]] = (unsigned)i;
  s->ext_nlits = nlits;
  s->ext_indexed = s->ext_changes;
}

/* The entry at offset i now has `lit` false: 1 when it is falsified (a
 * conflict), else it may assign its last open literal. */
static int visit_entry(osat *s, size_t i, uvec *side, unsigned *conflict_lit) {
  const unsigned *e = s->extension.data + i + 1;
  unsigned size = e[-1], unit = INVALID, open = 0;
  for (unsigned k = 0; k < size; k++) {
    signed char v = s->vals[e[k]];
    if (v > 0)
      return 0;
    if (!v && ++open > 1)
      return 0;
    if (!v)
      unit = e[k];
  }
  if (!open) {
    *conflict_lit = e[0];
    return 1;
  }
  if (s->eliminated[VAR(unit)]) { /* off the trail: no watches to visit */
    s->vals[unit] = 1;
    s->vals[NOT(unit)] = -1;
    uvec_push(side, unit);
    return 0;
  }
  assign(s, unit, NOREASON);
  if (!osat__propagate(s))
    return 0;
  *conflict_lit = s->conflict == BINTAG ? s->conflict_bin[1]
                                        : clause_lits(s, s->conflict)[0];
  return 1;
}

/* Unit propagation over the extension stack as well as the formula, for
 * osat_propagate: its answer includes what the clauses of eliminated
 * variables imply (they are implied by the formula), without restoring
 * them (a restore undoes all elimination, which the next rounds then
 * redo).  Literals of eliminated variables are given values off the trail
 * and listed in `side` (the caller clears them); others are assigned and
 * propagated as usual.  Visits the entries holding the negation of each
 * literal assigned since trail position `from` or `side` position
 * `side_from` (an index of the stack by literal, rebuilt when the stack
 * changed); returns 1 on a conflict, with a literal of the falsified entry
 * in *conflict_lit. */
int osat__extend_propagate(osat *s, unsigned from, uvec *side,
                           size_t side_from, unsigned *conflict_lit) {
  if (!s->ext_start || s->ext_indexed != s->ext_changes)
    index_extension(s);
  size_t done_side = side_from; /* earlier ones were visited when assigned */
  for (unsigned t = from;;) {
    unsigned lit;
    if (t < s->trail_n)
      lit = s->trail[t++];
    else if (done_side < side->n)
      lit = side->data[done_side++];
    else
      return 0;
    unsigned f = NOT(lit);
    if (f >= s->ext_nlits)
      continue;
    for (unsigned k = s->ext_start[f]; k < s->ext_start[f + 1]; k++) {
      s->ticks++;
      if (visit_entry(s, s->ext_occs[k], side, conflict_lit))
        return 1;
    }
  }
}
