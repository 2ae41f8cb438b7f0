"""Instances generated for the batch tests, and a worker killer."""
import os
import signal
import time

import numpy as np
from optsolve.sat import CNF


def random_3sat(nvars, ratio, seed):
    rng = np.random.default_rng(seed)
    m = int(round(ratio * nvars))
    var = np.stack([rng.choice(nvars, 3, replace=False) + 1 for _ in range(m)])
    sign = np.where(rng.random((m, 3)) < 0.5, -1, 1)
    return CNF((var * sign).tolist(), nvars=nvars)


def pigeonhole(holes):
    """holes + 1 pigeons in `holes` holes: unsatisfiable, hard for CDCL."""
    def v(p, h):
        return p * holes + h + 1
    clauses = [[v(p, h) for h in range(holes)] for p in range(holes + 1)]
    for h in range(holes):
        for p in range(holes + 1):
            for q in range(p + 1, holes + 1):
                clauses.append([-v(p, h), -v(q, h)])
    return CNF(clauses)


def knapsack_problem(seed, n=10):
    from optsolve.milp import Problem
    rng = np.random.default_rng(seed)
    w = rng.integers(5, 40, n).astype(float)
    p = w + rng.integers(0, 15, n)
    return Problem(c=-p, A=w[None, :], row_lower=[-np.inf],
                   row_upper=[np.floor(w.sum() / 2)], lb=0, ub=1, integrality=1)


def mixed_problem(seed, m=4, n=6):
    """General integers and continuous columns, <= and >= rows."""
    from optsolve.milp import Problem
    rng = np.random.default_rng(seed)
    A = rng.integers(-3, 8, (m, n)).astype(float)
    x0 = rng.integers(0, 4, n).astype(float)
    act = A @ x0
    lo = np.where(rng.random(m) < 0.5, act - rng.integers(0, 5, m), -np.inf)
    hi = np.where(np.isinf(lo), act + rng.integers(0, 5, m), np.inf)
    return Problem(c=rng.integers(-5, 6, n).astype(float), A=A, row_lower=lo,
                   row_upper=hi, lb=0, ub=rng.integers(3, 9, n).astype(float),
                   integrality=(np.arange(n) % 2 == 0).astype(int))


def scipy_reference(problem):
    from scipy.optimize import Bounds, LinearConstraint, milp
    return milp(problem.c, integrality=problem.integrality,
                bounds=Bounds(problem.lb, problem.ub),
                constraints=LinearConstraint(problem.A, problem.row_lower,
                                             problem.row_upper))


def pysat_answer(cnf):
    from pysat.solvers import Minisat22
    with Minisat22(bootstrap_with=cnf.clauses) as s:
        return "SAT" if s.solve() else "UNSAT"


def kill_worker_running(client, killed, done):
    """SIGKILL, once, the worker of a batch task running for 0.3 s."""
    while not done.is_set():
        before = client.processing()
        time.sleep(0.3)
        after = client.processing()
        for addr, keys in after.items():
            if set(keys) & set(before.get(addr, ())):
                pid = client.run(os.getpid, workers=[addr])[addr]
                os.kill(pid, signal.SIGKILL)
                killed.append(addr)
                return
