"""An unbounded LP that HiGHS's dual simplex leaves 'unknown' (found by the
MILP fuzz, seed 1 case 3412): the relaxation is retried by the primal
simplex, and the MILP is reported unbounded, as SCIP reports it."""
import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint

import optsolve
from optsolve.milp.lp import LP_UNBOUNDED, LPRelaxation

C = np.array([-1.0, -5.0, 3.0, -3.0, -2.0, -5.0, 4.0, 4.0])
LB = np.array([-1.0, 1.0, 2.0, 1.0, 2.0, -1.0, -np.inf, 0.0])
UB = np.array([-1.0, 7.0, 3.0, 7.0, 7.0, 1.0, 3.0, 1.0])
A = np.array([[2.0, 0.0, -2.0, -3.0, 0.0, 1.0, 0.0, 0.0],
              [-3.0, 0.0, -1.0, 5.0, 0.0, -5.0, 0.0, 3.0],
              [2.0, -4.0, 0.0, -2.0, 0.0, 0.0, -2.0, -5.0],
              [1.0, 0.0, 3.0, 0.0, 0.0, 4.0, -1.0, -5.0]])
RLO = np.array([-np.inf, 30.0, -35.0, -1.0])
RHI = np.array([-22.0, np.inf, np.inf, np.inf])


def test_relaxation_unbounded_after_primal_retry():
    lp = LPRelaxation(C, sp.csr_matrix(A), RLO, RHI, LB, UB)
    assert lp.solve_robust() == LP_UNBOUNDED
    # the retry leaves the dual simplex in place for warm node re-solves
    assert lp.h.getOptionValue("simplex_strategy")[1] == 1


def test_milp_reports_unbounded():
    # x6 (continuous, no lower bound, cost 4) decreases without limit in a
    # feasible region: the MILP is unbounded
    res = optsolve.milp(C, integrality=[0, 0, 1, 0, 1, 1, 0, 0],
                        bounds=Bounds(LB, UB),
                        constraints=LinearConstraint(A, RLO, RHI),
                        options={"presolve": False})
    assert res.status == 3, res.message
