"""Strong-branching samples: the expert's scores against an independent LP
solver, shards, resuming on Dask, the command line."""
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import linprog

from optsolve.milp.branching.base import product_score
from optsolve.milp.generators import set_cover
from optsolve.milp.learn.collect import (collect, collect_instance, load_shard,
                                         main, shard_name)


def lp_value(p, lb, ub):
    """The LP relaxation's optimum by scipy (inf when infeasible)."""
    r = linprog(p.c, A_ub=-p.A, b_ub=-p.row_lower, bounds=list(zip(lb, ub)),
                method="highs")
    return r.fun if r.status == 0 else math.inf


def test_samples_match_scipy(tmp_path):
    # every node queries the expert; strong branching re-solved by scipy at
    # the node's bounds (stored in the shard)
    path, k, nodes, _ = collect_instance("setcover", 0, tmp_path, scale=0.1,
                                         probability=1.0, node_limit=50,
                                         pure_bnb=True)
    assert k >= 1 and nodes >= k
    p = set_cover(50, 100, seed=0)                      # scale 0.1 of 500 x 1000
    samples = load_shard(path)
    with np.load(path) as z:
        lbs, ubs = z["lb"], z["ub"]
    assert len(samples) == k == lbs.shape[0]
    for (state, scores, choice), lb, ub in list(zip(samples, lbs, ubs))[:3]:
        node = lp_value(p, lb, ub)
        x = state.var[:, 16].astype(float)
        assert p.c @ x == pytest.approx(node, rel=1e-5)
        for j, score in zip(state.candidates, scores):
            hi = ub.copy()
            hi[j] = math.floor(x[j])
            down = lp_value(p, lb, hi)
            lo = lb.copy()
            lo[j] = math.ceil(x[j])
            up = lp_value(p, lo, ub)
            assert math.isfinite(down) and math.isfinite(up)  # else no sample
            want = float(product_score(down - node, up - node))
            assert score == pytest.approx(want, rel=1e-5, abs=1e-9)
        assert choice == int(np.argmax(scores))
    for s, sc, ch in samples:
        assert s.var.shape == (100, 19) and s.cons.shape == (50, 5)
        assert sc.shape == s.candidates.shape and 0 <= ch < sc.size
        assert np.all(np.isfinite(sc))
        assert np.all(s.var[s.candidates, 9] > 0)        # candidates are fractional


def test_no_expert_no_samples(tmp_path):
    path, k, _, _ = collect_instance("setcover", 2, tmp_path, scale=0.1,
                                     probability=1e-12, node_limit=20, pure_bnb=True)
    assert k == 0 and load_shard(path) == []


@pytest.mark.slow
def test_collect_on_dask_resumes(tmp_path):
    pytest.importorskip("distributed")
    kw = dict(scale=0.1, probability=0.5, node_limit=30, time_limit=20, pure_bnb=True)
    first = collect("setcover", [1, 2], tmp_path, workers=1, progress=False, **kw)
    assert first["instances"] == 2 and first["skipped"] == 0
    assert sorted(f.name for f in tmp_path.iterdir()) == \
        [shard_name("setcover", 1), shard_name("setcover", 2)]
    again = collect("setcover", [1, 2, 3], tmp_path, workers=1, progress=False, **kw)
    assert again["instances"] == 1 and again["skipped"] == 2


def test_collect_checks_the_family(tmp_path):
    with pytest.raises(ValueError, match="`family` must be one of"):
        collect("knapsacks", [0], tmp_path)


@pytest.mark.parametrize("argv, message", [
    (["--instances", "0"], "--instances must be positive"),
    (["--instances", "2", "--probability", "1.5"], "--probability must be at most 1"),
    (["--instances", "x"], "--instances must be an integer"),
    (["--instances", "2", "--first-seed", "-1"], "--first-seed must be in"),
])
def test_cli_errors(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as e:
        main(["--family", "setcover", "--out", str(tmp_path)] + argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_run_stopped_before_any_solution_still_writes_its_shard(tmp_path):
    # node_limit=0 in pure branch and bound ends with no incumbent, where
    # mip_node_count is None (scipy's contract): the shard records res.nodes
    path, k, nodes, _ = collect_instance("setcover", 3, tmp_path, scale=0.1,
                                         probability=1e-12, node_limit=0,
                                         pure_bnb=True)
    assert k == 0 and nodes == 0 and Path(path).exists()
