# cython: language_level=3
"""Thin binding of the C solver (``csrc/sat/osat.h``).

Private: users go through :class:`optsolve.sat.Solver`. Arguments are
validated there; this layer only converts arrays and releases the GIL while
the C solver runs, so that another thread (or a signal handler) can call
:meth:`CDCL.terminate`.
"""
from libc.stdint cimport int32_t, int64_t
from libc.stdio cimport FILE, stdout, fflush

# numpy is imported where arrays are made, so that `optsolve sat` (which
# uses values_into) starts without it


cdef extern from "osat.h" nogil:
    ctypedef struct osat:
        pass
    ctypedef struct osat_statistics:
        int64_t conflicts, decisions, propagations, restarts, reductions
        int64_t learned, learned_units, learned_binaries, learned_literals
        int64_t minimized_literals, deleted, rephased, mode_switches
        int64_t stable_conflicts, simplifications, removed_satisfied
        int64_t vivify_checks, vivified, collections, solves
        int64_t original, irredundant, redundant
        double time
        int64_t inprocessings, eliminated, restored, resolvents, gates
        int64_t subsumed, strengthened, substituted, failed
        double elim_time, subsume_time, substitute_time, probe_time
        int64_t transitive, vivified_irredundant, hyper
        double transred_time
    int OSAT_MAX_VAR
    osat *osat_new()
    void osat_release(osat *)
    int osat_add(osat *, int lit)
    int64_t osat_add_clauses(osat *, const int32_t *lits, const int64_t *offsets,
                             int64_t nclauses)
    int osat_assume(osat *, int lit)
    int osat_solve(osat *)
    int osat_propagate(osat *, const int32_t *lits, int64_t n, int phase_saving)
    int64_t osat_implied(const osat *, int32_t *out)
    int osat_val(osat *, int lit)
    int osat_failed(osat *, int lit)
    int osat_phase(osat *, int lit)
    int osat_set_phases(osat *, const int32_t *lits, int64_t n)
    int osat_set_predictions(osat *, const float *scores, int64_t n)
    void osat_prediction_counts(const osat *, int64_t *pos, int64_t *neg)
    void osat_terminate(osat *)
    void osat_clear_terminate(osat *)
    void osat_set_conflict_limit(osat *, int64_t)
    void osat_set_propagation_limit(osat *, int64_t)
    void osat_set_time_limit(osat *, double)
    void osat_set_poll(osat *, int (*poll)(void *) noexcept nogil, void *data)
    int osat_limit_reached(const osat *)
    int osat_set_option(osat *, const char *name, int64_t value)
    int osat_get_option(const osat *, const char *name, int64_t *value)
    int osat_option_count()
    int osat_option_info(int index, const char **name, int64_t *default,
                         int64_t *lo, int64_t *hi, const char **description)
    int osat_proof_path(osat *, const char *path, int binary)
    int osat_proof_close(osat *)
    int osat_proof_flush(osat *)
    void osat_set_report(osat *, FILE *)
    void osat_get_statistics(const osat *, osat_statistics *)
    int osat_nvars(const osat *)
    int osat_inconsistent(const osat *)
    int osat_out_of_memory(const osat *)


cdef extern from "Python.h":
    int PyErr_CheckSignals() except -1


MAX_VAR = OSAT_MAX_VAR


cdef int _poll_signals(void *data) noexcept nogil:
    # called by the C search about every 10 ms, in the solving (main) thread
    with gil:
        return (<CDCL>data)._poll()

#: names of osat_limit_reached codes
LIMIT_NAMES = {0: None, 1: "conflicts", 2: "propagations", 3: "time",
               4: "interrupt", 5: "memory"}

class SolverMemoryError(MemoryError, RuntimeError):
    """The C solver could not allocate memory.

    A MemoryError, and a RuntimeError as PySAT raises for its solvers' out
    of memory (its message also says "allocator limit"), so that code
    written for either catches it.
    """


_OOM_LATER = ("the SAT solver ran out of memory in an earlier call and can "
              "no longer be used; delete it and create a new one")


def option_table():
    """[(name, default, min, max, description)] of every C option."""
    cdef const char *name
    cdef const char *desc
    cdef int64_t d, lo, hi
    out = []
    for i in range(osat_option_count()):
        osat_option_info(i, &name, &d, &lo, &hi, &desc)
        out.append((name.decode(), d, lo, hi, desc.decode()))
    return out


cdef class CDCL:
    """One C solver instance."""
    cdef osat *s
    cdef public bint solving
    cdef object pending
    cdef public int last_result

    def __cinit__(self):
        self.s = osat_new()
        self.solving = False
        if self.s is NULL:
            raise SolverMemoryError("out of memory creating a SAT solver "
                                    "(allocator limit reached)")

    def __dealloc__(self):
        if self.s is not NULL:
            osat_release(self.s)
            self.s = NULL

    cdef inline void _check(self) except *:
        if self.s is NULL:
            raise ValueError("the solver has been deleted")
        if self.solving:
            raise RuntimeError("the solver is busy solving in another thread")
        if osat_out_of_memory(self.s):
            raise RuntimeError(_OOM_LATER)

    cdef inline void _check_memory(self) except *:
        # after a call that may allocate: the C core reports a failed
        # allocation instead of aborting; the solver is then unusable
        if osat_out_of_memory(self.s):
            raise SolverMemoryError(
                "the SAT solver ran out of memory (allocator limit reached); it "
                "can no longer be used (delete it and create a new one)")

    @property
    def out_of_memory(self):
        return self.s is not NULL and osat_out_of_memory(self.s) != 0

    def release(self):
        if self.solving:
            raise RuntimeError("the solver is busy solving in another thread")
        if self.s is not NULL:
            osat_release(self.s)
            self.s = NULL

    @property
    def alive(self):
        return self.s is not NULL

    def add_clause(self, const int32_t[::1] lits):
        self._check()
        cdef Py_ssize_t i
        for i in range(lits.shape[0]):
            osat_add(self.s, lits[i])
        osat_add(self.s, 0)
        self._check_memory()

    def add_arrays(self, const int32_t[::1] lits, const int64_t[::1] offsets):
        """Add clause i = lits[offsets[i]:offsets[i+1]] for every i."""
        self._check()
        cdef int64_t n = offsets.shape[0] - 1
        cdef int64_t bad
        if n <= 0:
            return 0
        with nogil:
            bad = osat_add_clauses(self.s, &lits[0] if lits.shape[0] else NULL,
                                   &offsets[0], n)
        self._check_memory()
        return bad

    cdef int _poll(self) noexcept:
        # run Python's signal handlers (e.g. InterruptGuard's, which calls
        # terminate); an exception they raise stops the search and is
        # re-raised when osat_solve has returned
        try:
            PyErr_CheckSignals()
        except BaseException as exc:
            self.pending = exc
            return 1
        return 0

    def solve(self, const int32_t[::1] assumptions, int64_t conflicts=-1,
              int64_t propagations=-1, double time_limit=-1.0,
              bint poll_signals=False):
        """10 / 20 / 0, with the GIL released while searching.

        With ``poll_signals`` (main thread only) Python's signal handlers run
        about every 10 ms during the search.
        """
        self._check()
        cdef Py_ssize_t i
        cdef int res
        for i in range(assumptions.shape[0]):
            osat_assume(self.s, assumptions[i])
        self._check_memory()
        osat_set_conflict_limit(self.s, conflicts)
        osat_set_propagation_limit(self.s, propagations)
        osat_set_time_limit(self.s, time_limit)
        self.solving = True
        self.pending = None
        if poll_signals:
            osat_set_poll(self.s, _poll_signals, <void *>self)
        try:
            with nogil:
                res = osat_solve(self.s)
        finally:
            self.solving = False
            osat_set_poll(self.s, NULL, NULL)
        self.last_result = res
        self._check_memory()
        if poll_signals and self.pending is None:
            self._poll()  # a signal that arrived after the last poll
        if self.pending is not None:
            exc, self.pending = self.pending, None
            raise exc
        return res

    def propagate(self, const int32_t[::1] assumptions, bint phase_saving):
        """(no conflict, int32 array of the literals assigned)."""
        self._check()
        cdef int res
        with nogil:
            res = osat_propagate(self.s, &assumptions[0] if assumptions.shape[0] else NULL,
                                 assumptions.shape[0], phase_saving)
        self._check_memory()
        if res == -1:
            raise ValueError("bad literal")
        import numpy as np
        out = np.empty(osat_implied(self.s, NULL), dtype=np.int32)
        cdef int32_t[::1] view = out
        if out.shape[0]:
            osat_implied(self.s, &view[0])
        return res == 1, out

    def limit_reached(self):
        self._check()
        return LIMIT_NAMES[osat_limit_reached(self.s)]

    def model(self):
        """Signed literals of variables 1..nvars (after a SAT answer)."""
        self._check()
        import numpy as np
        cdef int n = osat_nvars(self.s)
        out = np.empty(n, dtype=np.int32)
        cdef int32_t[::1] m = out
        cdef int v
        for v in range(1, n + 1):
            m[v - 1] = osat_val(self.s, v)
        return out

    def values_into(self, int32_t[::1] out):
        """Fill ``out[v - 1]`` with the signed literal of variable v, for
        v = 1..len(out) (a buffer no longer than :meth:`nvars`)."""
        self._check()
        cdef int v, n = <int> out.shape[0]
        if n > osat_nvars(self.s):
            raise ValueError("more values asked for than variables")
        for v in range(1, n + 1):
            out[v - 1] = osat_val(self.s, v)

    def failed(self, const int32_t[::1] assumptions):
        """Mask of the assumptions in the failed core (after UNSAT)."""
        self._check()
        import numpy as np
        out = np.zeros(assumptions.shape[0], dtype=bool)
        cdef Py_ssize_t i
        for i in range(assumptions.shape[0]):
            out[i] = osat_failed(self.s, assumptions[i]) != 0
        return out

    def set_phases(self, const int32_t[::1] lits):
        self._check()
        if lits.shape[0]:
            osat_set_phases(self.s, &lits[0], lits.shape[0])
        self._check_memory()

    def set_predictions(self, const float[::1] scores):
        # scores validated by the caller; -1 here would be a binding bug
        self._check()
        cdef int res = 0
        if scores.shape[0]:
            res = osat_set_predictions(self.s, &scores[0], scores.shape[0])
        self._check_memory()
        if res == -1:
            raise ValueError("prediction scores must lie in [0, 1] or be NaN")

    def prediction_counts(self):
        self._check()
        cdef int64_t pos = 0, neg = 0
        osat_prediction_counts(self.s, &pos, &neg)
        return pos, neg

    def terminate(self):
        # safe while another thread is solving: only sets a flag
        if self.s is not NULL:
            osat_terminate(self.s)

    def clear_terminate(self):
        if self.s is not NULL:
            osat_clear_terminate(self.s)

    def set_option(self, name, int64_t value):
        self._check()
        rc = osat_set_option(self.s, name.encode(), value)
        if rc == -1:
            raise KeyError(name)
        if rc == -2:
            raise OverflowError(name)

    def get_option(self, name):
        self._check()
        cdef int64_t v
        if osat_get_option(self.s, name.encode(), &v):
            raise KeyError(name)
        return v

    def proof_path(self, path, bint binary):
        self._check()
        if osat_proof_path(self.s, path.encode(), binary):
            raise OSError(f"cannot open proof file {path!r} for writing")

    def proof_close(self):
        if self.s is not NULL and osat_proof_close(self.s):
            raise OSError("error writing the proof file")

    def proof_flush(self):
        self._check()
        if osat_proof_flush(self.s):
            raise OSError("error writing the proof file")

    def report_to_stdout(self, bint on):
        self._check()
        fflush(stdout)
        osat_set_report(self.s, stdout if on else NULL)

    def statistics(self):
        self._check()
        cdef osat_statistics st
        osat_get_statistics(self.s, &st)
        return dict(
            conflicts=st.conflicts, decisions=st.decisions,
            propagations=st.propagations, restarts=st.restarts,
            reductions=st.reductions, learned=st.learned,
            learned_units=st.learned_units,
            learned_binaries=st.learned_binaries,
            learned_literals=st.learned_literals,
            minimized_literals=st.minimized_literals, deleted=st.deleted,
            rephased=st.rephased, mode_switches=st.mode_switches,
            stable_conflicts=st.stable_conflicts,
            simplifications=st.simplifications,
            removed_satisfied=st.removed_satisfied,
            vivify_checks=st.vivify_checks, vivified=st.vivified,
            collections=st.collections, solves=st.solves,
            original=st.original, irredundant=st.irredundant,
            redundant=st.redundant, time=st.time,
            inprocessings=st.inprocessings, eliminated=st.eliminated,
            restored=st.restored, resolvents=st.resolvents, gates=st.gates,
            subsumed=st.subsumed, strengthened=st.strengthened,
            substituted=st.substituted, elim_time=st.elim_time,
            subsume_time=st.subsume_time, substitute_time=st.substitute_time,
            failed=st.failed, probe_time=st.probe_time,
            transitive=st.transitive, transred_time=st.transred_time,
            vivified_irredundant=st.vivified_irredundant, hyper=st.hyper)

    def nvars(self):
        self._check()
        return osat_nvars(self.s)

    def inconsistent(self):
        self._check()
        return osat_inconsistent(self.s) != 0
