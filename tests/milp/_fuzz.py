"""Differential fuzzing of ``optsolve.milp`` against scipy.optimize.milp
(HiGHS), with random options, on small random MILPs.

Cases include the degenerate shapes that crash or mislead solvers: empty
rows, zero columns, fixed columns, infinite bounds, fractional bounds on
integer columns, equality and ranged rows, free rows, infeasible and
unbounded problems, all-continuous, all-integer and binary problems. Every
option that switches a part of the search on or off is drawn at random
(presolve, cuts and their families and rounds, propagation, heuristics,
sub-MIPs, branching rule, node selection, diving frequency).

A quarter of the cases are solved as the maximisation
:class:`~optsolve.milp.Problem` of ``-c`` with an objective offset (the
answer is turned back before the checks). Each answer is checked on its own (``x`` within bounds, rows and
integrality; ``fun == c @ x``; the dual bound below the objective; the
fields scipy leaves ``None`` without a solution) and against scipy. When
the two disagree a third opinion decides: exhaustive enumeration for
all-integer problems with small finite domains, otherwise SCIP (pyscipopt;
without it, scipy's feasibility check and an improving ray of the LP
relaxation decide "unbounded or infeasible").
scipy's wrong answers (and its status 4, "unbounded or infeasible") are
counted apart, not as disagreements.

Crashes and hangs: :func:`run` solves the cases in child processes
(batches), each announcing the case and the solver it starts; a child that
dies names the case, reported as a crash, and one silent for too long is
killed and its case reported as a hang (scipy's hangs apart); the run goes
on with the next case.

This file is the engine of ``tests/milp/test_fuzz.py`` (small, in CI) and
of ``python -m bench milp_fuzz`` (long); a child is
``python tests/milp/_fuzz.py SEED FIRST COUNT``.
"""
from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

from optsolve.milp.cuts import RootSeparator
from optsolve.milp.nodesel import SELECTIONS as _SELECTIONS

# the rules by name (a learned rule would need its weights); every node
# selection and cut family registered is fuzzed
RULES = ("relpscost", "pscost", "fullstrong", "mostinf")
SELECTIONS = tuple(_SELECTIONS)
FAMILIES = RootSeparator.FAMILIES
# a search that needs more than this on <= 8 columns is stuck (only
# unbounded general-integer columns can make a tree infinite)
NODE_LIMIT = 20_000
TIME_LIMIT = 60.0
_ENUM_MAX = 20_000              # points enumerated at most


# -- cases -------------------------------------------------------------------
def random_case(rng):
    """A small random MILP as ``dict(c, integrality, lb, ub, A, lo, hi)``
    (plain lists, so that a case prints and replays) plus its ``kind``."""
    n = int(rng.integers(1, 9))
    m = int(rng.integers(0, 7))
    kind = str(rng.choice(["mixed", "all-integer", "all-continuous", "binary"],
                          p=[0.4, 0.3, 0.15, 0.15]))
    if kind == "mixed":
        integ = (rng.random(n) < 0.6).astype(int)
    else:
        integ = np.full(n, int(kind != "all-continuous"), dtype=int)
    if kind == "binary":
        lb, ub = np.zeros(n), np.ones(n)
    else:
        lb = rng.integers(-4, 3, n).astype(float)
        ub = lb + rng.integers(0, 7, n)
        half = rng.random(n) < 0.1           # fractional bounds: rounded inwards
        lb[half] -= 0.5
        ub[half & (rng.random(n) < 0.5)] += 0.5
        lb[rng.random(n) < 0.08] = -np.inf
        ub[rng.random(n) < 0.1] = np.inf
        fixed = rng.random(n) < 0.1
        lb[fixed] = ub[fixed] = np.where(np.isfinite(lb[fixed]), lb[fixed], 1.0)
    dens = rng.uniform(0.2, 1.0)
    A = rng.integers(-5, 6, (m, n)) * (rng.random((m, n)) < dens)
    if m and rng.random() < 0.15:
        A[rng.integers(m)] = 0               # an empty row
    if rng.random() < 0.15:
        A[:, rng.integers(n)] = 0            # a zero column
    if rng.random() < 0.08:
        A[:] = 0                             # rows without a nonzero
    A = A.astype(float)
    if rng.random() < 0.1:
        A *= rng.choice([0.5, 0.25, 1.5])
    # rows around a point inside the bounds: feasible often, not always
    lo_f = np.where(np.isfinite(lb), lb, np.minimum(ub, 0) - 2)
    hi_f = np.where(np.isfinite(ub), ub, lo_f + 4)
    x0 = lo_f + rng.random(n) * (hi_f - lo_f)
    x0[integ == 1] = np.clip(np.round(x0[integ == 1]), np.ceil(lo_f[integ == 1]),
                             np.floor(hi_f[integ == 1]))
    act = A @ x0
    lo, hi = np.full(m, -np.inf), np.full(m, np.inf)
    for i in range(m):
        t = rng.choice(["le", "ge", "eq", "range", "free"],
                       p=[0.35, 0.25, 0.2, 0.15, 0.05])
        slack = float(rng.integers(0, 4)) + (0.5 if rng.random() < 0.2 else 0)
        if rng.random() < 0.08:
            slack = -float(rng.integers(1, 4))     # likely infeasible
        if t in ("le", "range"):
            hi[i] = math.floor(act[i]) + slack
        if t in ("ge", "range"):
            lo[i] = math.ceil(act[i]) - slack - (t == "range") * rng.integers(0, 3)
        if t == "eq":
            lo[i] = hi[i] = act[i] if rng.random() < 0.8 else act[i] + 0.5
    c = rng.integers(-6, 7, n).astype(float)
    if rng.random() < 0.1:
        c[:] = 0
    elif rng.random() < 0.15:
        c = c / rng.choice([2.0, 3.0, 7.0])
    case = dict(c=c, integrality=integ, lb=lb, ub=ub, A=A, lo=lo, hi=hi)
    return {k: v.tolist() for k, v in case.items()}, kind


def random_options(rng):
    """Every switch of the search at random; a zero relative gap."""
    coin = lambda p=0.5: bool(rng.random() < p)  # noqa: E731
    fams = tuple(f for f in FAMILIES if coin(0.6))
    return dict(presolve=coin(0.6), cuts=coin(0.6), cut_families=fams,
                cut_rounds=int(rng.choice([0, 1, 3, 10])),
                propagation=coin(0.6), heuristics=coin(0.6), submip=coin(0.5),
                branching=str(rng.choice(RULES)),
                node_selection=str(rng.choice(SELECTIONS)),
                dive_frequency=int(rng.choice([0, 1, 10])),
                mip_rel_gap=0.0, node_limit=NODE_LIMIT, time_limit=TIME_LIMIT)


def case_for(seed, index):
    """Case number ``index`` of the run ``seed`` (reproducible alone)."""
    rng = np.random.default_rng([int(seed), int(index)])
    case, kind = random_case(rng)
    options = random_options(rng)
    # a quarter solved as the maximisation Problem of -c, with an offset
    case["maximize"] = bool(rng.random() < 0.25)
    case["offset"] = float(rng.integers(-5, 6))
    # drawn last, so that the cases of earlier runs stay the same
    options["restart"] = bool(rng.random() < 0.7)
    return case, kind, options


def solve_ours(case, options):
    """``optsolve.milp`` on the case, or :meth:`Problem.solve` on its
    maximisation form; the answer in the minimisation form of the case."""
    import optsolve
    from optsolve.milp import Problem
    args = milp_args(case)
    if not case.get("maximize"):
        return optsolve.milp(**args, options=options)
    c, integ, lb, ub, A, lo, hi = _arrays(case)
    off = case["offset"]
    p = Problem(-c, A, lo, hi, lb, ub, integ.astype(int), sense="maximize",
                offset=off)
    res = p.solve(**options)
    # a bound of a maximum is above it: turned round, check_alone sees it
    for key in ("fun", "mip_dual_bound"):
        if res.get(key) is not None:
            res[key] = -(res[key] - off)
    return res


def milp_args(case):
    from scipy.optimize import Bounds, LinearConstraint
    n = len(case["c"])
    cons = None
    if case["A"]:
        cons = LinearConstraint(np.array(case["A"]).reshape(-1, n), case["lo"],
                                case["hi"])
    return dict(c=np.array(case["c"]), integrality=np.array(case["integrality"]),
                bounds=Bounds(case["lb"], case["ub"]), constraints=cons)


# -- independent answers -----------------------------------------------------
def _arrays(case):
    n = len(case["c"])
    A = np.array(case["A"], dtype=float).reshape(-1, n)
    return (np.array(case["c"], float), np.array(case["integrality"]) == 1,
            np.array(case["lb"], float), np.array(case["ub"], float), A,
            np.array(case["lo"], float), np.array(case["hi"], float))


def enumerate_case(case):
    """``(status, fun)`` by enumeration for an all-integer problem with
    small finite domains; None when enumeration does not apply."""
    c, integ, lb, ub, A, lo, hi = _arrays(case)
    if not integ.all():
        return None
    lb, ub = np.ceil(lb - 1e-9), np.floor(ub + 1e-9)
    if not (np.all(np.isfinite(lb)) and np.all(np.isfinite(ub))):
        return None
    if np.any(lb > ub):
        return 2, None
    sizes = (ub - lb + 1).astype(int)
    if np.prod(sizes.astype(float)) > _ENUM_MAX:
        return None
    X = np.array(list(itertools.product(*[np.arange(a, b + 1) for a, b in
                                           zip(lb, ub)])), dtype=float)
    act = X @ A.T
    ok = np.all((act >= lo - 1e-9) & (act <= hi + 1e-9), axis=1)
    if not ok.any():
        return 2, None
    return 0, float(np.min(X[ok] @ c))


def scip_case(case):
    """``(status, fun)`` from SCIP (pyscipopt), or None if unavailable;
    status 0 optimal, 2 infeasible, 3 unbounded, 4 anything else."""
    try:
        from pyscipopt import Model, quicksum
    except ImportError:          # pragma: no cover
        return None
    c, integ, lb, ub, A, lo, hi = _arrays(case)

    def solve(obj):
        mdl = Model()
        mdl.hideOutput()
        mdl.setParam("limits/gap", 0.0)
        mdl.setParam("limits/time", 60)
        x = [mdl.addVar(lb=None if np.isneginf(lb[j]) else float(lb[j]),
                        ub=None if np.isposinf(ub[j]) else float(ub[j]),
                        vtype="I" if integ[j] else "C") for j in range(c.size)]
        for i in range(A.shape[0]):
            expr = quicksum(float(A[i, j]) * x[j] for j in range(c.size)
                            if A[i, j] != 0)
            if np.isfinite(lo[i]):
                mdl.addCons(expr >= float(lo[i]))
            if np.isfinite(hi[i]):
                mdl.addCons(expr <= float(hi[i]))
        mdl.setObjective(quicksum(float(obj[j]) * x[j] for j in range(c.size)))
        mdl.optimize()
        return mdl.getStatus(), (mdl.getObjVal() if mdl.getNSols() else None)

    st, fun = solve(c)
    if st == "optimal":
        return 0, fun
    if st == "infeasible":
        return 2, None
    if st in ("unbounded", "inforunbd"):
        st0, _ = solve(np.zeros_like(c))     # feasible -> unbounded
        return (3, None) if st0 == "optimal" else (2, None)
    return 4, None


def ray_case(case):
    """A vote without SCIP on "unbounded or infeasible": ``(2, None)`` when
    scipy finds no integer point (integer bounds rounded first: HiGHS
    mishandles fractional ones), ``(3, None)`` when it finds one and the LP
    relaxation has an improving ray (with rational data, an integer
    multiple of it keeps the point feasible), None otherwise."""
    import warnings

    from scipy.optimize import Bounds, LinearConstraint, linprog
    from scipy.optimize import milp as scipy_milp
    c, integ, lb, ub, A, lo, hi = _arrays(case)
    lb, ub = lb.copy(), ub.copy()
    lb[integ] = np.ceil(lb[integ] - 1e-9)
    ub[integ] = np.floor(ub[integ] + 1e-9)
    if np.any(lb > ub):
        return 2, None
    cons = LinearConstraint(A, lo, hi) if A.shape[0] else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        feas = scipy_milp(np.zeros_like(c), integrality=integ.astype(int),
                          bounds=Bounds(lb, ub), constraints=cons,
                          options={"time_limit": 20, "node_limit": NODE_LIMIT})
    if feas.status == 2:
        return 2, None
    if feas.status != 0:
        return None
    # a direction d that keeps every row and bound: A d <= 0 on upper
    # sides, >= 0 on lower sides, d >= 0 (<= 0) on finite lower (upper)
    # bounds; improving when c @ d < 0
    rows = [A[np.isfinite(hi)], -A[np.isfinite(lo)]]
    A_ub = np.vstack(rows) if A.shape[0] else None
    b_ub = np.zeros(A_ub.shape[0]) if A_ub is not None else None
    box = [(0.0 if np.isfinite(l_) else -1.0, 0.0 if np.isfinite(u_) else 1.0)
           for l_, u_ in zip(lb, ub)]
    ray = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=box, method="highs")
    if ray.status == 0 and ray.fun < -1e-7:
        return 3, None
    return None


# -- checks ------------------------------------------------------------------
def _violations(case, x, tol=1e-6):
    """What ``x`` violates among bounds, rows and integrality (a list)."""
    c, integ, lb, ub, A, lo, hi = _arrays(case)
    if x.shape != c.shape or not np.all(np.isfinite(x)):
        return [f"x malformed: {x!r}"]
    bad = []
    if np.any(x < lb - tol * (1 + np.abs(lb))) or \
            np.any(x > ub + tol * (1 + np.abs(ub))):
        bad.append("x outside its bounds")
    act = A @ x
    with np.errstate(invalid="ignore"):
        if np.any(act < lo - tol * (1 + np.abs(lo))) or \
                np.any(act > hi + tol * (1 + np.abs(hi))):
            bad.append("x violates a row")
    if np.any(np.abs(x[integ] - np.round(x[integ])) > tol):
        bad.append("x not integral")
    return bad


def check_alone(case, res):
    """Problems with ``res`` that need no other solver (a list of str)."""
    c = np.asarray(case["c"], float)
    bad = []
    if res.status == 0:
        x = np.asarray(res.x, float)
        bad = _violations(case, x)
        if bad:
            return bad
        scale = 1.0 + float(np.abs(c) @ np.abs(x))
        if not isinstance(res.fun, float) or abs(res.fun - float(c @ x)) > 1e-9 * scale:
            bad.append(f"fun {res.fun!r} != c @ x {float(c @ x)!r}")
        db = res.mip_dual_bound
        if db is None or db > res.fun + 1e-9 * scale:
            bad.append(f"dual bound {db!r} above the objective {res.fun!r}")
        if res.mip_gap is None or not res.mip_gap >= 0:
            bad.append(f"mip_gap {res.mip_gap!r}")
        if not res.success:
            bad.append("status 0 without success")
    elif res.status in (2, 3):
        if not (res.x is res.fun is res.mip_dual_bound is res.mip_gap
                is res.mip_node_count is None) or res.success:
            bad.append("fields not None without a solution")
    return bad


def _has_unbounded_integer(case):
    _, integ, lb, ub, _, _, _ = _arrays(case)
    return bool(np.any(integ & ~(np.isfinite(lb) & np.isfinite(ub))))


def _same(a, b):
    """Two ``(status, fun)`` answers agree."""
    if a[0] != b[0]:
        return False
    if a[0] != 0:
        return True
    return abs(a[1] - b[1]) <= 1e-6 * (1 + abs(b[1]))


def judge(case, res, ref):
    """Outcome of one case and a detail: ``"ok"``; ``"disagree"`` (ours is
    wrong, or the third opinion sides with scipy); ``"scipy-wrong"`` (the
    third opinion sides with ours); ``"scipy-undecided"`` (scipy's status 4,
    "unbounded or infeasible", and ours matches the third opinion);
    ``"limit"`` (the node limit on a problem with unbounded integer
    columns, whose tree may be infinite)."""
    bad = check_alone(case, res)
    if bad:
        return "disagree", "; ".join(bad)
    if res.status == 1:
        # only an infinite tree (unbounded general-integer columns) may
        # reach the node limit on these sizes
        if _has_unbounded_integer(case) and res.limit in ("node", "time"):
            return "limit", f"limit {res.limit} (unbounded integer columns)"
        return "disagree", f"status 1 ({res.limit}) on a bounded problem"
    if res.status == 4:
        return "disagree", f"status 4: {res.message}"
    ours = (res.status, res.fun)
    theirs = (ref.status, ref.fun)
    if _same(ours, theirs):
        return "ok", ""
    if ref.status == 0 and ref.x is not None:
        x = np.asarray(ref.x, float)
        c = np.asarray(case["c"], float)
        # a feasible point refutes "infeasible" and a worse optimum, not
        # "unbounded" (scipy has called unbounded MILPs optimal): that goes to the vote
        better = res.status == 2 or (
            res.status == 0 and float(c @ x) < res.fun - 1e-6 * (1 + abs(res.fun)))
        if better and not _violations(case, x):
            # scipy's point is feasible and beats ours: no vote overrules it
            return "disagree", f"ours {ours}, scipy's feasible x {x.tolist()}"
    third = enumerate_case(case)
    who = "enumeration"
    if third is None:
        third, who = scip_case(case), "SCIP"
    if third is None:            # no pyscipopt: a narrower vote
        third, who = ray_case(case), "a ray and scipy's feasibility"
    if third is not None and third[0] != 4 and _same(ours, third):
        what = "scipy-undecided" if ref.status == 4 else "scipy-wrong"
        return what, f"scipy {theirs}, ours and {who} {ours}"
    return "disagree", f"ours {ours}, scipy {theirs}, {who} {third}"


# -- running -----------------------------------------------------------------
def run_one(seed, index, announce=None):
    """Solve case ``index`` with both solvers; a JSON-ready dict.
    ``announce(what)`` is called before each solver starts."""
    import warnings

    from scipy.optimize import milp as scipy_milp

    case, kind, options = case_for(seed, index)
    args = milp_args(case)
    if announce is not None:
        announce("ours")
    t = time.perf_counter()
    res = solve_ours(case, options)
    ours_time = time.perf_counter() - t
    if announce is not None:
        announce("scipy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # HiGHS's own tree can be infinite too, and its time limit is not
        # always kept: a node limit as well
        ref = scipy_milp(**args, options={"mip_rel_gap": 0, "time_limit": 20,
                                          "node_limit": NODE_LIMIT})
    if announce is not None:
        announce("judge")
    outcome, detail = judge(case, res, ref)
    return dict(index=index, kind=kind, outcome=outcome, detail=detail,
                status=int(res.status), scipy_status=int(ref.status),
                maximize=case["maximize"], time=ours_time)


def child(seed, first, count):
    """Solve cases ``first .. first + count - 1``, one JSON line each,
    announcing each case and each solver before it starts (so a crash or a
    hang names them)."""
    import faulthandler
    faulthandler.enable()
    # the protocol gets its own copy of stdout; what HiGHS prints from C
    # goes to /dev/null instead of into it
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    # the self-test of the crash and hang reports: "crash:I,hang:J"
    fault = os.environ.get("OPTSOLVE_MILP_FUZZ_FAULT", "").split(",")
    for i in range(first, first + count):
        print(f"START {i}", file=out, flush=True)
        if f"crash:{i}" in fault:
            import ctypes
            ctypes.string_at(0)                # a segfault
        if f"hang:{i}" in fault:
            time.sleep(3600)
        r = run_one(seed, i, lambda what: print(f"RUN {what}", file=out,
                                                  flush=True))
        print(json.dumps(r), file=out, flush=True)


def _lines(proc, timeout):
    """Lines of ``proc``'s stdout (read unbuffered: a buffered reader may
    hold lines that ``select`` no longer sees); a line not seen within
    ``timeout`` seconds ends the iteration with None (a hang)."""
    import selectors
    fd = proc.stdout.fileno()
    sel = selectors.DefaultSelector()
    sel.register(fd, selectors.EVENT_READ)
    buf = b""
    try:
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line.decode()
            if not sel.select(timeout):
                yield None
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            buf += chunk
    finally:
        sel.close()


def run(cases, seed, batch=200, on_result=None, case_timeout=300, first=0):
    """Run cases ``first .. first + cases - 1`` in child processes of
    ``batch`` cases; return the list of per-case dicts. A child that dies
    gives its case ``outcome="crash"``; one silent for ``case_timeout``
    seconds is killed and its case is a ``"hang"`` (ours) or a
    ``"scipy-hang"`` (scipy's HiGHS, not counted against us)."""
    import tempfile
    results = []
    here = os.path.abspath(__file__)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    nxt, end = first, first + cases
    while nxt < end:
        count = min(batch, end - nxt)
        with tempfile.TemporaryFile("w+") as err_file:
            proc = subprocess.Popen([sys.executable, here, str(seed), str(nxt),
                                     str(count)], stdout=subprocess.PIPE,
                                    stderr=err_file, env=env)
            started, running, hung = None, None, False
            for line in _lines(proc, case_timeout):
                if line is None:
                    hung = True
                    proc.kill()
                    break
                if line.startswith("START "):
                    started, running = int(line.split()[1]), None
                elif line.startswith("RUN "):
                    running = line.split()[1]
                elif line.startswith("{"):
                    r = json.loads(line)
                    results.append(r)
                    started = None
                    if on_result is not None:
                        on_result(r)
                    nxt = r["index"] + 1
            proc.wait()
            err_file.seek(0)
            err = err_file.read()
        if proc.returncode != 0 or started is not None:
            i = started if started is not None else nxt
            case, kind, options = case_for(seed, i)
            if hung:
                what = "scipy-hang" if running == "scipy" else "hang"
                detail = f"no answer from {running} in {case_timeout} s"
            else:
                what = "crash"
                trace = err.split("\nExtension modules:")[0].strip()[-1500:]
                detail = f"exit {proc.returncode} in {running}: {trace}"
            r = dict(index=i, kind=kind, outcome=what, detail=detail,
                     case=case, options=options)
            results.append(r)
            if on_result is not None:
                on_result(r)
            nxt = i + 1
    return results


if __name__ == "__main__":
    child(*map(int, sys.argv[1:4]))
