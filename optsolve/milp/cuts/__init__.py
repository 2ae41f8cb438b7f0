"""Root cutting planes: Gomory mixed-integer, c-MIR, lifted cover, clique
and zero-half cuts.

One family a module, none importing another: :mod:`~optsolve.milp.cuts.base`
(the :class:`Cut` record, its safety checks, the selection across
families), :mod:`~optsolve.milp.cuts.gomory`, :mod:`~optsolve.milp.cuts.mir`
(with its Numba kernel in :mod:`~optsolve.milp.cuts.kernels`),
:mod:`~optsolve.milp.cuts.cover`, :mod:`~optsolve.milp.cuts.clique` (with its
conflict graph), :mod:`~optsolve.milp.cuts.zerohalf`, the global cut pool
:mod:`~optsolve.milp.cuts.pool`, and the round driver
:mod:`~optsolve.milp.cuts.separator` that calls them.

A few rounds at the root node, before branching. Gomory mixed-integer cuts
come from the optimal tableau (Gomory 1960; the mixed-integer form and its
numerics follow Cornuejols, "Revival of the Gomory cuts in the 1990's",
2007, and the safeguards of Wesselmann and Suhl 2012 and of SCIP's
``sepa_gomory``); c-MIR (complemented mixed-integer rounding on rows and
aggregations of rows, with variable-bound substitution) and lifted knapsack
covers are the other families.

Gomory derivation. Let ``r = A x`` be the row activities (the slack columns of the
LP), ``L <= r <= U``. For any multiplier vector ``u`` the equation

    (u^T A) x - u^T r = 0

holds at every point, so its validity never depends on the numerical quality
of ``u``: HiGHS's ``getBasisInverseRow`` only makes the other basic columns
vanish. Each variable other than the basic integer one is shifted to the
bound it is closest to in the LP solution (``y = x - l`` or ``y = u - x``,
``y >= 0``) and the Gomory mixed-integer formula is applied to
``x_b + sum a_j y_j = b``. A slack is treated as integer when its row has
only integer columns with integer coefficients and integer sides. The cut
is substituted back into the space of the original columns and added to the
LP as a row; the :class:`~optsolve.milp.problem.Problem` is never changed.

Safeguards: the fractional part of the right-hand side must lie in
``[0.01, 0.99]``; tiny coefficients are removed by relaxing the right-hand
side with the column's bound (the cut stays valid); cuts with a dynamism
(largest over smallest absolute coefficient) above ``1e6``, with free columns
needed in the substitution, with a coefficient above ``1e9``, or with a
violation below ``1e-4`` of their norm are dropped; every right-hand side is
relaxed by ``1e-9 (1 + |rhs|)``. The same checks (:func:`~optsolve.milp.cuts.base.finish_cut`) apply to
every family. Selection is greedy by efficacy (violation over Euclidean norm)
across all families with a parallelism filter (cosine below 0.98).

Management (:class:`RootSeparator`): rounds while the bound moves (five
rounds in a row that each gain less than 1 % of the rounds' total gain stop
them) and within a time budget of ``max(1 s, 50 x`` the root LP's time),
cuts slack at the round's LP optimum moved to the cut pool after every
round (the pool offers them again when a later point violates them), and at
most ``max(100, m)`` cut rows held for ``m`` original rows, so node LPs stay
cheap.
"""
from optsolve.milp.cuts.base import Cut, integral_rows, select_cuts
from optsolve.milp.cuts.gomory import gomory_cuts
from optsolve.milp.cuts.separator import RootSeparator

__all__ = ["Cut", "gomory_cuts", "select_cuts", "integral_rows", "RootSeparator"]
