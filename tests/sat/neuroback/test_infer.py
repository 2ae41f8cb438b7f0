"""numpy inference against the torch model, weights files, predict()."""
import numpy as np
import pytest

from optsolve.sat import CNF
from optsolve.sat.neuroback import build_graph
from optsolve.sat.neuroback.generators import generate
from optsolve.sat.neuroback.infer import load_weights, predict, predict_graph

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
from optsolve.sat.neuroback.model import BackboneGNN, export_weights, graph_tensors  # noqa: E402


def random_model(seed, hidden, layers):
    torch.manual_seed(seed)
    m = BackboneGNN(hidden=hidden, layers=layers)
    with torch.no_grad():  # not only the initial values: biases and norms too
        for p in m.parameters():
            p.uniform_(-0.5, 0.5)
    return m.eval()


def random_formula(rng, nvars, nclauses):
    """Mixed lengths 1..5, repeated literals and tautologies allowed, some
    variables unused: small components and multi-edges occur."""
    lens = rng.integers(1, 6, size=nclauses)
    lits = rng.integers(1, nvars + 1, size=lens.sum()) * rng.choice([-1, 1], size=lens.sum())
    return CNF.from_arrays(lits, np.concatenate([[0], np.cumsum(lens)]), nvars + 3)


@pytest.mark.parametrize("seed", range(12))
def test_numpy_matches_torch(seed):
    rng = np.random.default_rng(seed)
    hidden, layers = [(8, 1), (16, 2), (32, 4), (24, 3)][seed % 4]
    # weights rounded to float32 (what export ships), then run in float64
    model = random_model(seed, hidden, layers).float().double()
    cnf = random_formula(rng, int(rng.integers(5, 80)), int(rng.integers(3, 200)))
    g = build_graph(cnf)
    x, ei, et = graph_tensors(g, torch.float64)
    with torch.no_grad():
        want = torch.sigmoid(model(x, ei, et)[:len(g.var)]).numpy()
    w = export_weights(model)
    got64 = predict_graph(g, w, np.float64)
    got32 = predict_graph(g, w, np.float32)
    assert got64.dtype == np.float64 and got32.dtype == np.float32
    assert len(want) == len(g.var) > 0
    np.testing.assert_allclose(got64, want, atol=1e-9, rtol=0)
    np.testing.assert_allclose(got32, want, atol=1e-5, rtol=0)
    # the comparison is not vacuous: outputs vary across variables
    assert np.ptp(want) > 1e-3 or len(want) == 1


def test_prediction_depends_on_polarity():
    # flipping every sign of a formula changes the graph only by edge types;
    # a model that ignored them would predict the same for both
    model = random_model(5, 16, 2)
    w = export_weights(model)
    cnf = generate("planted3", 30, 2)
    flipped = CNF.from_arrays(-cnf.lits, cnf.offsets, cnf.nvars)
    a = predict_graph(build_graph(cnf), w, np.float64)
    b = predict_graph(build_graph(flipped), w, np.float64)
    assert np.abs(a - b).max() > 1e-3


def test_weights_roundtrip_and_predict(tmp_path):
    model = random_model(3, 16, 2)
    path = tmp_path / "w.npz"
    export_weights(model, path)
    w = load_weights(path)
    cnf = generate("planted3", 40, 1)
    p = predict(cnf, w)
    p2 = predict(cnf, path)
    assert p.shape == (cnf.nvars,) and np.array_equal(p, p2, equal_nan=True)
    g = build_graph(cnf)
    assert np.all(np.isfinite(p[g.var - 1]))
    missing = np.setdiff1d(np.arange(1, cnf.nvars + 1), g.var)
    assert np.all(np.isnan(p[missing - 1]))


def test_random_weights_are_valid():
    from optsolve.sat.neuroback.infer import check_weights, random_weights
    w = random_weights(12, 3, seed=1)
    assert check_weights(w) is w
    p = predict(generate("xor3", 30, 0), w)
    assert np.nanmax(p) <= 1 and np.nanmin(p) >= 0


def test_bad_weights_files(tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, meta=np.array([99, 1, 1, 6, 6]))
    with pytest.raises(ValueError, match="bad.npz: not a NeuroBack weights file"):
        load_weights(bad)
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="junk.npz"):
        load_weights(junk)
    w = export_weights(random_model(0, 8, 1))
    del w["rel_0"]
    trunc = tmp_path / "trunc.npz"
    np.savez(trunc, **w)
    with pytest.raises(ValueError, match="'rel_0'"):
        load_weights(trunc)
    huge = tmp_path / "huge.npz"
    np.savez(huge, meta=np.array([1, 8, 10**12, 6, 6]))
    with pytest.raises(ValueError, match="huge.npz: hidden size 8 or layer count"):
        load_weights(huge)
    with pytest.raises(FileNotFoundError, match="nothere.npz"):
        load_weights(tmp_path / "nothere.npz")


def test_shipped_weights_beat_polarity_on_unseen_planted_formulas():
    # the shipped network against the best baseline, on formulas generated
    # with seeds the training set did not use
    from optsolve.sat.neuroback.data import backbone
    from optsolve.sat.neuroback.evaluate import baselines
    w = load_weights()
    hits = {"model": 0, "polarity": 0}
    n = 0
    for seed in range(7_000_000, 7_000_025):
        cnf = generate("planted3", 80, seed)
        lab = backbone(cnf, models=0)["labels"]
        g = build_graph(cnf)
        idx = g.var - 1
        bb = np.abs(lab[idx]) == 1
        truth = lab[idx][bb] == 1
        hits["model"] += int(np.sum((predict_graph(g, w)[bb] > 0.5) == truth))
        hits["polarity"] += int(np.sum((baselines(cnf)["polarity"][idx][bb] > 0.5) == truth))
        n += int(bb.sum())
    assert n > 500
    assert hits["model"] / n > hits["polarity"] / n + 0.02
