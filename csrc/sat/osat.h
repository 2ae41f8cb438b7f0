/* osat: the public C API of the optsolve CDCL SAT solver.
 *
 * IPASIR-like: literals are non-zero DIMACS integers, clauses are added one
 * literal at a time and ended by 0, `osat_solve` returns 10 (satisfiable),
 * 20 (unsatisfiable) or 0 (a limit or `osat_terminate` stopped it).  Nothing
 * else reaches inside the solver; the Cython module wraps exactly this.
 */
#ifndef OSAT_H
#define OSAT_H

#include <stdint.h>
#include <stdio.h>

typedef struct osat osat;

/* The largest variable index accepted (internal literals need 2*v+1 < 2^31). */
#define OSAT_MAX_VAR ((1 << 30) - 1)

/* Why the last `osat_solve` returned 0. */
enum osat_limit {
  OSAT_LIMIT_NONE = 0,
  OSAT_LIMIT_CONFLICTS = 1,
  OSAT_LIMIT_PROPAGATIONS = 2,
  OSAT_LIMIT_TIME = 3,
  OSAT_LIMIT_TERMINATE = 4,
  OSAT_LIMIT_MEMORY = 5, /* out of memory: see osat_out_of_memory */
};

typedef struct osat_statistics {
  int64_t conflicts, decisions, propagations, restarts, reductions;
  int64_t learned, learned_units, learned_binaries, learned_literals;
  int64_t minimized_literals, deleted, rephased, mode_switches;
  int64_t stable_conflicts, simplifications, removed_satisfied;
  int64_t vivify_checks, vivified, collections, solves;
  int64_t original, irredundant, redundant; /* clause counts */
  double time; /* seconds spent inside osat_solve, all calls */
  /* inprocessing: rounds, variables eliminated (and restored by later
   * clauses or assumptions), resolvents added, gates used, clauses
   * subsumed and strengthened, seconds per technique */
  int64_t inprocessings, eliminated, restored, resolvents, gates;
  int64_t subsumed, strengthened, substituted, failed;
  double elim_time, subsume_time, substitute_time, probe_time;
  /* binary clauses removed by transitive reduction, irredundant clauses
   * vivification shortened (or removed), long clauses replaced by a
   * hyper-binary resolvent in probing */
  int64_t transitive, vivified_irredundant, hyper;
  double transred_time;
} osat_statistics;

/* NULL when out of memory. */
osat *osat_new(void);
void osat_release(osat *);

/* Out of memory: every function that may allocate (add, add_clauses,
 * assume, solve, phase, set_phases) returns its error value (-2, -1, -2, 0,
 * -2, -2) when an allocation fails, and osat_out_of_memory is then 1 for
 * good: the solver refuses all further work and only osat_release is
 * useful.  The process is never aborted. */
int osat_out_of_memory(const osat *);

/* Clauses: literals one at a time, 0 ends the clause.  Returns 0, or -1 when
 * the literal is out of range (the clause being built is then dropped). */
int osat_add(osat *, int lit);
/* Many clauses at once: clause i is lits[offsets[i]..offsets[i+1]).
 * Returns 0, or the 1-based index of the first clause with a bad literal. */
int64_t osat_add_clauses(osat *, const int32_t *lits, const int64_t *offsets,
                         int64_t nclauses);
/* Assumptions for the next call of osat_solve only. Returns 0 or -1. */
int osat_assume(osat *, int lit);
int osat_solve(osat *);

/* Propagate the assumptions lits[0..n) one level each, without search, then
 * backtrack (saving phases only if phase_saving is non-zero): 1 when no
 * conflict arose, 0 when an assumption was false or propagation failed,
 * -1 for a bad literal, -2 out of memory.  osat_implied copies the literals
 * assigned (assumptions and implications, in trail order; on a conflict also
 * a literal of the conflicting clause) to `out` (may be NULL) and returns
 * their number. */
int osat_propagate(osat *, const int32_t *lits, int64_t n, int phase_saving);
int64_t osat_implied(const osat *, int32_t *out);

/* After 10: lit if lit is true in the model, -lit if false.  After 20:
 * osat_failed(lit) is 1 when the assumption lit is in the failed core. */
int osat_val(osat *, int lit);
int osat_failed(osat *, int lit);

/* Initial / saved phase of var(lit) becomes the sign of lit; set_phases takes
 * a whole array of literals at once (0 entries are skipped). */
int osat_phase(osat *, int lit);
int osat_set_phases(osat *, const int32_t *lits, int64_t n);

/* Predicted phases, kept apart from the saved ones: scores[i] is the
 * probability that variable i+1 is true (NaN: none).  A score above option
 * predicthigh or below predictlow (per mille) is confident: it becomes the
 * initial phase at the next solve (predictinit, unless osat_phase set one)
 * and the target of rephasing's 'original' and 'inverted' (predictrephase).
 * Replaces earlier predictions.  0 ok, -1 a score outside [0, 1] or n out
 * of range, -2 out of memory.  osat_prediction_counts: the confident
 * predictions of each sign under the current thresholds. */
int osat_set_predictions(osat *, const float *scores, int64_t n);
void osat_prediction_counts(const osat *, int64_t *pos, int64_t *neg);

/* Safe from another thread or a signal handler. Cleared when a solve starts
 * only by osat_clear_terminate (a pending request stops the next solve). */
void osat_terminate(osat *);
void osat_clear_terminate(osat *);

/* A function osat_solve calls about every 10 ms of search (from the solving
 * thread); a non-zero return stops the search like osat_terminate.  The
 * Python binding uses it to run signal handlers while solving in the main
 * thread.  NULL removes it. */
void osat_set_poll(osat *, int (*poll)(void *data), void *data);

/* Limits for the next call of osat_solve only; negative means none. */
void osat_set_conflict_limit(osat *, int64_t conflicts);
void osat_set_propagation_limit(osat *, int64_t propagations);
void osat_set_time_limit(osat *, double seconds);
int osat_limit_reached(const osat *); /* enum osat_limit of the last solve */

/* Options (see options.h).  set returns 0, -1 unknown name, -2 out of range. */
int osat_set_option(osat *, const char *name, int64_t value);
int osat_get_option(const osat *, const char *name, int64_t *value);
int osat_option_count(void);
int osat_option_info(int index, const char **name, int64_t *def, int64_t *lo,
                     int64_t *hi, const char **description);

/* DRAT proofs (text or binary).  Start before adding clauses.  `file` is not
 * closed by the solver; the path variant owns its file.  0 ok, -1 error. */
int osat_proof_file(osat *, FILE *file, int binary);
int osat_proof_path(osat *, const char *path, int binary);
int osat_proof_close(osat *); /* flush (and close if owned) */
int osat_proof_flush(osat *);

/* Progress lines ("c ..." like kissat's) to `file` when verbose option > 0. */
void osat_set_report(osat *, FILE *file);

void osat_get_statistics(const osat *, osat_statistics *);
int osat_nvars(const osat *);
int osat_inconsistent(const osat *); /* 1 when the formula is UNSAT at level 0 */

#endif
