/* Equivalent-literal substitution (Li 2000; Van Gelder 2005; CaDiCaL's
 * decompose): the literals of a strongly connected component of the binary
 * implication graph are equivalent, so each is replaced by one
 * representative.  A component holding a literal and its negation makes
 * the formula UNSAT.  Components are found by Tarjan's algorithm, without
 * recursion.  For the proof, the equivalences are added as binary lemmas
 * (RUP along the implication chains) before the rewritten clauses, which
 * come before the deletion of the old ones; the equivalences also go to the
 * extension stack, so a substituted variable is rebuilt from its
 * representative in models and restored like an eliminated one. */
#include <stdlib.h>

#include "internal.h"

#define UNVISITED 0xffffffffu

typedef struct {
  unsigned lit, pos;
} frame;

static int substituted(osat *s, const unsigned *repr, unsigned lit) {
  return repr[lit] != lit && !s->eliminated[VAR(lit)];
}

/* The successors of literal u: the other literal of each binary clause
 * watched by NOT(u), when both are unassigned. */
static int next_edge(osat *s, unsigned u, unsigned *pos, unsigned *to) {
  watches_t *w = &s->watches[NOT(u)];
  while (*pos < w->n) {
    watch x = w->data[(*pos)++];
    if ((x.ref & BINTAG) && !s->vals[x.blit]) {
      *to = x.blit;
      return 1;
    }
  }
  return 0;
}

/* repr[lit]: the representative of lit (itself when alone).  Returns 0
 * when a component holds both signs of a variable (UNSAT, proof written). */
static int components(osat *s, unsigned *repr, unsigned *index, unsigned *low,
                      frame *calls, unsigned *stack) {
  unsigned n = 2 * s->nvars, counter = 0, top = 0;
  for (unsigned l = 0; l < n; l++) {
    repr[l] = l;
    index[l] = UNVISITED;
  }
  for (unsigned root = 0; root < n; root++) {
    if (index[root] != UNVISITED || s->vals[root] || s->eliminated[VAR(root)])
      continue;
    unsigned depth = 0;
    calls[depth].lit = root;
    calls[depth].pos = 0;
    index[root] = low[root] = counter++;
    stack[top++] = root;
    while (depth != UINT32_MAX) {
      frame *f = &calls[depth];
      unsigned u = f->lit, to;
      s->ticks++;
      if (next_edge(s, u, &f->pos, &to)) {
        if (index[to] == UNVISITED) {
          index[to] = low[to] = counter++;
          stack[top++] = to;
          depth++;
          calls[depth].lit = to;
          calls[depth].pos = 0;
        } else if (low[to] != UNVISITED && index[to] < low[u])
          low[u] = index[to]; /* still on the stack: not in a component */
        continue;
      }
      if (low[u] == index[u]) { /* u is the root of a component */
        unsigned best = u, k = top;
        do {
          unsigned l = stack[--k];
          if (s->frozen[VAR(l)] != s->frozen[VAR(best)]
                  ? s->frozen[VAR(l)] > s->frozen[VAR(best)]
                  : VAR(l) < VAR(best))
            best = l;
        } while (stack[k] != u);
        for (unsigned i = k; i < top; i++) {
          repr[stack[i]] = best;
          low[stack[i]] = UNVISITED; /* done: no longer on the stack */
        }
        for (unsigned i = k; i < top; i++) {
          unsigned l = stack[i];
          if (repr[NOT(l)] == best) { /* l -> NOT(l) -> l */
            osat__proof_add(s, &l, 1);
            osat__proof_add(s, NULL, 0);
            s->inconsistent = 1;
            return 0;
          }
        }
        top = k;
      }
      if (depth--) {
        unsigned parent = calls[depth].lit;
        if (low[u] < low[parent])
          low[parent] = low[u];
      } else
        depth = UINT32_MAX;
    }
  }
  return 1;
}

/* Rewrite lits[0..size) by repr into s->resolvent (duplicates, root-false
 * literals dropped); 0 when it became a tautology or is satisfied. */
static int rewrite(osat *s, const unsigned *repr, const unsigned *lits,
                   unsigned size) {
  uvec *r = &s->resolvent;
  r->n = 0;
  int keep = 1;
  for (unsigned i = 0; i < size && keep; i++) {
    unsigned l = repr[lits[i]];
    if (s->vals[l] > 0 || s->mark[NOT(l)])
      keep = 0;
    else if (!s->vals[l] && !s->mark[l]) {
      s->mark[l] = 1;
      uvec_push(r, l);
    }
  }
  for (size_t i = 0; i < r->n; i++)
    s->mark[r->data[i]] = 0;
  return keep;
}

/* Add the rewritten clause in s->resolvent; 0 when UNSAT. */
static int add_rewritten(osat *s) {
  uvec *r = &s->resolvent;
  unsigned n = (unsigned)r->n;
  osat__proof_add(s, r->data, n);
  if (n == 0) {
    s->inconsistent = 1;
    return 0;
  }
  if (n == 1)
    return osat__root_unit(s, r->data[0]);
  if (n == 2)
    osat__add_binary(s, r->data[0], r->data[1], 0);
  else
    osat__new_clause(s, r->data, n, 0, n);
  return 1;
}

/* Substitute equivalent literals at level 0; 0 when UNSAT. */
int osat__substitute(osat *s) {
  double start = osat__now();
  unsigned n = 2 * s->nvars;
  size_t words = 4 * (size_t)n + 2 * (size_t)n + 1; /* 4 arrays + frames */
  unsigned *block = s->scratch = osat__alloc(words * sizeof *block);
  unsigned *repr = block, *index = block + n, *low = block + 2 * (size_t)n;
  unsigned *stack = block + 3 * (size_t)n;
  frame *calls = (frame *)(block + 4 * (size_t)n);
  s->ticks = 0;
  int ok = components(s, repr, index, low, calls, stack);
  unsigned count = 0;
  for (unsigned v = 0; ok && v < s->nvars; v++) {
    unsigned a = LIT(v, 0), r = repr[a];
    if (r == a || s->eliminated[v] || s->frozen[v])
      continue;
    count++;
    unsigned lits[2] = {NOT(a), r};
    osat__proof_add(s, lits, 2);
    osat__extend_push(s, NOT(a), lits, 2);
    lits[0] = a;
    lits[1] = NOT(r);
    osat__proof_add(s, lits, 2);
    osat__extend_push(s, a, lits, 2);
  }
  if (!count) {
    free(block);
    s->scratch = NULL;
    s->stats.substitute_time += osat__now() - start;
    return ok;
  }
  /* frozen variables keep their literals (their clauses stay as they are) */
  for (unsigned v = 0; v < s->nvars; v++)
    if (s->frozen[v]) {
      repr[LIT(v, 0)] = LIT(v, 0);
      repr[LIT(v, 1)] = LIT(v, 1);
    }
  size_t end = s->arena.n;
  for (size_t ref = 0; ok && ref < end; ref += HDR + s->arena.data[ref]) {
    unsigned *c = s->arena.data + ref;
    if (c[1] & F_GARBAGE)
      continue;
    unsigned k = 0;
    while (k < c[0] && !substituted(s, repr, c[HDR + k]))
      k++;
    if (k == c[0])
      continue;
    if (c[1] & F_REDUNDANT) {
      osat__mark_garbage(s, (unsigned)ref);
      continue;
    }
    int keep = rewrite(s, repr, c + HDR, c[0]);
    if (keep)
      ok = add_rewritten(s); /* may move the arena */
    osat__mark_garbage(s, (unsigned)ref);
  }
  /* binaries: rewritten ones are collected first, then added */
  uvec *pairs = &s->stack;
  pairs->n = 0;
  for (unsigned l = 0; ok && l < n; l++) {
    watches_t *w = &s->watches[l];
    unsigned j = 0;
    for (unsigned i = 0; i < w->n; i++) {
      watch x = w->data[i];
      if (!(x.ref & BINTAG) ||
          (!substituted(s, repr, l) && !substituted(s, repr, x.blit))) {
        w->data[j++] = x;
        continue;
      }
      if (l > x.blit)
        continue; /* the other copy does the work */
      if (x.ref & 1u) {
        unsigned lits[2] = {l, x.blit};
        osat__proof_delete(s, lits, 2);
        s->stats.redundant--;
      } else {
        uvec_push(pairs, l);
        uvec_push(pairs, x.blit);
      }
    }
    w->n = j;
  }
  for (size_t i = 0; ok && i < pairs->n; i += 2) {
    unsigned lits[2] = {pairs->data[i], pairs->data[i + 1]};
    if (rewrite(s, repr, lits, 2))
      ok = add_rewritten(s);
    osat__proof_delete(s, lits, 2);
    s->stats.irredundant--;
  }
  pairs->n = 0;
  for (unsigned v = 0; v < s->nvars; v++)
    if (repr[LIT(v, 0)] != LIT(v, 0) && !s->eliminated[v]) {
      s->eliminated[v] = 1;
      s->neliminated++;
      s->stats.substituted++;
      osat__dequeue(s, v);
    }
  free(block);
  s->scratch = NULL;
  osat__collect(s);
  ok = ok && osat__root_propagate(s);
  s->stats.substitute_time += osat__now() - start;
  return ok && !s->inconsistent;
}
