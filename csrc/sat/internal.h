/* The solver struct and the helpers every concern shares.
 *
 * Internal literals: variable v (0-based, DIMACS v+1) has literals 2v
 * (positive) and 2v+1 (negative).  Values are stored per literal (1 true,
 * -1 false, 0 unassigned) so that a value test is one load.
 */
#ifndef OSAT_INTERNAL_H
#define OSAT_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "options.h"
#include "osat.h"

#define NOT(l) ((l) ^ 1u)
#define VAR(l) ((l) >> 1)
#define NEG(l) ((l) & 1u)
#define LIT(v, neg) (((unsigned)(v) << 1) | (unsigned)(neg))

/* Watches and reasons use the top bit to mark binary clauses, which live only
 * in the watch lists (the other literal is the whole clause). */
#define BINTAG 0x80000000u
#define NOREASON 0xffffffffu
#define INVALID 0xffffffffu

/* Clause layout in the arena (32-bit words): size, flags, the position where
 * propagation last found a replacement watch (Gent 2013), literals. */
#define HDR 3
#define POS 2
#define F_REDUNDANT 1u
#define F_GARBAGE 2u
#define F_MOVED 4u
#define F_VIVIFIED 8u
#define USED_SHIFT 4
#define USED_MASK (3u << USED_SHIFT)
#define GLUE_SHIFT 8

typedef struct {
  unsigned blit; /* blocking literal (for binaries: the other literal) */
  unsigned ref;  /* arena offset, or BINTAG (| 1 when redundant) */
} watch;

typedef struct {
  watch *data;
  unsigned n, cap;
} watches_t;

typedef struct {
  unsigned *data;
  size_t n, cap;
} uvec;

typedef struct {
  unsigned prev, next;
} qlink;

typedef struct {
  double fast, slow;
  int64_t count;
} emas;

typedef struct {
#define OSAT_OPTION_FIELD(name, def, lo, hi, desc) int64_t name;
  OSAT_OPTIONS(OSAT_OPTION_FIELD)
#undef OSAT_OPTION_FIELD
} options;

struct osat {
  /* variables */
  unsigned nvars, cap;
  signed char *vals;   /* per literal */
  unsigned *level;     /* per variable */
  unsigned *reason;    /* per variable: NOREASON, BINTAG|other, or arena ref */
  unsigned char *seen; /* per variable, scratch of analysis */
  unsigned char *saved, *target, *best; /* phases: 0 positive, 1 negative */
  signed char *initial;                 /* user phase: 0 none, 1 pos, -1 neg */
  /* predicted phases (osat_set_predictions), apart from the saved ones:
   * per variable 0 none, else 1 + score in per mille; npredicted entries */
  unsigned short *predicted;
  unsigned npredicted;
  int predictions_pending; /* not yet made initial phases */
  unsigned char *mark;                  /* per literal, scratch */
  unsigned char *failed;                /* per literal, failed assumptions */
  signed char *model;                   /* per variable after SAT */

  /* trail */
  unsigned *trail, trail_n, qhead;
  unsigned *control, nlevels; /* control[l]: trail index of decision level l+1 */
  size_t levels_cap; /* of control and level_stamp: variables + assumptions */

  /* decisions: VMTF queue (focused mode) */
  qlink *links;
  uint64_t *btab, queue_stamp;
  unsigned queue_first, queue_last, queue_search;
  void *bump_scratch;
  size_t bump_scratch_cap;
  uvec analyzed;

  /* decisions: EVSIDS heap (stable mode) */
  double *score, score_inc;
  unsigned *heap, *heap_pos, heap_n;

  /* clauses */
  watches_t *watches; /* per literal: clauses watching it (visited when false) */
  uvec arena;
  size_t garbage_words;
  unsigned conflict;  /* arena ref, or BINTAG for a binary conflict */
  unsigned conflict_bin[2];

  /* scratch */
  uvec clause, learnt, stack, toclear, assumptions, levels, core;
  uvec implied; /* DIMACS literals found by osat_propagate */
  unsigned *level_stamp; /* per level (size levels_cap + 1) */
  unsigned stamp;

  int inconsistent;
  int out_of_memory; /* an allocation failed: only osat_release is safe */
  void *scratch;     /* a temporary array of reduce/vivify, freed by release */
  int adding_bad;
  int last_result;
  int limit_reached;

  /* search state */
  int stable;
  int64_t mode_limit, mode_length;
  int64_t restart_next, luby_index, luby_left;
  emas lbd;
  int64_t reduce_next, reductions_done;
  int64_t rephase_next, rephase_count;
  unsigned target_size, best_size;
  /* inprocessing: occurrence lists of irredundant clauses during a round,
   * eliminated and frozen variables, the extension stack (entries: size,
   * witness literal, the other literals) */
  uvec *occs;         /* per literal, NULL outside a round */
  unsigned char *eliminated, *frozen; /* per variable */
  unsigned char *dirty; /* per variable: its irredundant clauses changed */
  int64_t search_ticks; /* propagation work: watch lists and clauses visited */
  uvec extension;
  uvec tainted; /* eliminated variables to restore when a solve starts */
  /* osat_propagate's index of the extension stack: the offsets of the
   * entries holding each literal (CSR), valid while ext_indexed equals
   * ext_changes; literals from ext_nlits on are in none */
  unsigned *ext_start, *ext_occs;
  size_t ext_nlits;
  int64_t ext_changes, ext_indexed;
  uvec pos, neg, resolvent; /* scratch of elimination */
  unsigned neliminated;
  int64_t ticks, ticks_limit; /* work of the current round */
  int64_t inprocess_next, inprocess_last, inprocess_rounds, inprocess_polls;
  int terminate_round; /* a limit or interrupt came during a round */
  int preprocessed;
  int64_t simplify_units; /* trail size at level 0 when last simplified */
  int64_t simplify_next, vivify_last;
  int vivify_pending;
  int save_phases; /* off while vivifying: its assignments are not search's */
  int initialized;
  uint64_t random;

  /* limits of the current solve */
  int64_t conflict_limit_next, propagation_limit_next;
  double time_limit_next;
  int64_t conflict_limit, propagation_limit;
  double deadline, solve_start;
  volatile int terminate;
  int (*poll)(void *);
  void *poll_data;
  double poll_last;

  /* proof */
  FILE *proof;
  int proof_binary, proof_owned;
  unsigned proof_units; /* level-0 trail prefix already written as units */

  FILE *report;
  double report_last;

  options opts;
  osat_statistics stats;
};

/* solver.c */

/* Allocation failure: the API entry points (osat_add, osat_solve, ...) set
 * a jump target (GUARD_BEGIN); osat__alloc/realloc jump there when an
 * allocation fails, and the entry point marks the solver out of memory and
 * returns its error value instead of aborting the process. */
extern __thread jmp_buf *osat__oom_target;
void osat__out_of_memory(const char *what, size_t bytes);

#define GUARD_BEGIN(s, fail)                                                  \
  jmp_buf guard_here_;                                                        \
  jmp_buf *volatile guard_outer_ = osat__oom_target;                          \
  if ((s)->out_of_memory)                                                     \
    return (fail);                                                            \
  if (setjmp(guard_here_)) {                                                  \
    osat__oom_target = guard_outer_;                                          \
    (s)->out_of_memory = 1;                                                   \
    return (fail);                                                            \
  }                                                                           \
  osat__oom_target = &guard_here_
#define GUARD_END() (osat__oom_target = guard_outer_)

void *osat__alloc(size_t bytes);
void *osat__realloc(void *p, size_t bytes);
void osat__uvec_push(uvec *, unsigned);
void osat__grow_vars(osat *, unsigned nvars);
void osat__reserve_levels(osat *);
double osat__now(void);

static inline void uvec_push(uvec *v, unsigned x) {
  if (v->n == v->cap)
    osat__uvec_push(v, x);
  else
    v->data[v->n++] = x;
}

static inline unsigned ext2int(int e) {
  return e > 0 ? 2u * (unsigned)(e - 1) : 2u * (unsigned)(-e - 1) + 1u;
}
static inline int int2ext(unsigned l) {
  int v = (int)(l >> 1) + 1;
  return (l & 1u) ? -v : v;
}

static inline unsigned *clause_lits(osat *s, unsigned ref) {
  return s->arena.data + ref + HDR;
}
static inline unsigned clause_size(osat *s, unsigned ref) {
  return s->arena.data[ref];
}
static inline unsigned clause_glue(osat *s, unsigned ref) {
  return s->arena.data[ref + 1] >> GLUE_SHIFT;
}

static inline void assign(osat *s, unsigned lit, unsigned reason) {
  unsigned v = VAR(lit);
  s->vals[lit] = 1;
  s->vals[NOT(lit)] = -1;
  s->level[v] = s->nlevels;
  s->reason[v] = s->nlevels ? reason : NOREASON;
  s->trail[s->trail_n++] = lit;
}

/* clause.c */
void osat__watch_push(watches_t *, unsigned blit, unsigned ref);
void osat__watch_grow(watches_t *);

/* The inlined fast path of osat__watch_push (propagation's hot loop). */
static inline void watch_push(watches_t *w, unsigned blit, unsigned ref) {
  if (w->n == w->cap)
    osat__watch_grow(w);
  w->data[w->n].blit = blit;
  w->data[w->n].ref = ref;
  w->n++;
}
unsigned osat__new_clause(osat *, const unsigned *lits, unsigned size,
                          int redundant, unsigned glue);
void osat__add_binary(osat *, unsigned a, unsigned b, int redundant);
void osat__mark_garbage(osat *, unsigned ref);
void osat__drop_silently(osat *, unsigned ref);
void osat__collect(osat *);
int osat__add_original(osat *, const unsigned *lits, unsigned size);
void osat__add_irredundant(osat *, const unsigned *lits, unsigned size);

/* propagate.c */
int osat__propagate(osat *);

/* analyze.c */
void osat__analyze(osat *);
void osat__analyze_final(osat *, unsigned failed_lit);
unsigned osat__glue(osat *, const unsigned *lits, unsigned size);

/* queue.c */
void osat__enqueue(osat *, unsigned v);
void osat__dequeue(osat *, unsigned v);
void osat__queue_unassigned(osat *, unsigned v);
void osat__queue_bump(osat *, const unsigned *vars, size_t n);
unsigned osat__queue_next(osat *);

/* decide.c */
void osat__bump_analyzed(osat *);
void osat__heap_insert(osat *, unsigned v);
void osat__bump(osat *, unsigned v);
void osat__decay(osat *);
void osat__backtrack(osat *, unsigned level);
int osat__decide(osat *); /* 0: all assigned */
void osat__new_level(osat *, unsigned decision);

/* restart.c */
int osat__restarting(osat *);
void osat__restart(osat *);
void osat__update_mode(osat *);
void osat__init_search(osat *);

/* reduce.c */
int osat__reducing(osat *);
void osat__reduce(osat *);

/* simplify.c */
void osat__simplify(osat *);

/* vivify.c */
int osat__vivify(osat *);

/* phases.c */
void osat__update_target(osat *);
int osat__rephasing(osat *);
void osat__rephase(osat *);
unsigned osat__decision_phase(osat *, unsigned v);
void osat__apply_predictions(osat *);

/* proof.c */
void osat__proof_add(osat *, const unsigned *lits, unsigned size);
void osat__proof_delete(osat *, const unsigned *lits, unsigned size);
void osat__proof_units(osat *);

/* occurs.c */
int osat__occs_begin(osat *);
int osat__occs_end(osat *);
void osat__occs_push(osat *, unsigned ref);
int osat__root_unit(osat *, unsigned lit);
int osat__root_propagate(osat *);

/* subsume.c */
void osat__subsume(osat *);
int osat__subsume_forward(osat *);

/* gates.c */
int osat__find_gate(osat *, unsigned v, unsigned *gpos, unsigned *gneg);

/* probe.c */
int osat__probe(osat *);

/* transred.c */
int osat__transred(osat *);

/* substitute.c */
int osat__substitute(osat *);

/* elim.c */
void osat__eliminate(osat *);

/* extend.c */
void osat__extend_push(osat *, unsigned witness, const unsigned *lits,
                       unsigned size);
void osat__extend_model(osat *);
void osat__taint(osat *, const unsigned *lits, size_t n);
void osat__restore(osat *);
int osat__extend_propagate(osat *, unsigned from, uvec *side,
                           size_t side_from, unsigned *conflict_lit);

/* search.c */
int osat__out_of_time(osat *);

/* inprocess.c */
int osat__inprocess_any(osat *);
int osat__inprocessing(osat *);
int osat__inprocess_done(osat *);
int osat__inprocess(osat *, int preprocessing);

/* report.c */
void osat__report(osat *, char type);

#endif
