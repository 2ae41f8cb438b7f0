"""The GCNN in torch and its numpy forward pass agree; weights files are
checked at the door."""
import numpy as np
import pytest

from optsolve.milp.learn import BipartiteState, FeatureCache
from optsolve.milp.learn.infer import Policy, weight_shapes

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
from optsolve.milp.learn.model import GCNN, pretrain  # noqa: E402


def random_state(rng, m=30, n=50, density=0.15):
    mask = rng.random((m, n)) < density
    mask[0, :] = False                      # a row without edges
    mask[:, 0] = False                      # a column without edges
    rows, cols = np.nonzero(mask)
    var = rng.normal(size=(n, 19))
    var[:, :4] = np.eye(4)[rng.integers(0, 4, n)]
    return BipartiteState(rng.normal(size=(m, 5)),
                          np.vstack([rows, cols]).astype(np.int64),
                          rng.normal(size=(rows.size, 1)), var,
                          np.arange(0, n, 3))


def torch_scores(model, s):
    with torch.no_grad():
        return model(torch.from_numpy(s.cons), torch.from_numpy(s.edge_index),
                     torch.from_numpy(s.edge_attr),
                     torch.from_numpy(s.var)).numpy()


def randomised(seed):
    torch.manual_seed(seed)
    model = GCNN().double()
    g = torch.Generator().manual_seed(seed)
    for norm in model.prenorms():          # prenorms away from the identity
        if norm.shift:
            norm.mean.copy_(torch.randn(norm.mean.shape, generator=g, dtype=torch.float64))
        norm.scale.copy_(0.5 + 1.5 * torch.rand(norm.scale.shape, generator=g,
                                                dtype=torch.float64))
    return model


def test_parameter_count_and_names():
    model = GCNN()
    assert sum(p.numel() for p in model.parameters()) == 64000
    exported = model.export()
    assert {k: v.shape for k, v in exported.items()} == weight_shapes()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numpy_matches_torch(seed):
    rng = np.random.default_rng(seed)
    model = randomised(seed)
    policy = Policy(model.export())
    for _ in range(3):
        s = random_state(rng, m=int(rng.integers(5, 40)), n=int(rng.integers(5, 60)))
        want = torch_scores(model, s)
        got = policy.scores(s)
        assert got.shape == (s.var.shape[0],)
        np.testing.assert_allclose(got, want, rtol=1e-5,
                                   atol=1e-5 * np.abs(want).max())
        np.testing.assert_allclose(policy.scores(s, candidates_only=True),
                                   got[s.candidates], rtol=1e-12,
                                   atol=1e-12 * np.abs(got).max())
        fast = Policy(model.export(), dtype=np.float32).scores(s)
        assert fast.dtype == np.float32
        np.testing.assert_allclose(fast, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_numpy_matches_torch_on_node_states():
    from optsolve.milp.branching import Pseudocost
    from optsolve.milp.generators import combinatorial_auction

    class Keep(Pseudocost):
        cache, states = None, []

        def select(self, state):
            self.cache = self.cache or FeatureCache(state.problem)
            self.states.append(self.cache(state))
            return super().select(state)

    rule = Keep()
    combinatorial_auction(20, 60, seed=2).solve(branching=rule, node_limit=20, cuts=False,
                                                presolve=False, heuristics=False)
    assert rule.states
    model = randomised(7)
    policy = Policy(model.export())
    for s in rule.states[:5]:
        want = torch_scores(model, s)
        np.testing.assert_allclose(policy.scores(s), want, rtol=1e-5,
                                   atol=1e-5 * np.abs(want).max())
        assert policy.select(s) in s.candidates


def test_prenorm_pretraining_standardises():
    rng = np.random.default_rng(5)
    states = [random_state(rng) for _ in range(4)]
    for s in states:
        s.cons[:, 1] = 100 + 10 * s.cons[:, 1]
    model = GCNN().double()
    batches = [tuple(torch.from_numpy(a) for a in (s.cons, s.edge_index, s.edge_attr, s.var))
               for s in states]
    pretrain(model, batches)
    cons = np.vstack([s.cons for s in states])
    z = (cons - model.cons_norm.mean.numpy()) * model.cons_norm.scale.numpy()
    np.testing.assert_allclose(z.mean(0), 0, atol=1e-9)
    np.testing.assert_allclose(z.std(0), 1, rtol=1e-9)
    for norm in model.prenorms()[3:]:      # scale-only, set from the data
        assert norm.scale.item() != 1.0 and norm.mean.item() == 0.0
    # the numpy pass agrees after pretraining too
    policy = Policy(model.export())
    np.testing.assert_allclose(policy.scores(states[0]), torch_scores(model, states[0]),
                               rtol=1e-5, atol=1e-5)


def test_weights_file_errors(tmp_path):
    w = GCNN().export()
    good = tmp_path / "w.npz"
    np.savez(good, **w)
    assert Policy.load(good).emb == 64
    bad = dict(w)
    del bad["c2v.out2.bias"]
    np.savez(tmp_path / "missing.npz", **bad)
    with pytest.raises(ValueError, match=r"missing.npz: `weights` lacks \['c2v.out2.bias'\]"):
        Policy.load(tmp_path / "missing.npz")
    bad = dict(w, **{"out1.bias": np.zeros(3)})
    np.savez(tmp_path / "shape.npz", **bad)
    with pytest.raises(ValueError, match=r"shape.npz: `weights` out1.bias has shape"):
        Policy.load(tmp_path / "shape.npz")
    bad = dict(w, **{"out1.bias": np.full(64, np.nan)})
    with pytest.raises(ValueError, match="non-finite"):
        Policy(bad)
    (tmp_path / "junk.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="junk.npz: not a weights file"):
        Policy.load(tmp_path / "junk.npz")
