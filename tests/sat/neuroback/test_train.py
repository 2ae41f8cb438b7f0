"""Training loop (tiny runs), checkpoints and resume, the evaluation table."""
import json

import numpy as np
import pytest

from optsolve.sat import CNF
from optsolve.sat.neuroback import data
from optsolve.sat.neuroback.evaluate import baselines, evaluate
from optsolve.sat.neuroback.infer import load_weights, predict_graph

torch = pytest.importorskip("torch")
pytest.importorskip("torch_geometric")
from optsolve.sat.neuroback import train  # noqa: E402
from optsolve.sat.neuroback.model import BackboneGNN, graph_tensors  # noqa: E402


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    out = tmp_path_factory.mktemp("labelled")
    rows = []
    for i in range(10):
        spec = {"name": f"f{i}", "family": ["planted3", "xor3"][i % 2], "size": 30 + i, "seed": i}
        row, arrays = data.label_formula(spec, time_limit=20, models=4)
        np.savez(out / f"f{i}.npz", **arrays)
        rows.append(row)
    with open(out / "manifest.csv", "w") as f:
        import csv
        w = csv.DictWriter(f, fieldnames=data.MANIFEST_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return out


def test_train_writes_checkpoints_and_resumes(labelled, tmp_path):
    out = tmp_path / "run"
    r = train.train(labelled, out, hidden=8, layers=2, epochs=2, batch_size=4,
                    val_fraction=0.3, progress=False)
    assert [h["epoch"] for h in r["history"]] == [1, 2]
    assert len(r["val_names"]) == 3
    for name in ("checkpoint.pt", "best.pt", "weights.npz", "history.json", "config.json"):
        assert (out / name).exists()
    # the exported weights are the best epoch's model, run by numpy
    best = torch.load(out / "best.pt", weights_only=False)
    model = BackboneGNN(hidden=8, layers=2)
    model.load_state_dict(best["model"])
    model.eval()
    w = load_weights(out / "weights.npz")
    cnf, _, _ = data.load(labelled / "f3.npz")
    from optsolve.sat.neuroback import build_graph
    g = build_graph(cnf)
    with torch.no_grad():
        want = torch.sigmoid(model(*graph_tensors(g))[:len(g.var)]).numpy()
    np.testing.assert_allclose(predict_graph(g, w), want, atol=1e-5)
    # resume continues from epoch 2 to 3
    r2 = train.train(labelled, out, hidden=8, layers=2, epochs=3, batch_size=4,
                     val_fraction=0.3, progress=False, resume=True)
    assert [h["epoch"] for h in r2["history"]] == [1, 2, 3]
    assert json.loads((out / "history.json").read_text())[-1]["epoch"] == 3


def test_training_is_seeded(labelled, tmp_path):
    a = train.train(labelled, tmp_path / "a", hidden=8, layers=1, epochs=1,
                    progress=False, seed=3)
    b = train.train(labelled, tmp_path / "b", hidden=8, layers=1, epochs=1,
                    progress=False, seed=3)
    assert a["history"][0]["train_loss"] == b["history"][0]["train_loss"]


def test_train_learns_a_planted_signal(tmp_path):
    # planted 3-SAT: the hidden assignment shows in the literal counts, which
    # a model must pick up from its features and messages within a few epochs
    folder = tmp_path / "pos"
    folder.mkdir()
    rows = []
    for i in range(24):
        spec = {"name": f"p{i}", "family": "planted3", "size": 30, "seed": 100 + i}
        row, arrays = data.label_formula(spec, time_limit=20, models=2)
        rows.append(row)
        np.savez(folder / f"p{i}.npz", **arrays)
    import csv
    with open(folder / "manifest.csv", "w") as f:
        w = csv.DictWriter(f, fieldnames=data.MANIFEST_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    r = train.train(folder, tmp_path / "run", hidden=16, layers=2, epochs=15,
                    val_fraction=0.25, progress=False, lr=1e-2)
    res = evaluate(folder, tmp_path / "run" / "weights.npz", names=set(r["val_names"]))
    assert res["model"]["backbone"] > max(res["always_false"]["backbone"], 0.5) + 0.15


def test_main_rejects_bad_arguments(capsys, tmp_path):
    with pytest.raises(SystemExit):
        train.main([str(tmp_path), "--out", str(tmp_path / "o"), "--hidden", "0"])
    assert "--hidden" in capsys.readouterr().err
    assert train.main([str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress"]) == 1
    assert "no labelled" in capsys.readouterr().err


def test_baselines_by_hand():
    # x1: +,+ (2 pos), x2: +,- in a binary and a ternary clause, x3: - once
    cnf = CNF([[1, 2], [1, -2, -3]])
    b = baselines(cnf)
    assert b["always_false"].tolist() == [0, 0, 0]
    assert b["polarity"].tolist() == [1, 0, 0]  # x2 tied: false
    # JW: x2 positive 1/4 vs negative 1/8 -> true
    assert b["jeroslow_wang"].tolist() == [1, 1, 0]


def test_evaluate_always_false_counts(labelled):
    res = evaluate(labelled)
    assert "model" not in res
    total_false = total = 0
    from optsolve.sat.neuroback import build_graph
    for i in range(10):
        cnf, labels, _ = data.load(labelled / f"f{i}.npz")
        lab = labels[build_graph(cnf).var - 1]
        total_false += int(np.sum(lab == data.BACKBONE_FALSE))
        total += int(np.sum(np.abs(lab) == 1))
    assert res["always_false"]["backbone_vars"] == total
    assert res["always_false"]["backbone"] == pytest.approx(total_false / total)
