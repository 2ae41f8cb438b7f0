"""One check for every cut family: the cuts found at the root of generated
problems keep scipy's optimum and every enumerated feasible point, and the
bound after the rounds never passes the optimum."""
import numpy as np

from optsolve.milp import milp

from ._instances import as_problem, check_answer, reference


def _holds(cut, x):
    return cut.activity(x) >= cut.rhs - 1e-7 * (1 + abs(cut.rhs))


def check_family(generator, family, rng, reps=4, max_int=300, rounds=6):
    """Run ``reps`` problems of ``generator`` with the one ``family``;
    return the number of cuts held by the LPs (all checked)."""
    from .test_cuts import _separate
    from .test_cuts_families import feasible_points
    total = 0
    for _ in range(reps):
        kw = generator(rng)
        p = as_problem(kw)
        sep = _separate(p, rounds, (family,))
        ref = reference(kw)
        if sep is None or ref.status != 0:
            continue
        total += len(sep.cuts)
        for cut in sep.cuts:
            assert cut.family == family
            assert _holds(cut, ref.x), cut
        if sep.cuts:
            for x in feasible_points(p, rng, max_int=max_int, objectives=1):
                assert all(_holds(cut, x) for cut in sep.cuts), x
        ref_min = ref.fun if p.sense == "minimize" else -ref.fun
        assert sep.bounds[-1] <= ref_min + 1e-6 * max(1, abs(ref_min))
        assert np.isfinite(sep.bounds[-1])
    return total


def check_milp(generator, families, seed, reps=3):
    """milp with ``families`` on ``reps`` problems of ``generator`` agrees
    with scipy."""
    rng = np.random.default_rng(seed)
    for _ in range(reps):
        kw = generator(rng)
        res = milp(**kw, options={"mip_rel_gap": 0, "cut_families": families})
        check_answer(res, kw)
