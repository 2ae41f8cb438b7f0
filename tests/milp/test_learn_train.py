"""Imitation training: agreement counting, learning a rule the network can
represent, checkpoints and resuming, the weights it writes."""
import numpy as np
import pytest

from optsolve.milp.learn import BipartiteState
from optsolve.milp.learn.infer import Policy, agreement, evaluate_policy

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
from optsolve.milp.learn.train import Batch, evaluate, train  # noqa: E402


def test_agreement_by_hand():
    logits = [np.array([0.1, 0.9, 0.5]), np.array([3.0, 2.0, 1.0, 0.0, -1, -2])]
    scores = [np.array([1.0, 2.0, 2.0]),            # top-1 picks a tied best
              np.array([0, 0, 0, 0, 0, 5.0])]       # best is the model's last
    assert agreement(logits, scores) == {1: 1, 5: 1}
    assert agreement(logits, scores, ks=(6,)) == {6: 2}


def synthetic(rng, count):
    """States whose expert picks the candidate with the largest objective
    feature (column 4): a rule the network can learn."""
    out = []
    for _ in range(count):
        m, n = int(rng.integers(4, 10)), int(rng.integers(8, 16))
        mask = rng.random((m, n)) < 0.3
        rows, cols = np.nonzero(mask)
        var = rng.normal(size=(n, 19)).astype(np.float32)
        cand = np.sort(rng.choice(n, int(rng.integers(3, 7)), replace=False))
        scores = var[cand, 4].astype(float)
        s = BipartiteState(rng.normal(size=(m, 5)).astype(np.float32),
                           np.vstack([rows, cols]).astype(np.int64),
                           rng.normal(size=(rows.size, 1)).astype(np.float32), var, cand)
        out.append((s, scores, int(np.argmax(scores))))
    return out


def test_padded_logits():
    rng = np.random.default_rng(0)
    b = Batch(synthetic(rng, 3))
    scores = torch.arange(b.var.shape[0], dtype=torch.float32)
    lg = b.padded_logits(scores)
    sizes = np.diff(b.ptr)
    assert lg.shape == (3, sizes.max())
    off = 0
    for i, (s, _, _) in enumerate(synthetic(np.random.default_rng(0), 3)):
        np.testing.assert_array_equal(lg[i, :sizes[i]].numpy(), s.candidates + off)
        assert torch.all(torch.isinf(lg[i, sizes[i]:]))
        off += s.var.shape[0]


def test_learns_a_representable_rule_and_resumes(tmp_path):
    torch.set_num_threads(1)
    rng = np.random.default_rng(1)
    tr, va = synthetic(rng, 300), synthetic(rng, 60)
    logs = []
    before = evaluate(__import__("optsolve.milp.learn.model", fromlist=["GCNN"]).GCNN(), va)
    best = train(tr, va, tmp_path, epochs=3, batch_size=16, lr=3e-3, seed=0,
                 log=logs.append)
    assert (tmp_path / "checkpoint.pt").exists() and (tmp_path / "best.npz").exists()
    best = train(tr, va, tmp_path, epochs=30, batch_size=16, lr=3e-3, seed=0,
                 log=logs.append)
    assert logs[3] == "resuming after epoch 2"
    assert best["top1"] >= 0.7 and best["top1"] > before["top1"] + 0.3
    assert best["top5"] >= best["top1"]
    # the exported weights pick what torch picks
    policy = Policy.load(tmp_path / "best.npz")
    hits = sum(policy.select(s) == s.candidates[ch] for s, _, ch in va)
    assert hits / len(va) == pytest.approx(best["top1"], abs=0.05)
    assert evaluate_policy(policy, va)["top1"] == pytest.approx(best["top1"], abs=0.05)
