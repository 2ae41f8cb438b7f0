/* The extension stack: the clauses elimination removed, each with its
 * witness (the literal of the eliminated variable), in elimination order.
 * A model of the remaining formula becomes one of the original by walking
 * the stack backwards and making the witness of every falsified clause true
 * (Jaervisalo, Heule & Biere 2012).  A clause or assumption that mentions an
 * eliminated variable brings its clauses back first (CaDiCaL's restore), and
 * with them those of variables they mention that were eliminated later. */
#include "internal.h"

void osat__extend_push(osat *s, unsigned witness, const unsigned *lits,
                       unsigned size) {
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

/* Unit propagation over the extension stack as well as the formula, for
 * osat_propagate: its answer includes what the clauses of eliminated
 * variables imply, without restoring them (a restore undoes all
 * elimination, which the next rounds then redo).  Literals of eliminated
 * variables are given values off the trail and listed in `side` (the
 * caller clears them); others are assigned and propagated as usual.  Sweeps
 * the stack until nothing changes; returns 1 on a conflict, with a literal
 * of the falsified clause in *conflict_lit. */
int osat__extend_propagate(osat *s, uvec *side, unsigned *conflict_lit) {
  uvec *ext = &s->extension;
  signed char *vals = s->vals;
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < ext->n; i += 1 + ext->data[i]) {
      const unsigned *e = ext->data + i + 1;
      unsigned size = ext->data[i], unit = INVALID, open = 0;
      int satisfied = 0;
      for (unsigned k = 0; k < size && !satisfied && open < 2; k++) {
        signed char v = vals[e[k]];
        satisfied = v > 0;
        if (!v) {
          open++;
          unit = e[k];
        }
      }
      if (satisfied || open > 1)
        continue;
      if (!open) {
        *conflict_lit = e[0];
        return 1;
      }
      changed = 1;
      if (s->eliminated[VAR(unit)]) {
        vals[unit] = 1;
        vals[NOT(unit)] = -1;
        uvec_push(side, unit);
      } else {
        assign(s, unit, NOREASON);
        if (osat__propagate(s)) {
          *conflict_lit = s->conflict == BINTAG
                              ? s->conflict_bin[1]
                              : clause_lits(s, s->conflict)[0];
          return 1;
        }
      }
      vals = s->vals;
    }
  }
  return 0;
}
