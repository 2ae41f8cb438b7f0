"""The CDCL solver from Python: :class:`Solver` (PySAT's methods) and
:func:`solve` (one call, a :class:`SolveResult`).

The search runs in C (``csrc/sat``) with the GIL released, so
:meth:`Solver.interrupt` works from another thread, and Ctrl-C in the main
thread ends a run with the answer "unknown" instead of an exception.
"""
from __future__ import annotations

import functools
import operator
import os
import tempfile
import threading
import time

import numpy as np

from optsolve._runtime import check_count_limit, check_time_limit
from optsolve.sat import _cdcl
from optsolve.sat._cnf import CNF, _is_int, _literal_array, read_dimacs

__all__ = ["NoSuchSolverError", "Solver", "SolverMemoryError", "SolveResult",
           "solve"]

SolverMemoryError = _cdcl.SolverMemoryError

_PROOF_FORMATS = ("text", "binary")


#: PySAT's names of CaDiCaL 3, the one solver there that keeps an IDPool in
#: step with its variables (``sync_with``)
_POOL_SYNCING_NAMES = ("cd30", "cd300", "cdl30", "cdl300", "cadical300")

#: names meaning this engine besides PySAT's (``pysat.solvers.SolverNames``)
_OWN_NAMES = ("optsolve", "osat")


@functools.lru_cache(maxsize=None)
def _no_such_solver_error():
    # built on first use: importing pysat.solvers costs the CLI ~20 ms
    try:
        from pysat.solvers import NoSuchSolverError as base
    except ImportError:  # pragma: no cover - python-sat is a dependency
        base = Exception
    return type("NoSuchSolverError", (base, ValueError), {
        "__module__": __name__,
        "__doc__": "An unknown solver name (PySAT's error, and a ValueError)."})


def __getattr__(name):
    if name == "NoSuchSolverError":
        return _no_such_solver_error()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _native_card(name):
    """Whether PySAT's solver of this name takes cardinality constraints
    (Minicard, Gluecard 3 and 4); this engine's own names always do."""
    if name is None or name in _OWN_NAMES:
        return True
    from pysat.solvers import SolverNames
    return any(name in getattr(SolverNames, solver, ())
               for solver in ("minicard", "gluecard3", "gluecard4"))


def _check_name(name):
    if name is None or name in _OWN_NAMES:
        return
    from pysat.solvers import SolverNames
    known = {alias for aliases in vars(SolverNames).values()
             if isinstance(aliases, tuple) for alias in aliases}
    if name not in known:
        raise _no_such_solver_error()(
            f"`name`: unknown solver {name!r}; give one of PySAT's solver "
            f"names or 'optsolve' (all run this engine)")


def _pysat_method(method):
    """As in PySAT, a method of a deleted solver does nothing, returns None."""
    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if self._core is None or not self._core.alive:
            return None
        return method(self, *args, **kwargs)
    return call


def _option_table():
    return {row[0]: row[1:] for row in _cdcl.option_table()}


def _as_lits(values, name, allow_empty=True):
    """Validate an iterable of DIMACS literals -> contiguous int32 array."""
    if isinstance(values, (str, bytes)):
        raise ValueError(f"`{name}` must be a sequence of non-zero integers, "
                         f"got a string")
    if type(values) in (list, tuple) and len(values) <= 64 \
            and all(type(x) is int for x in values):
        # short lists (assumptions, clauses): checked without numpy's
        # per-call overhead (incremental use makes many such calls)
        if values and (0 in values or max(values) > _cdcl.MAX_VAR
                       or min(values) < -_cdcl.MAX_VAR):
            if 0 in values:
                raise ValueError(f"`{name}` must not contain the literal 0")
            raise ValueError(f"`{name}` contains a literal beyond variable "
                             f"{_cdcl.MAX_VAR}")
        if not values and not allow_empty:
            raise ValueError(f"`{name}` must not be empty")
        return np.array(values, dtype=np.int32)
    if not isinstance(values, np.ndarray) and not hasattr(values, "__iter__"):
        raise ValueError(f"`{name}` must be a sequence of non-zero integers, "
                         f"got {values!r}")
    arr = _literal_array(values, name, _cdcl.MAX_VAR)
    if not arr.size and not allow_empty:
        raise ValueError(f"`{name}` must not be empty")
    return arr


def _as_cnf(formula, name="formula"):
    """CNF, PySAT formula, or iterable of clauses -> CNF (validated)."""
    if isinstance(formula, CNF):
        return formula
    if hasattr(formula, "clauses") and hasattr(formula, "nv"):  # PySAT CNF
        return CNF.from_clauses(formula.clauses, nvars=max(formula.nv, 0))
    try:
        return CNF.from_clauses(formula)
    except ValueError as exc:
        msg = str(exc).replace("`clauses`", f"`{name}`")
        raise ValueError(msg) from None
    except TypeError:
        raise ValueError(f"`{name}` must be a CNF, a path or an iterable of "
                         f"clauses, got {formula!r}") from None


class Solver:
    """Incremental CDCL SAT solver with PySAT's method names.

    A PySAT user switches by changing the import: the methods, their
    arguments and return values are those of ``pysat.solvers.Solver``.

    Parameters
    ----------
    name : str, optional
        PySAT's solver names (``"m22"``, ``"g4"``, ``"cadical195"``, ...,
        see ``pysat.solvers.SolverNames``) and ``"optsolve"`` are accepted
        and all mean this one engine; any other name raises
        :class:`NoSuchSolverError` (a subclass of PySAT's and of
        ``ValueError``).
    bootstrap_with : CNF or iterable of clauses, optional
        Clauses to add at once (see :meth:`append_formula`); a PySAT
        ``CNFPlus`` brings its cardinality constraints (:meth:`add_atmost`).
    use_timer : bool, optional
        Accepted for compatibility; timing is always on (:meth:`time`).
    incr : bool, optional
        Accepted for compatibility, a no-op: the solver is always
        incremental (PySAT's Glucose uses it to tune for incremental use).
    with_proof : bool, optional
        Record a DRAT proof (text), returned by :meth:`get_proof`; with
        ``proof`` it is written to that path, else to a temporary file
        removed by :meth:`delete`.
    warm_start : bool, optional
        Accepted for compatibility, a no-op (see :meth:`start_mode`).
    native_card : bool, optional
        Accepted for compatibility, a no-op. Cardinality constraints
        (:meth:`add_atmost`, ``CNFPlus``) are taken, by an encoding, under
        this engine's own names and under PySAT's names of solvers that
        take them (Minicard, Gluecard); PySAT's other names raise
        ``NotImplementedError`` for them, as PySAT does.
    sync_with : pysat.formula.IDPool, optional
        As in PySAT, only with a CaDiCaL 3 name (``"cadical300"``, ``"cd30"``,
        ...): the pool's ``top`` is kept at least :meth:`nof_vars`, so that
        its new ids are fresh variables (see :meth:`attach_vpool`). With
        other names it is accepted and left alone, as PySAT does.
    proof : str or path-like, optional
        Write a DRAT proof of unsatisfiability to this file. Set it before
        clauses are added (here), so that the proof covers every clause.
    proof_format : {"text", "binary"}
        DRAT text (``d`` prefix for deletions) or binary DRAT.
    time_limit : float, optional
        Seconds allowed to each :meth:`solve_limited` call.
    phases : sequence of int, {"neuroback", "polarity"} or path-like, optional
        Initial phase of variables: literal ``v`` prefers true, ``-v`` false
        (see :meth:`set_phases`). ``"neuroback"`` predicts backbone phases of
        ``bootstrap_with`` with the shipped graph network, ``"polarity"``
        takes each variable's more frequent sign, a path (``os.PathLike``)
        reads a phase file (one literal per line, or ``v`` lines); these
        three go through :meth:`set_predictions` (the ``predict*`` options).
    seed : int, optional
        Random seed (varies the initial variable order).
    options : dict, optional
        Options of the C core by name (see :meth:`option_table`), e.g.
        ``{"stable": 0}``.
    verbose : int, optional
        Progress lines on standard output while solving (0: none).

    Examples
    --------
    >>> from optsolve.sat import Solver
    >>> with Solver(bootstrap_with=[[-1, 2], [-2, 3]]) as s:
    ...     s.solve(assumptions=[1])
    ...     s.get_model()
    ...     s.solve(assumptions=[1, -3])
    ...     sorted(s.get_core())
    True
    [1, 2, 3]
    False
    [-3, 1]
    """

    def __init__(self, name=None, bootstrap_with=None, use_timer=False,
                 incr=False, with_proof=False, warm_start=False,
                 native_card=False, *, proof=None, proof_format="text",
                 time_limit=None, phases=None, seed=None, options=None,
                 verbose=0, sync_with=None, **kwargs):
        self._core = None  # (delete() works on a half-built solver)
        self._proof_temp = None
        if kwargs:
            raise ValueError(f"unknown arguments {sorted(kwargs)}")
        _check_name(name)
        self._name = name
        self._card = _native_card(name)
        self._pool = None
        if proof_format not in _PROOF_FORMATS:
            raise ValueError(f"`proof_format` must be 'text' or 'binary', "
                             f"got {proof_format!r}")
        if with_proof and proof_format != "text":
            raise ValueError("`with_proof` records a text proof; "
                             "`proof_format` must be 'text'")
        self._core = _cdcl.CDCL()
        self._time_limit = check_time_limit(time_limit)
        self._conf_budget = -1
        self._prop_budget = -1
        self._status = None
        self._core_lits = None
        self._last_time = 0.0
        self._accum_time = 0.0
        self._limit = None
        self._proof = None
        # user variable -> solver variable, once cardinality constraints
        # have added auxiliary variables (None: the identity)
        self._map = None
        self._ntop = 0  # largest solver variable handed out (with a map)
        self._inverse = None  # solver variable -> user variable (0: auxiliary)
        self._proof_text = False
        if seed is not None:
            self._set_option("seed", seed, "seed")
        for key, value in (options or {}).items():
            self._set_option(key, value, "options")
        if verbose:
            self._set_option("verbose", int(verbose), "verbose")
            self._core.report_to_stdout(True)
        if with_proof and proof is None:
            fd, proof = tempfile.mkstemp(prefix="optsolve-", suffix=".drat")
            os.close(fd)
            self._proof_temp = proof
        if proof is not None:
            self._proof = os.fspath(proof)
            self._proof_text = proof_format == "text"
            self._core.proof_path(self._proof, proof_format == "binary")
        self._prediction = dict(_NO_PREDICTION)
        predicted = _predicted_phases(phases)
        if predicted and bootstrap_with is None:
            raise ValueError(f"`phases={phases!r}` predicts from the formula: "
                             f"pass it as `bootstrap_with`")
        if phases is not None and not predicted:
            self.set_phases(phases)
        if sync_with is not None and name in _POOL_SYNCING_NAMES:
            self.attach_vpool(sync_with)
        if bootstrap_with is not None:
            self.append_formula(bootstrap_with)
        if predicted:
            self.predict_phases(_as_cnf(getattr(bootstrap_with, "clauses", None)
                                        if hasattr(bootstrap_with, "atmosts")
                                        else bootstrap_with, "bootstrap_with"),
                                phases)

    # -- configuration ---------------------------------------------------
    @staticmethod
    def option_table():
        """The C core's options: ``{name: (default, min, max, description)}``.

        Examples
        --------
        >>> Solver.option_table()["tier1"][0]
        2
        """
        return _option_table()

    def _set_option(self, key, value, argname):
        table = _option_table()
        if key not in table:
            raise ValueError(f"`{argname}` names an unknown option {key!r}; "
                             f"known: {', '.join(sorted(table))}")
        _, lo, hi, _ = table[key]
        if isinstance(value, bool) or not _is_int(value) or not lo <= value <= hi:
            raise ValueError(f"`{argname}`: option {key!r} must be an integer in "
                             f"[{lo}, {hi}], got {value!r}")
        self._core.set_option(key, int(value))

    # -- clauses -----------------------------------------------------------
    def add_clause(self, clause, no_return=True):
        """Add one clause (an iterable of non-zero integers).

        Returns None, or with ``no_return=False`` whether the formula can
        still be satisfiable (False once the empty clause is derived).
        """
        # the checks of _pysat_method and _internal inlined: incremental
        # users make many such calls
        core = self._core
        if core is None or not core.alive:
            return None
        lits = _as_lits(clause, "clause")
        if self._map is not None:
            lits = self._internal(lits)
        core.add_clause(lits)
        if self._pool is not None:
            self._sync_pool()
        if core.inconsistent():
            self._status = False
            return None if no_return else False
        return None if no_return else True

    @_pysat_method
    def append_formula(self, formula, no_return=True):
        """Add many clauses: a :class:`~optsolve.sat.CNF` (passed to C as
        flat arrays in one call), a PySAT ``CNF`` or ``CNFPlus`` (its
        ``atmosts`` are added as by :meth:`add_atmost`) or an iterable of
        clauses.
        """
        atmosts = getattr(formula, "atmosts", None) or ()
        cnf = _as_cnf(formula, "formula")
        lits = np.ascontiguousarray(cnf.lits, dtype=np.int32)
        offsets = np.ascontiguousarray(cnf.offsets, dtype=np.int64)
        if lits.size and np.abs(lits.astype(np.int64)).max() > _cdcl.MAX_VAR:
            raise ValueError(f"`formula` contains a literal beyond variable "
                             f"{_cdcl.MAX_VAR}")
        constraints = [_as_atmost(c, i) for i, c in enumerate(atmosts)]
        if constraints:
            self._check_card()  # before any clause is added
        self._core.add_arrays(self._internal(lits), offsets)
        for lits_, bound, weights in constraints:
            self.add_atmost(lits_, bound, weights)
        return self._consistent(no_return)

    @_pysat_method
    def add_atmost(self, lits, k, weights=(), no_return=True):
        """Add the cardinality constraint "at most `k` of `lits` are true"
        (with `weights`: the pseudo-Boolean ``sum w_i * lits_i <= k``).

        The constraint is encoded into clauses (``pysat.card``'s sequential
        counter, or for n*k over 100,000 its k-modulo totalizer) on auxiliary
        variables that the solver numbers apart
        from yours: models, :meth:`nof_vars`, assumptions and phases speak
        only of your variables, and a variable you use later is never one
        of the auxiliaries.
        Weights (integers; a negative weight is moved onto the negated
        literal) repeat a literal in the counter, so their sum is limited to
        1,000,000.

        Examples
        --------
        >>> s = Solver(bootstrap_with=[[1, 2, 3]])
        >>> s.add_atmost([1, 2, 3], 1)
        >>> s.add_clause([-1]); s.add_clause([-2])
        >>> s.solve(), s.get_model()
        (True, [-1, -2, 3])
        >>> s.solve(assumptions=[1, 3])
        False
        """
        self._check_card()
        lits = _as_lits(lits, "lits")
        if isinstance(k, (bool, np.bool_)) or not _is_int(k):
            raise ValueError(f"`k` must be an integer, got {k!r}")
        k = operator.index(k)
        self._start_map(int(np.abs(lits).max()) if lits.size else 0)
        lits = self._internal(lits)
        if weights is not None and len(weights):
            lits, k = _unweighted(lits, weights, k)
        if k < 0:
            self._core.add_clause(np.empty(0, dtype=np.int32))
        elif k < len(lits):
            from pysat.card import CardEnc, EncType
            # the sequential counter (2nk clauses) is the smaller for small
            # n*k; beyond, the k-modulo totalizer (3000 literals at most 1500:
            # 183 thousand clauses against 4.5 million)
            encoding = (EncType.seqcounter if len(lits) * k <= _SEQCOUNTER_MAX
                        else EncType.kmtotalizer)
            enc = CardEnc.atmost(lits.tolist(), bound=k, top_id=self._ntop,
                                 encoding=encoding)
            self._ntop = max(self._ntop, enc.nv)
            cnf = CNF.from_clauses(enc.clauses)
            self._core.add_arrays(cnf.lits, cnf.offsets)
        return self._consistent(no_return)

    def attach_vpool(self, pool):
        """Keep ``pool.top`` (a ``pysat.formula.IDPool``) at least
        :meth:`nof_vars` from now on, as PySAT's CaDiCaL 3 does, so that
        ``pool.id()`` gives variables the solver has not seen."""
        if not hasattr(pool, "top"):
            raise ValueError(f"`pool` must be an IDPool, got {pool!r}")
        self._pool = pool
        self._sync_pool()

    def _sync_pool(self):
        n = self.nof_vars() or 0
        if self._pool.top < n:
            self._pool.top = n

    def _consistent(self, no_return):
        # as PySAT: the status is False once the clauses are inconsistent
        if self._pool is not None:
            self._sync_pool()
        if self._core.inconsistent():
            self._status = False
            return None if no_return else False
        return None if no_return else True

    def supports_atmost(self):
        """Whether :meth:`add_atmost` and ``CNFPlus`` formulas are taken:
        as in PySAT, only under the names of PySAT's solvers that have them
        (Minicard, Gluecard) and under this engine's own names (no name,
        ``"optsolve"``), where they are encoded into clauses."""
        return self._card

    def _check_card(self):
        if not self._card:
            raise NotImplementedError(
                f"atmost constraints are not supported by {self._name!r}, as "
                f"in PySAT; Solver() without a name (or name='minicard') "
                f"takes them")

    # -- user variables <-> solver variables ---------------------------------
    def _start_map(self, top):
        if self._map is None:
            n = max(self._core.nvars(), top)
            self._map = np.arange(n + 1, dtype=np.int32)
            self._ntop = n

    def _internal(self, lits):
        """User literals -> solver literals (new user variables get fresh
        solver variables above the auxiliaries)."""
        if self._map is None or not lits.size:
            return lits
        top = int(np.abs(lits.astype(np.int64)).max())
        nuser = len(self._map) - 1
        if top > nuser:
            if self._ntop + (top - nuser) > _cdcl.MAX_VAR:
                raise ValueError(f"too many variables: with the auxiliary "
                                 f"variables of cardinality constraints, "
                                 f"variable {top} exceeds {_cdcl.MAX_VAR}")
            fresh = np.arange(self._ntop + 1, self._ntop + 1 + top - nuser,
                              dtype=np.int32)
            self._map = np.concatenate([self._map, fresh])
            self._ntop += top - nuser
        out = self._map[np.abs(lits)]
        return np.where(lits < 0, -out, out).astype(np.int32)

    def _user_lits(self, lits):
        """Solver literals -> user literals, auxiliary ones left out."""
        if self._map is None or not lits.size:
            return lits
        if self._inverse is None or self._inverse.size <= self._ntop:
            inv = np.zeros(self._ntop + 1, dtype=np.int32)
            inv[self._map] = np.arange(self._map.size, dtype=np.int32)
            self._inverse = inv
        v = self._inverse[np.abs(lits)]
        keep = v > 0
        return np.where(lits < 0, -v, v)[keep]

    def _user_values(self, internal_model):
        """Signed literals of user variables 1..n from the solver's model."""
        if self._map is None:
            return internal_model
        idx = self._map[1:].astype(np.int64)
        m = internal_model
        known = idx <= m.size
        signs = np.ones(idx.size, dtype=np.int32)
        signs[known] = np.sign(m[idx[known] - 1])
        return signs * np.arange(1, idx.size + 1, dtype=np.int32)

    def bootstrap_with(self, formula):
        """Same as :meth:`append_formula` (PySAT's spelling on creation)."""
        self.append_formula(formula)

    # -- solving -----------------------------------------------------------
    @_pysat_method
    def solve(self, assumptions=()):
        """Decide satisfiability under ``assumptions`` (no budgets).

        Returns True or False; None only if the run was interrupted (by
        :meth:`interrupt` from another thread or by Ctrl-C).
        """
        return self._solve(assumptions, limited=False)

    @_pysat_method
    def solve_limited(self, assumptions=(), expect_interrupt=False):
        """Like :meth:`solve`, within :meth:`conf_budget`, :meth:`prop_budget`
        and ``time_limit``; returns None when one of them (or an interrupt)
        stopped the run. ``expect_interrupt`` is accepted for PySAT
        compatibility: interrupts always work here.
        """
        return self._solve(assumptions, limited=True)

    def _solve(self, assumptions, limited):
        assumptions = _as_lits(assumptions, "assumptions")
        internal = self._internal(assumptions)
        conflicts = self._conf_budget if limited else -1
        props = self._prop_budget if limited else -1
        tlim = self._time_limit if (limited and self._time_limit is not None) else -1.0
        start = time.perf_counter()
        res, limit = _run(self._core, internal, conflicts, props, tlim)
        self._last_time = time.perf_counter() - start
        self._accum_time += self._last_time
        self._limit = limit
        self._status = {10: True, 20: False}.get(res)
        self._core_lits = None
        if res == 20:
            mask = self._core.failed(internal)
            self._core_lits = list(dict.fromkeys(assumptions[mask].tolist()))
        return self._status

    @_pysat_method
    def conf_budget(self, budget=-1):
        """Conflicts allowed to each later :meth:`solve_limited` call.

        Any integer; 0 or negative: no limit (as in PySAT). Budgets beyond
        what a 64-bit counter reaches are no limit in practice.
        """
        self._conf_budget = _budget(budget, "budget")

    @_pysat_method
    def prop_budget(self, budget=-1):
        """Propagations allowed to each later :meth:`solve_limited` call
        (any integer; 0 or negative: no limit, as in PySAT)."""
        self._prop_budget = _budget(budget, "budget")

    def dec_budget(self, budget=-1):
        """Not supported (as for most of PySAT's solvers): raises
        NotImplementedError."""
        raise NotImplementedError("a limit on decisions is not supported; "
                                  "use conf_budget or prop_budget")

    def interrupt(self):
        """Stop the running solve (safe from another thread); later calls
        return None at once until :meth:`clear_interrupt`."""
        self._core.terminate()

    @_pysat_method
    def clear_interrupt(self):
        """Allow solving again after :meth:`interrupt`."""
        self._core.clear_terminate()

    # -- answers -----------------------------------------------------------
    @_pysat_method
    def get_status(self):
        """True, False, or None (unknown / not solved yet) of the last call."""
        return self._status

    @_pysat_method
    def get_model(self):
        """The model as a list of signed literals of variables 1..n after a
        True answer, else None."""
        if self._status is not True:
            return None
        return self._user_values(self._core.model()).tolist()

    @_pysat_method
    def get_core(self):
        """After a False answer: the assumptions that together are
        unsatisfiable with the formula; None if the formula alone is
        unsatisfiable (as in PySAT) or the answer was not False."""
        if self._status is not False or not self._core_lits:
            return None
        return list(self._core_lits)

    @_pysat_method
    def set_phases(self, literals=()):
        """Preferred initial value of variables: ``v`` true, ``-v`` false.

        Takes effect for every variable not yet assigned by the search (this
        is how predicted phases, e.g. NeuroBack's, are passed in one call).
        """
        self._core.set_phases(self._internal(_as_lits(literals, "literals")))

    @_pysat_method
    def set_predictions(self, scores):
        """Predicted phases: ``scores[v - 1]`` is the probability that
        variable ``v`` is true, NaN for no prediction.

        Kept apart from the saved phases: the scores above option
        ``predicthigh`` or below ``predictlow`` (per mille) become the
        initial phases of the next solve (``predictinit``; variables given a
        phase by :meth:`set_phases` keep it) and the targets of rephasing's
        'original' and 'inverted' resets (``predictrephase``). Replaces
        earlier predictions.

        Examples
        --------
        >>> with Solver(bootstrap_with=[[1, 2], [-1, -2]]) as s:
        ...     s.set_predictions([0.02, 0.97])
        ...     s.solve(), s.get_model()
        (True, [-1, 2])
        """
        scores = np.asarray(scores)
        if scores.ndim != 1 or not (np.issubdtype(scores.dtype, np.floating)
                                    or np.issubdtype(scores.dtype, np.integer)):
            raise ValueError("`scores` must be a 1-D array of numbers")
        scores = scores.astype(np.float32)
        bad = ~(np.isnan(scores) | ((scores >= 0) & (scores <= 1)))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"`scores` must lie in [0, 1] or be NaN, got "
                             f"{scores[i]!r} for variable {i + 1}")
        if scores.size > _cdcl.MAX_VAR:
            raise ValueError(f"`scores` has more than {_cdcl.MAX_VAR} entries")
        if self._map is not None and scores.size:
            known = np.flatnonzero(~np.isnan(scores)).astype(np.int32) + 1
            mapped = self._internal(known)
            internal = np.full(int(mapped.max()) if mapped.size else 0, np.nan,
                               dtype=np.float32)
            internal[mapped - 1] = scores[known - 1]
            scores = internal
        self._core.set_predictions(np.ascontiguousarray(scores, dtype=np.float32))

    @_pysat_method
    def predict_phases(self, formula, method="neuroback", *, weights=None):
        """Predict phases of `formula` (the one being solved) and set them
        (:meth:`set_predictions`); returns what :meth:`accum_stats` reports
        of it (``predict_method``, ``predict_skipped``, ``predict_time``,
        ``graph_time``, ``inference_time``).

        `method` is ``"neuroback"`` (the shipped network), ``"polarity"``
        or a path-like phase file.
        """
        from optsolve.sat import _phases
        cnf = _as_cnf(formula, "formula")
        scores, info = _phases.phase_scores(cnf, method, weights=weights)
        self.set_predictions(scores)
        self._prediction = {"predict_method": info["method"],
                            "predict_skipped": info["skipped"],
                            "predict_time": info["predict_time"],
                            "graph_time": info["graph_time"],
                            "inference_time": info["inference_time"]}
        return dict(self._prediction)

    @_pysat_method
    def accum_stats(self):
        """Statistics accumulated over all calls (dict: ``conflicts``,
        ``decisions``, ``propagations``, ``restarts``, ...; of predicted
        phases: ``predict_time`` and its ``graph_time`` and
        ``inference_time`` in seconds, ``predicted_true`` and
        ``predicted_false``, the confident predictions)."""
        stats = self._core.statistics()
        stats.update(self._prediction)
        stats["predicted_true"], stats["predicted_false"] = self._core.prediction_counts()
        return stats

    @_pysat_method
    def nof_vars(self):
        """Largest variable seen (auxiliary variables of cardinality
        constraints are not counted)."""
        if self._map is not None:
            return len(self._map) - 1
        return self._core.nvars()

    @_pysat_method
    def nof_clauses(self):
        """Number of original clauses the solver keeps, counted as PySAT's
        solvers count them: units (assigned at once), tautologies and
        clauses already satisfied when added are not kept, nor clauses the
        solver later finds satisfied at level 0; the clauses encoding
        cardinality constraints are. Like PySAT's CaDiCaL (and unlike its
        MiniSat and Glucose), the count changes after a solve: clauses of
        eliminated variables leave it, subsumed ones too, and with the
        ``forward`` option learned clauses that subsume an original one join
        it."""
        return self._core.statistics()["irredundant"]

    @_pysat_method
    def propagate(self, assumptions=(), phase_saving=0):
        """Unit propagation of `assumptions` without search (PySAT's).

        Each assumption not yet true is propagated in turn, until one is
        false or a clause is falsified. Returns ``(status, literals)``:
        status False when that happened (or the formula is unsatisfiable at
        level 0), and the literals assigned, assumptions included, in order
        (on a conflict also a literal of the falsified clause), not those
        fixed before any assumption. ``phase_saving`` non-zero keeps the
        values as the phases of the next search.

        Examples
        --------
        >>> with Solver(bootstrap_with=[[-1, 2], [-2, 3], [-3, -4]]) as s:
        ...     s.propagate(assumptions=[1])
        ...     s.propagate(assumptions=[1, 4])
        (True, [1, 2, 3, -4])
        (False, [1, 2, 3, -4])
        """
        user = _as_lits(assumptions, "assumptions")
        if isinstance(phase_saving, (bool, np.bool_)) or not _is_int(phase_saving):
            raise ValueError(f"`phase_saving` must be an integer, got "
                             f"{phase_saving!r}")
        ok, lits = self._core.propagate(self._internal(user), phase_saving != 0)
        return ok, self._user_lits(lits).tolist()

    def enum_models(self, assumptions=()):
        """Iterate over the models (under `assumptions`), PySAT's way: each
        model found is blocked by adding its negation as a clause, which
        stays in the formula.

        Examples
        --------
        >>> with Solver(bootstrap_with=[[1, 2], [-1, -2]]) as s:
        ...     sorted(s.enum_models())
        [[-1, 2], [1, -2]]
        """
        while self._core is not None and self._core.alive:
            if not self.solve(assumptions=assumptions):
                return
            model = self.get_model()
            self.add_clause([-lit for lit in model])
            yield model

    @_pysat_method
    def get_proof(self):
        """The DRAT proof so far as a list of lines (``with_proof=True``, or
        a text ``proof`` file), else None."""
        if self._proof is None or not self._proof_text:
            return None
        self._core.proof_flush()
        with open(self._proof, encoding="ascii") as f:
            return f.read().splitlines()

    def start_mode(self, warm=False):
        """Accepted for compatibility, a no-op: every call starts from the
        phases the previous one saved (PySAT's warm start)."""

    @_pysat_method
    def time(self):
        """Seconds taken by the last solve call."""
        return self._last_time

    @_pysat_method
    def time_accum(self):
        """Seconds spent solving, all calls."""
        return self._accum_time

    @_pysat_method
    def limit(self):
        """Which limit stopped the last call (None, ``"conflicts"``,
        ``"propagations"``, ``"time"`` or ``"interrupt"``)."""
        return self._limit

    def delete(self):
        """Free the C solver (and flush and close the proof file).

        As in PySAT, the methods of a deleted solver do nothing and return
        None.
        """
        if self._core is not None and self._core.alive:
            try:
                self._core.proof_close()
            finally:
                self._core.release()
        if self._proof_temp is not None:
            try:
                os.unlink(self._proof_temp)
            except OSError:
                pass
            self._proof_temp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.delete()
        return False

    def __del__(self):
        try:
            self.delete()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass


def _as_atmost(constraint, i):
    """One entry of a CNFPlus's ``atmosts`` -> (lits, bound, weights)."""
    try:
        lits, bound, *rest = constraint
    except (TypeError, ValueError):
        raise ValueError(f"`formula`: atmosts[{i}] must be (lits, bound) or "
                         f"(lits, bound, weights), got {constraint!r}") from None
    if len(rest) > 1:
        raise ValueError(f"`formula`: atmosts[{i}] has {2 + len(rest)} "
                         f"items, expected 2 or 3")
    return lits, bound, (rest[0] if rest else ())


_MAX_WEIGHT_SUM = 1_000_000
_SEQCOUNTER_MAX = 100_000  # n*k up to which add_atmost uses a sequential counter


def _unweighted(lits, weights, k):
    """sum w_i l_i <= k -> (literals repeated |w_i| times, bound)."""
    try:
        w = [operator.index(x) for x in weights]
    except TypeError:
        raise ValueError(f"`weights` must be integers, got {weights!r}") from None
    if len(w) != len(lits):
        raise ValueError(f"`weights` has {len(w)} entries for {len(lits)} "
                         f"literals")
    if sum(abs(x) for x in w) > _MAX_WEIGHT_SUM:
        raise ValueError(f"`weights` must sum to at most {_MAX_WEIGHT_SUM} "
                         f"in absolute value")
    out = []
    for lit, wi in zip(lits.tolist(), w):
        if wi < 0:  # w*l = w - w*(-l): move it onto the negation
            lit, wi, k = -lit, -wi, k - wi
        out.extend([lit] * wi)
    return np.array(out, dtype=np.int32), k


_INT64_MAX = 2**63 - 1


def _budget(value, name, zero_is_none=True):
    """A budget -> the C core's int64 (-1: none), clamped at int64's max."""
    if isinstance(value, (bool, np.bool_)) or not _is_int(value):
        raise ValueError(f"`{name}` must be an integer, got {value!r}")
    value = operator.index(value)
    if value < 0 or (value == 0 and zero_is_none):
        return -1
    return min(value, _INT64_MAX)


def _run(core, assumptions, conflicts, props, time_limit):
    """Call the C solver; returns (10/20/0, limit name or None).

    In the main thread the C search calls back about every 10 ms to run
    Python's signal handlers. With Python's default SIGINT handler, Ctrl-C
    raises KeyboardInterrupt inside that callback, which stops the search;
    it is turned here into the answer "unknown" with ``limit="interrupt"``
    (the package's convention). A handler installed by the caller (e.g. an
    :class:`~optsolve._runtime.InterruptGuard` calling :meth:`Solver.interrupt`)
    runs there too.
    """
    if threading.current_thread() is not threading.main_thread():
        res = core.solve(assumptions, conflicts, props, time_limit)
        return res, (core.limit_reached() if res == 0 else None)
    try:
        res = core.solve(assumptions, conflicts, props, time_limit, True)
    except KeyboardInterrupt:
        res = core.last_result
        if res == 0:
            return 0, "interrupt"
        return res, None
    return res, (core.limit_reached() if res == 0 else None)


class SolveResult(dict):
    """The outcome of :func:`solve`.

    A dictionary with attribute access, like
    :class:`scipy.optimize.OptimizeResult` (kept free of scipy so that
    ``optsolve sat`` starts without importing ``scipy.optimize``).

    Attributes
    ----------
    status : {"SAT", "UNSAT", "UNKNOWN"}
        The answer; "UNKNOWN" when a limit or an interrupt stopped the run.
    satisfiable : bool or None
        True, False, or None for "UNKNOWN".
    success : bool
        True when the question was decided (SAT or UNSAT).
    model : numpy.ndarray of int32 or None
        For SAT: the signed literal of each variable ``1..nvars``.
    core : list of int or None
        For UNSAT under assumptions: the failed assumptions.
    limit : str or None
        What stopped an "UNKNOWN" run: ``"conflicts"``, ``"propagations"``,
        ``"time"`` or ``"interrupt"``.
    statistics : dict
        Conflicts, decisions, propagations, restarts, learned and deleted
        clauses, ... and ``time`` (seconds).
    nvars, nclauses : int
        Size of the formula solved.
    proof : str or None
        Path of the DRAT proof written, if any.
    message : str
        One line for humans.
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __dir__(self):
        return list(self.keys())

    def __repr__(self):
        return (f"SolveResult(status={self.status!r}, limit={self.limit!r}, "
                f"nvars={self.nvars}, nclauses={self.nclauses}, "
                f"conflicts={self.statistics.get('conflicts')}, "
                f"time={self.statistics.get('time', 0.0):.3g})")


_NO_PREDICTION = {"predict_method": None, "predict_skipped": None,
                  "predict_time": 0.0, "graph_time": 0.0, "inference_time": 0.0}


def _solve_predicted(s, cnf, method, assumptions, time_limit, probe):
    """solve_limited with predicted phases; NeuroBack's prediction is made
    only when a probe of `probe` conflicts with the default phases does not
    decide the formula (the learned clauses are kept). Budgets and the time
    limit cover the probe, the prediction and the rest of the search."""
    from optsolve.sat import _phases
    start = time.perf_counter()
    conflicts, props = s._conf_budget, s._prop_budget
    if method == "neuroback":
        probe = _phases.PROBE_CONFLICTS if probe is None else probe
    else:
        probe = 0
    if probe > 0:
        s._conf_budget = probe if conflicts < 0 else min(probe, conflicts)
        answer = s.solve_limited(assumptions)
        if (answer is not None or s.limit() != "conflicts"
                or s._conf_budget == conflicts):
            if answer is not None:
                s._prediction["predict_method"] = method
                s._prediction["predict_skipped"] = (f"decided within the "
                                                    f"{probe}-conflict probe")
            return answer
    st = s.accum_stats()
    s.predict_phases(cnf, method)
    s._conf_budget = max(conflicts - st["conflicts"], 0) if conflicts >= 0 else -1
    s._prop_budget = max(props - st["propagations"], 0) if props >= 0 else -1
    if time_limit is not None:
        s._time_limit = max(time_limit - (time.perf_counter() - start), 0.0)
    return s.solve_limited(assumptions)


def _predicted_phases(phases):
    """Whether `phases` names a prediction (method or file) rather than
    literals; a string that names neither is refused."""
    if isinstance(phases, os.PathLike):
        return True
    if isinstance(phases, str):
        if phases in ("neuroback", "polarity"):
            return True
        raise ValueError(f"`phases` must be 'neuroback', 'polarity', a path "
                         f"(os.PathLike) or a sequence of literals, got {phases!r}")
    return False


def solve(formula, *, assumptions=(), time_limit=None, conflicts=None,
          propagations=None, proof=None, proof_format="text", phases=None,
          seed=None, options=None, verbose=0, strict=False,
          probe_conflicts=None):
    """Decide the satisfiability of a CNF formula.

    Parameters
    ----------
    formula : CNF, str, path-like or iterable of clauses
        The formula: a :class:`~optsolve.sat.CNF`, a DIMACS file (plain,
        .gz, .bz2, .xz; read with :func:`~optsolve.sat.read_dimacs`), a PySAT
        ``CNF`` or ``CNFPlus`` (with its cardinality constraints), or a list
        of clauses (lists of non-zero ints).
    assumptions : sequence of int, optional
        Literals assumed true for this call.
    time_limit : float, optional
        Seconds of wall time.
    conflicts, propagations : int, optional
        Limits on conflicts and propagated literals.
    proof : str or path-like, optional
        Write a DRAT proof to this file.
    proof_format : {"text", "binary"}
        Format of the proof.
    phases : sequence of int, {"neuroback", "polarity"} or path-like, optional
        Initial phases (literal ``v``: prefer true, ``-v``: prefer false),
        or predicted ones: ``"neuroback"`` (the shipped graph network;
        ``statistics["predict_skipped"]`` says when the probe decided
        first), ``"polarity"`` (each variable's more frequent sign) or a
        phase file (``os.PathLike``; one literal per line or ``v`` lines).
        Prediction time is in ``statistics["predict_time"]``.
    seed : int, optional
        Random seed.
    options : dict, optional
        Options of the C core (:meth:`Solver.option_table`).
    verbose : int
        Progress lines on standard output (0: silent).
    strict : bool
        Reject DIMACS files whose header disagrees with their contents.
    probe_conflicts : int, optional
        With ``phases="neuroback"``: the network runs only if the default
        phases do not decide the formula within this many conflicts
        (default :data:`optsolve.sat._phases.PROBE_CONFLICTS`; 0: at once).

    Returns
    -------
    SolveResult
        ``status`` ("SAT", "UNSAT", "UNKNOWN"), ``model``, ``core``,
        ``limit``, ``statistics``.

    Notes
    -----
    Ctrl-C during the run ends it with status "UNKNOWN" and
    ``limit="interrupt"``; a second Ctrl-C raises :class:`KeyboardInterrupt`.

    Examples
    --------
    >>> from optsolve.sat import solve
    >>> r = solve([[1, 2], [-1, 2], [1, -2]])
    >>> r.status, r.model.tolist()
    ('SAT', [1, 2])
    >>> solve([[1, 2], [-1, 2], [1, -2], [-1, -2]]).status
    'UNSAT'
    >>> solve([[1, 2], [-1, 2]], assumptions=[-2]).core
    [-2]
    """
    time_limit = check_time_limit(time_limit)
    conflicts = check_count_limit(conflicts, "conflicts")
    propagations = check_count_limit(propagations, "propagations")
    if isinstance(formula, (str, os.PathLike)):
        cnf = read_dimacs(formula, strict=strict)
    else:
        cnf = _as_cnf(formula, "formula")
    assumptions = _as_lits(assumptions, "assumptions")
    predicted = _predicted_phases(phases)
    with Solver(proof=proof, proof_format=proof_format, seed=seed,
                options=options, verbose=verbose, time_limit=time_limit) as s:
        if phases is not None and not predicted:
            s.set_phases(phases)
        s.append_formula(formula if getattr(formula, "atmosts", None) else cnf)
        # here 0 is a budget of nothing (PySAT's conf_budget(0) is none)
        if conflicts is not None:
            s._conf_budget = _budget(conflicts, "conflicts", zero_is_none=False)
        if propagations is not None:
            s._prop_budget = _budget(propagations, "propagations",
                                     zero_is_none=False)
        if predicted:
            answer = _solve_predicted(s, cnf, phases, assumptions, time_limit,
                                      probe_conflicts)
        else:
            answer = s.solve_limited(assumptions)
        stats = s.accum_stats()
        model = None
        if answer is True:
            model = np.array(s.get_model(), dtype=np.int32)
            if model.size < cnf.nvars:  # variables in no clause: any value
                model = np.concatenate(
                    [model, np.arange(model.size + 1, cnf.nvars + 1, dtype=np.int32)])
        core = s.get_core()
        limit = s.limit()
    status = {True: "SAT", False: "UNSAT", None: "UNKNOWN"}[answer]
    messages = {"SAT": "The formula is satisfiable.",
                "UNSAT": "The formula is unsatisfiable"
                         + (" under the assumptions." if core else "."),
                "UNKNOWN": f"Stopped by the {limit} limit before deciding."}
    return SolveResult(status=status, satisfiable=answer,
                       success=answer is not None, model=model, core=core,
                       limit=limit, statistics=stats, nvars=cnf.nvars,
                       nclauses=cnf.nclauses,
                       proof=os.fspath(proof) if proof is not None else None,
                       message=messages[status])
