/* Conflict analysis: first UIP, recursive minimization (MiniSat's abstract
 * levels), glue (LBD, Audemard & Simon 2009), and the failed-assumption core
 * (MiniSat's analyzeFinal). */
#include "internal.h"

unsigned osat__glue(osat *s, const unsigned *lits, unsigned size) {
  unsigned stamp = ++s->stamp, glue = 0;
  if (!stamp) { /* wrapped: reset stamps */
    for (size_t l = 0; l <= s->levels_cap; l++)
      s->level_stamp[l] = 0;
    stamp = s->stamp = 1;
  }
  for (unsigned i = 0; i < size; i++) {
    unsigned lv = s->level[VAR(lits[i])];
    if (s->level_stamp[lv] != stamp) {
      s->level_stamp[lv] = stamp;
      glue++;
    }
  }
  return glue;
}

/* A redundant clause took part in a conflict: it is "used" (survives the next
 * reduction) and its glue may have dropped (CaDiCaL's promotion). */
static void bump_clause(osat *s, unsigned ref) {
  unsigned *c = s->arena.data + ref;
  unsigned glue = c[1] >> GLUE_SHIFT;
  if (glue > (unsigned)s->opts.tier1) {
    unsigned g = osat__glue(s, c + HDR, c[0]);
    if (g < glue) {
      glue = g;
      c[1] = (c[1] & ((1u << GLUE_SHIFT) - 1)) | (g << GLUE_SHIFT);
    }
  }
  unsigned used = glue <= (unsigned)s->opts.tier2 ? 2u : 1u;
  c[1] = (c[1] & ~USED_MASK) | (used << USED_SHIFT);
}

static inline unsigned abstract_level(osat *s, unsigned v) {
  return 1u << (s->level[v] & 31);
}

/* Is the false literal p implied by the other literals of the clause? */
static int redundant(osat *s, unsigned p, unsigned levels) {
  uvec *stack = &s->stack;
  size_t top = s->toclear.n;
  stack->n = 0;
  uvec_push(stack, p);
  while (stack->n) {
    unsigned q = stack->data[--stack->n];
    unsigned r = s->reason[VAR(q)];
    const unsigned *lits;
    unsigned n, other;
    if (r & BINTAG) {
      other = r & ~BINTAG;
      lits = &other;
      n = 1;
    } else {
      unsigned *c = s->arena.data + r;
      lits = c + HDR + 1;
      n = c[0] - 1;
    }
    for (unsigned k = 0; k < n; k++) {
      unsigned l = lits[k], v = VAR(l);
      if (s->seen[v] || !s->level[v])
        continue;
      if (s->reason[v] != NOREASON && (abstract_level(s, v) & levels)) {
        s->seen[v] = 1;
        uvec_push(stack, l);
        uvec_push(&s->toclear, v);
        continue;
      }
      for (size_t i = top; i < s->toclear.n; i++)
        s->seen[s->toclear.data[i]] = 0;
      s->toclear.n = top;
      return 0;
    }
  }
  return 1;
}

static void minimize(osat *s) {
  uvec *learnt = &s->learnt;
  unsigned levels = 0;
  for (size_t i = 1; i < learnt->n; i++)
    levels |= abstract_level(s, VAR(learnt->data[i]));
  size_t j = 1;
  for (size_t i = 1; i < learnt->n; i++) {
    unsigned l = learnt->data[i];
    if (s->reason[VAR(l)] == NOREASON || !redundant(s, l, levels))
      learnt->data[j++] = l;
  }
  s->stats.minimized_literals += (int64_t)(learnt->n - j);
  learnt->n = j;
}

void osat__analyze(osat *s) {
  uvec *learnt = &s->learnt;
  unsigned level = s->nlevels;
  learnt->n = 0;
  s->toclear.n = 0;
  uvec_push(learnt, INVALID);
  int open = 0;
  unsigned p = INVALID, r = s->conflict, other;
  size_t idx = s->trail_n;
  for (;;) {
    const unsigned *lits;
    unsigned n;
    if (r & BINTAG) {
      if (p == INVALID) {
        lits = s->conflict_bin;
        n = 2;
      } else {
        other = r & ~BINTAG;
        lits = &other;
        n = 1;
      }
    } else {
      unsigned *c = s->arena.data + r;
      lits = c + HDR;
      n = c[0];
      if (p != INVALID) {
        lits++;
        n--;
      }
      if (c[1] & F_REDUNDANT)
        bump_clause(s, r);
    }
    for (unsigned k = 0; k < n; k++) {
      unsigned q = lits[k], v = VAR(q);
      if (s->seen[v] || !s->level[v])
        continue;
      s->seen[v] = 1;
      uvec_push(&s->analyzed, v);
      if (s->level[v] >= level)
        open++;
      else {
        uvec_push(learnt, q);
        uvec_push(&s->toclear, v);
      }
    }
    do
      p = s->trail[--idx];
    while (!s->seen[VAR(p)]);
    s->seen[VAR(p)] = 0;
    if (--open <= 0)
      break;
    r = s->reason[VAR(p)];
  }
  learnt->data[0] = NOT(p);
  if (s->opts.minimize)
    minimize(s);
  for (size_t i = 0; i < s->toclear.n; i++)
    s->seen[s->toclear.data[i]] = 0;
  s->toclear.n = 0;

  /* the literal of the highest remaining level goes to position 1 */
  unsigned *L = learnt->data, n = (unsigned)learnt->n, jump = 0;
  if (n > 1) {
    unsigned best = 1;
    for (unsigned i = 2; i < n; i++)
      if (s->level[VAR(L[i])] > s->level[VAR(L[best])])
        best = i;
    unsigned t = L[1];
    L[1] = L[best];
    L[best] = t;
    jump = s->level[VAR(L[1])];
  }
  unsigned glue = osat__glue(s, L, n);
  osat__update_target(s);
  osat__proof_add(s, L, n);

  /* glucose-style moving averages of glue drive focused-mode restarts */
  emas *e = &s->lbd;
  e->count++;
  double af = 1.0 / 32, as = 1.0 / 4096;
  if (1.0 / (double)e->count > af)
    af = 1.0 / (double)e->count;
  if (1.0 / (double)e->count > as)
    as = 1.0 / (double)e->count;
  e->fast += af * ((double)glue - e->fast);
  e->slow += as * ((double)glue - e->slow);

  osat__backtrack(s, jump);
  s->stats.learned++;
  s->stats.learned_literals += n;
  if (n == 1) {
    s->stats.learned_units++;
    assign(s, L[0], NOREASON);
  } else if (n == 2) {
    s->stats.learned_binaries++;
    osat__add_binary(s, L[0], L[1], 1);
    assign(s, L[0], BINTAG | L[1]);
  } else {
    unsigned ref = osat__new_clause(s, L, n, 1, glue);
    s->arena.data[ref + 1] |= 1u << USED_SHIFT;
    assign(s, L[0], ref);
  }
  osat__bump_analyzed(s);
}

/* p is an assumption found false: collect the assumptions implying not p. */
void osat__analyze_final(osat *s, unsigned p) {
  s->failed[p] = 1;
  uvec_push(&s->core, p);
  unsigned vp = VAR(p);
  if (!s->level[vp])
    return;
  s->seen[vp] = 1;
  for (size_t i = s->trail_n; i-- > s->control[0];) {
    unsigned lit = s->trail[i], x = VAR(lit);
    if (!s->seen[x])
      continue;
    unsigned r = s->reason[x];
    if (r == NOREASON) {
      if (!s->failed[lit]) {
        s->failed[lit] = 1;
        uvec_push(&s->core, lit);
      }
    } else if (r & BINTAG) {
      unsigned o = r & ~BINTAG;
      if (s->level[VAR(o)])
        s->seen[VAR(o)] = 1;
    } else {
      unsigned *c = s->arena.data + r;
      for (unsigned k = 1; k < c[0]; k++)
        if (s->level[VAR(c[HDR + k])])
          s->seen[VAR(c[HDR + k])] = 1;
    }
    s->seen[x] = 0;
  }
  s->seen[vp] = 0;
}
