"""Inputs that once crashed the interpreter inside HiGHS (issue 12).

HiGHS solves an LP without nonzeros directly, without the simplex solver;
asking it for tableau rows then (highspy 1.16) reads uninitialised memory.
Each case runs in a child process, so that a segfault fails the test
instead of ending pytest.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

from optsolve.milp.lp import LP_OPTIMAL, LPRelaxation, tableau_ready

_PRELUDE = """
import faulthandler
faulthandler.enable()
import numpy as np
from scipy.optimize import LinearConstraint
from scipy.optimize import milp as scipy_milp
import optsolve
"""


def _run_child(code, args=(), timeout=120):
    proc = subprocess.run([sys.executable, "-c", _PRELUDE + textwrap.dedent(code),
                           *args], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (proc.returncode, proc.stdout[-2000:],
                                  proc.stderr[-4000:])
    return proc.stdout


def test_empty_row_without_presolve_does_not_crash():
    out = _run_child("""
        res = optsolve.milp(c=[1], integrality=[1], bounds=(0, 1),
                            constraints=LinearConstraint([[0]], lb=0),
                            options={"presolve": False})
        print(res.status, res.fun, res.x.tolist())
    """)
    assert out.split() == ["0", "0.0", "[0.0]"]


_EMPTY_ROW_MPS = """\
NAME          EMPTYROW
ROWS
 N  obj
 G  r0
 L  r1
COLUMNS
    MARKER                 'MARKER'                 'INTORG'
    x         obj       1.0
    y         obj       -1.0
    MARKER                 'MARKER'                 'INTEND'
RHS
    rhs       r1        5
BOUNDS
 UP bnd       x         1
 UP bnd       y         3
ENDATA
"""


def test_cli_no_presolve_on_an_mps_with_empty_rows(tmp_path):
    path = tmp_path / "empty.mps"
    path.write_text(_EMPTY_ROW_MPS)
    out = _run_child("""
        import sys
        from optsolve.cli import main
        sys.exit(main(["milp", "--no-presolve", "-q", sys.argv[1]]))
    """, args=[str(path)])
    assert "status             : optimal (0)" in out
    assert "primal bound       : -3" in out


def test_no_tableau_without_nonzeros():
    A = sp.csr_matrix((2, 2))
    lp = LPRelaxation(np.array([1.0, -1.0]), A, np.zeros(2), np.full(2, np.inf),
                      np.zeros(2), np.ones(2))
    assert lp.solve() == LP_OPTIMAL
    assert not tableau_ready(lp.h)
    lp2 = LPRelaxation(np.array([1.0, -1.0]), sp.csr_matrix([[1.0, 1.0]]),
                       np.zeros(1), np.full(1, np.inf), np.zeros(2), np.ones(2))
    assert not tableau_ready(lp2.h)        # not solved yet
    assert lp2.solve() == LP_OPTIMAL
    assert tableau_ready(lp2.h)


def test_gomory_on_a_model_without_nonzeros_returns_no_cut():
    out = _run_child("""
        import scipy.sparse as sp
        from optsolve.milp.cuts import gomory_cuts
        from optsolve.milp.lp import LPRelaxation
        A = sp.csr_matrix((1, 2))
        rl, ru = np.zeros(1), np.full(1, np.inf)
        lb, ub = np.zeros(2), np.array([1.0, 2.5])
        lp = LPRelaxation(np.array([1.0, -1.0]), A, rl, ru, lb, ub)
        lp.solve()
        x, act, _, _ = lp.solution()
        print(len(gomory_cuts(lp.h, A, rl, ru, lb, ub, np.ones(2, bool),
                              np.ones(1, bool), x, act)))
    """)
    assert out.split() == ["0"]


def test_degenerate_models_under_every_option_switch():
    """Empty rows, zero columns, fixed columns, no rows, only empty rows,
    free columns: each under presolve/cuts/propagation/heuristics/submip
    off in turn and every branching rule, against scipy."""
    out = _run_child("""
        import itertools
        cases = []
        # (c, integrality, bounds, A, lo, hi)
        cases.append(([1.0], 1, (0, 1), [[0.0]], 0, np.inf))
        cases.append(([-1.0, 1.0], 1, (0, 3), [[0.0, 0.0], [0.0, 0.0]], -1, 1))
        cases.append(([-1.0, -2.0, 0.5], [1, 1, 0], (0, 4),
                      [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [2.0, 1.0, 0.0]],
                      [-np.inf, 0, 1], [3.5, 0, 6.5]))
        cases.append(([-1.0, -1.0], 1, ([2, 0], [2, 5]),
                      [[1.0, 2.0]], -np.inf, 7.5))            # x0 fixed
        cases.append(([-3.0, -2.0], [1, 0], (0, [2.5, 1.5]), None, None, None))
        cases.append(([1.0, -1.0], [0, 1], (-np.inf, [np.inf, 2.5]),
                      [[1.0, 0.0], [0.0, 0.0]], [-4.5, -1], [np.inf, 1]))
        cases.append(([0.0, 0.0], 1, (0, 1), [[1.0, 1.0]], 1.5, 1.5))  # infeasible
        switches = [{}, {"presolve": False}, {"cuts": False},
                    {"propagation": False}, {"heuristics": False},
                    {"submip": False}, {"presolve": False, "cuts": True,
                                        "propagation": False}]
        rules = ["relpscost", "pscost", "fullstrong", "mostinf"]
        bad = []
        for (c, integ, bnd, A, lo, hi), sw, rule in itertools.product(
                cases, switches, rules):
            cons = () if A is None else (LinearConstraint(A, lo, hi),)
            kw = dict(c=c, integrality=integ, bounds=bnd, constraints=cons)
            ref = scipy_milp(**kw)
            res = optsolve.milp(**kw, options=dict(sw, branching=rule))
            ok = res.status == ref.status and (
                res.status != 0 or abs(res.fun - ref.fun) <= 1e-6)
            if not ok:
                bad.append((c, sw, rule, res.status, res.fun, ref.status, ref.fun))
        print("BAD", bad)
    """)
    assert out.strip() == "BAD []"
