/* Construction, growth, options and the public API entry points. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

__thread jmp_buf *osat__oom_target;

/* Every caller runs under an entry point's guard; abort only if one is
 * missing (a bug), rather than continue with a NULL pointer. */
void osat__out_of_memory(const char *what, size_t bytes) {
  if (osat__oom_target)
    longjmp(*osat__oom_target, 1);
  fprintf(stderr, "osat: out of memory %s %zu bytes\n", what, bytes);
  abort();
}

void *osat__alloc(size_t bytes) {
  void *p = calloc(1, bytes ? bytes : 1);
  if (!p)
    osat__out_of_memory("allocating", bytes);
  return p;
}

/* On failure `p` stays valid (and owned by the solver), so release frees it. */
void *osat__realloc(void *p, size_t bytes) {
  void *q = realloc(p, bytes ? bytes : 1);
  if (!q)
    osat__out_of_memory("reallocating", bytes);
  return q;
}

void osat__uvec_push(uvec *v, unsigned x) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 16;
    v->data = osat__realloc(v->data, cap * sizeof *v->data);
    v->cap = cap;
  }
  v->data[v->n++] = x;
}

double osat__now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#define GROW(p, oldn, newn)                                                    \
  do {                                                                         \
    (p) = osat__realloc((p), (size_t)(newn) * sizeof *(p));                    \
    memset((p) + (oldn), 0, ((size_t)(newn) - (size_t)(oldn)) * sizeof *(p)); \
  } while (0)

/* Make room for variables 0..nvars-1; new variables enter the heap. */
void osat__grow_vars(osat *s, unsigned nvars) {
  if (nvars <= s->nvars)
    return;
  if (nvars > s->cap) {
    unsigned cap = s->cap ? s->cap : 16;
    while (cap < nvars)
      cap = cap > (1u << 30) ? nvars : 2 * cap;
    unsigned old = s->cap;
    GROW(s->vals, 2 * (size_t)old, 2 * (size_t)cap);
    GROW(s->level, old, cap);
    GROW(s->reason, old, cap);
    GROW(s->seen, old, cap);
    GROW(s->saved, old, cap);
    GROW(s->target, old, cap);
    GROW(s->best, old, cap);
    GROW(s->initial, old, cap);
    GROW(s->mark, 2 * (size_t)old, 2 * (size_t)cap);
    GROW(s->failed, 2 * (size_t)old, 2 * (size_t)cap);
    GROW(s->model, old, cap);
    GROW(s->trail, old, cap);
    GROW(s->score, old, cap);
    GROW(s->heap, old, cap);
    GROW(s->heap_pos, old, cap);
    GROW(s->links, old, cap);
    GROW(s->btab, old, cap);
    GROW(s->watches, 2 * (size_t)old, 2 * (size_t)cap);
    GROW(s->eliminated, old, cap);
    GROW(s->frozen, old, cap);
    GROW(s->dirty, old, cap);
    s->cap = cap;
  }
  unsigned first = s->nvars;
  s->nvars = nvars;
  osat__reserve_levels(s);
  for (unsigned v = first; v < nvars; v++) {
    s->reason[v] = NOREASON;
    unsigned neg = s->opts.phase ? 0u : 1u;
    s->saved[v] = s->target[v] = s->best[v] = (unsigned char)neg;
    s->heap_pos[v] = INVALID;
    s->dirty[v] = 1;
    if (s->opts.seed) {
      /* a tiny random initial score breaks ties differently per seed */
      s->random = s->random * 6364136223846793005ull + 1442695040888963407ull;
      s->score[v] = 1e-6 * (double)(s->random >> 40) / (double)(1ull << 24);
    }
    osat__heap_insert(s, v);
    osat__enqueue(s, v);
  }
}

/* Decision levels: one per decision plus one per assumption (an assumption
 * already true still opens its own, empty, level). */
void osat__reserve_levels(osat *s) {
  size_t need = (size_t)s->nvars + s->assumptions.n + 1;
  if (need <= s->levels_cap)
    return;
  size_t cap = s->levels_cap ? s->levels_cap : 16;
  while (cap < need)
    cap *= 2;
  GROW(s->control, s->levels_cap, cap);
  GROW(s->level_stamp, s->levels_cap ? s->levels_cap + 1 : 0, cap + 1);
  s->levels_cap = cap;
}

osat *osat_new(void) {
  osat *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
#define OSAT_OPTION_INIT(name, def, lo, hi, desc) s->opts.name = def;
  OSAT_OPTIONS(OSAT_OPTION_INIT)
#undef OSAT_OPTION_INIT
  s->score_inc = 1.0;
  s->queue_first = s->queue_last = s->queue_search = INVALID;
  s->save_phases = 1;
  s->conflict_limit_next = s->propagation_limit_next = -1;
  s->time_limit_next = -1;
  s->random = 0x9e3779b97f4a7c15ull;
  /* search intervals are set at the first solve, after options are known */
  return s;
}

void osat_release(osat *s) {
  if (!s)
    return;
  osat_proof_close(s);
  for (size_t i = 0; i < 2 * (size_t)s->cap; i++)
    free(s->watches[i].data);
  free(s->watches);
  free(s->vals); free(s->level); free(s->reason); free(s->seen);
  free(s->saved); free(s->target); free(s->best); free(s->initial);
  free(s->predicted);
  free(s->mark); free(s->failed); free(s->model); free(s->trail);
  free(s->control); free(s->score); free(s->heap); free(s->heap_pos);
  free(s->level_stamp); free(s->links); free(s->btab); free(s->bump_scratch);
  free(s->analyzed.data);
  free(s->arena.data); free(s->clause.data); free(s->learnt.data);
  free(s->stack.data); free(s->toclear.data); free(s->assumptions.data);
  free(s->levels.data); free(s->core.data); free(s->scratch);
  free(s->implied.data);
  if (s->occs)
    for (size_t i = 0; i < 2 * (size_t)s->nvars; i++)
      free(s->occs[i].data);
  free(s->occs); free(s->eliminated); free(s->frozen); free(s->dirty);
  free(s->extension.data); free(s->pos.data); free(s->neg.data);
  free(s->resolvent.data); free(s->tainted.data);
  free(s->ext_start); free(s->ext_occs);
  free(s);
}

static int lit_ok(int lit) {
  return lit != 0 && lit >= -OSAT_MAX_VAR && lit <= OSAT_MAX_VAR;
}

/* Clauses are added at level 0: the previous solve has already backtracked. */
static int add_literal(osat *s, int lit) {
  if (lit) {
    if (!lit_ok(lit)) {
      s->adding_bad = 1;
      return -1;
    }
    unsigned v = (unsigned)abs(lit);
    if (v > s->nvars)
      osat__grow_vars(s, v);
    uvec_push(&s->clause, ext2int(lit));
    return 0;
  }
  int bad = s->adding_bad;
  s->adding_bad = 0;
  if (!bad) {
    osat__taint(s, s->clause.data, s->clause.n);
    osat__add_original(s, s->clause.data, (unsigned)s->clause.n);
  }
  s->clause.n = 0;
  return bad ? -1 : 0;
}

int osat_add(osat *s, int lit) {
  GUARD_BEGIN(s, -2);
  int res = add_literal(s, lit);
  GUARD_END();
  return res;
}

static int64_t add_clauses(osat *s, const int32_t *lits, const int64_t *offsets,
                           int64_t nclauses) {
  for (int64_t i = 0; i < nclauses; i++) {
    int64_t a = offsets[i], b = offsets[i + 1];
    int maxvar = 0;
    for (int64_t k = a; k < b; k++) {
      if (!lit_ok(lits[k]))
        return i + 1;
      int v = abs(lits[k]);
      if (v > maxvar)
        maxvar = v;
    }
    if ((unsigned)maxvar > s->nvars)
      osat__grow_vars(s, (unsigned)maxvar);
    s->clause.n = 0;
    for (int64_t k = a; k < b; k++)
      uvec_push(&s->clause, ext2int(lits[k]));
    osat__taint(s, s->clause.data, s->clause.n);
    osat__add_original(s, s->clause.data, (unsigned)s->clause.n);
    s->clause.n = 0;
  }
  return 0;
}

int64_t osat_add_clauses(osat *s, const int32_t *lits, const int64_t *offsets,
                         int64_t nclauses) {
  GUARD_BEGIN(s, -1);
  int64_t res = add_clauses(s, lits, offsets, nclauses);
  GUARD_END();
  return res;
}

static int assume(osat *s, int lit) {
  if (!lit_ok(lit))
    return -1;
  unsigned v = (unsigned)abs(lit);
  if (v > s->nvars)
    osat__grow_vars(s, v);
  uvec_push(&s->assumptions, ext2int(lit));
  return 0;
}

int osat_assume(osat *s, int lit) {
  GUARD_BEGIN(s, -2);
  int res = assume(s, lit);
  GUARD_END();
  return res;
}

int osat_val(osat *s, int lit) {
  if (s->last_result != 10 || !lit_ok(lit))
    return 0;
  unsigned v = (unsigned)abs(lit);
  if (v > s->nvars)
    return 0;
  int m = s->model[v - 1];
  return m == 0 ? 0 : (lit > 0) == (m > 0) ? lit : -lit;
}

int osat_failed(osat *s, int lit) {
  if (s->last_result != 20 || !lit_ok(lit) || (unsigned)abs(lit) > s->nvars)
    return 0;
  return s->failed[ext2int(lit)] ? 1 : 0;
}

static int phase(osat *s, int lit) {
  if (!lit_ok(lit))
    return -1;
  unsigned v = (unsigned)abs(lit);
  if (v > s->nvars)
    osat__grow_vars(s, v);
  unsigned neg = lit < 0;
  s->initial[v - 1] = neg ? -1 : 1;
  s->saved[v - 1] = s->target[v - 1] = s->best[v - 1] = (unsigned char)neg;
  return 0;
}

int osat_phase(osat *s, int lit) {
  GUARD_BEGIN(s, -2);
  int res = phase(s, lit);
  GUARD_END();
  return res;
}

static int set_phases(osat *s, const int32_t *lits, int64_t n) {
  int maxvar = 0;
  for (int64_t i = 0; i < n; i++) {
    if (lits[i] && !lit_ok(lits[i]))
      return -1;
    if (abs(lits[i]) > maxvar)
      maxvar = abs(lits[i]);
  }
  if ((unsigned)maxvar > s->nvars)
    osat__grow_vars(s, (unsigned)maxvar);
  for (int64_t i = 0; i < n; i++)
    if (lits[i])
      phase(s, lits[i]);
  return 0;
}

int osat_set_phases(osat *s, const int32_t *lits, int64_t n) {
  GUARD_BEGIN(s, -2);
  int res = set_phases(s, lits, n);
  GUARD_END();
  return res;
}

void osat_terminate(osat *s) { s->terminate = 1; }

void osat_set_poll(osat *s, int (*poll)(void *), void *data) {
  s->poll = poll;
  s->poll_data = data;
}
void osat_clear_terminate(osat *s) { s->terminate = 0; }

void osat_set_conflict_limit(osat *s, int64_t n) { s->conflict_limit_next = n; }
void osat_set_propagation_limit(osat *s, int64_t n) {
  s->propagation_limit_next = n;
}
void osat_set_time_limit(osat *s, double t) { s->time_limit_next = t; }
int osat_limit_reached(const osat *s) {
  return s->out_of_memory ? OSAT_LIMIT_MEMORY : s->limit_reached;
}

static const struct {
  const char *name, *desc;
  int64_t def, lo, hi;
} option_table[] = {
#define OSAT_OPTION_ROW(name, def, lo, hi, desc) {#name, desc, def, lo, hi},
    OSAT_OPTIONS(OSAT_OPTION_ROW)
#undef OSAT_OPTION_ROW
};

int osat_option_count(void) {
  return (int)(sizeof option_table / sizeof option_table[0]);
}

int osat_option_info(int i, const char **name, int64_t *def, int64_t *lo,
                     int64_t *hi, const char **desc) {
  if (i < 0 || i >= osat_option_count())
    return -1;
  *name = option_table[i].name;
  *def = option_table[i].def;
  *lo = option_table[i].lo;
  *hi = option_table[i].hi;
  *desc = option_table[i].desc;
  return 0;
}

static int64_t *option_field(osat *s, const char *name) {
#define OSAT_OPTION_FIND(n, def, lo, hi, desc) \
  if (!strcmp(name, #n))                       \
    return &s->opts.n;
  OSAT_OPTIONS(OSAT_OPTION_FIND)
#undef OSAT_OPTION_FIND
  return NULL;
}

int osat_set_option(osat *s, const char *name, int64_t value) {
  int64_t *f = option_field(s, name);
  if (!f)
    return -1;
  for (int i = 0; i < osat_option_count(); i++)
    if (!strcmp(option_table[i].name, name) &&
        (value < option_table[i].lo || value > option_table[i].hi))
      return -2;
  *f = value;
  if (!strcmp(name, "seed"))
    s->random ^= (uint64_t)value * 0x9e3779b97f4a7c15ull;
  return 0;
}

int osat_get_option(const osat *s, const char *name, int64_t *value) {
  int64_t *f = option_field((osat *)s, name);
  if (!f)
    return -1;
  *value = *f;
  return 0;
}

void osat_set_report(osat *s, FILE *f) { s->report = f; }

void osat_get_statistics(const osat *s, osat_statistics *out) {
  *out = s->stats;
}

int osat_nvars(const osat *s) { return (int)s->nvars; }
int osat_inconsistent(const osat *s) { return s->inconsistent; }
int osat_out_of_memory(const osat *s) { return s->out_of_memory; }
