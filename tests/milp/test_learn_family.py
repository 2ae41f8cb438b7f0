"""Training for the user's own family: samples from a ``module:function``
family, soft strong-branching targets."""
import numpy as np
import pytest


def test_collect_from_the_users_own_family(tmp_path, monkeypatch):
    from optsolve.milp.learn.collect import collect, collect_instance, load_shard
    (tmp_path / "myfam.py").write_text(
        "from optsolve.milp.generators import knapsack\n"
        "def make(seed):\n"
        "    return knapsack(n_items=30, n_constraints=3, seed=seed)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path, k, nodes, _ = collect_instance("myfam:make", 1, tmp_path, probability=1.0,
                                         pure_bnb=True)
    assert path.endswith("myfam-make_000001.npz") and k > 0
    for state, scores, choice in load_shard(path):
        assert scores[choice] == scores.max()
        assert state.var.shape == (30, 19) and state.cons.shape[0] == 3
    for bad, match in (("nomodule_xyz:make", "No module named"),
                       ("myfam:nothere", "has no attribute"),
                       ("myfam", "must be one of")):
        with pytest.raises(ValueError, match=match):
            collect(bad, [0], tmp_path)


def test_soft_targets_follow_the_scores():
    pytest.importorskip("torch")
    pytest.importorskip("torch_geometric")
    from optsolve.milp.learn.train import Batch
    rng = np.random.default_rng(0)
    s = random_state_for_batch(rng)
    scores = np.array([1.0, 4.0, 2.0, np.inf])
    b = Batch([(s, scores, 3), (s, scores[:3], 1)])
    t = b.soft_targets(10.0).numpy()
    assert t.shape == (2, 4)
    np.testing.assert_allclose(t.sum(1), 1.0, rtol=1e-6)
    assert t[1, 3] == 0.0 and np.argmax(t[1]) == 1 and np.argmax(t[0]) == 3
    assert np.all(np.diff(t[1, [0, 2, 1]]) > 0)     # ordered as the scores
    sharp = b.soft_targets(1000.0).numpy()
    assert sharp[1, 1] > 0.999


def random_state_for_batch(rng):
    from optsolve.milp.learn import BipartiteState
    m, n = 5, 8
    rows, cols = np.nonzero(rng.random((m, n)) < 0.5)
    return BipartiteState(rng.normal(size=(m, 5)), np.vstack([rows, cols]),
                          rng.normal(size=(rows.size, 1)), rng.normal(size=(n, 19)),
                          np.array([0, 2, 4, 6]))
