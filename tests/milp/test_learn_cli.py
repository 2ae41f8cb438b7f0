"""``optsolve learn-branching collect|train|evaluate``: the actions reach
their modules' parsers; bad input is one line and a non-zero exit status."""
import json
from pathlib import Path

import optsolve.milp.learn as learn
from optsolve.cli import main


def test_help_lists_the_actions(capsys):
    assert main(["learn-branching", "--help"]) == 0
    out = capsys.readouterr().out
    assert "collect" in out and "train" in out and "evaluate" in out


def test_action_help_is_the_module_parser(capsys):
    assert main(["learn-branching", "collect", "--help"]) == 0
    assert "--family" in capsys.readouterr().out


def test_unknown_action_is_a_usage_error(capsys):
    assert main(["learn-branching", "bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optsolve learn-branching: error: argument action: invalid choice")
    assert err.count("\n") == 1


def test_missing_flag_is_a_usage_error(capsys):
    assert main(["learn-branching", "evaluate", "--data", "x"]) == 2
    assert "--weights" in capsys.readouterr().err


def test_evaluate_shipped_weights_on_collected_samples(tmp_path, monkeypatch, capsys):
    from optsolve.milp.learn.collect import collect_instance
    (tmp_path / "kfam.py").write_text(
        "from optsolve.milp.generators import knapsack\n"
        "def make(seed):\n"
        "    return knapsack(n_items=30, n_constraints=3, seed=seed)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    data = tmp_path / "data"
    data.mkdir()
    _, k, _, _ = collect_instance("kfam:make", 2, data, probability=1.0, pure_bnb=True)
    assert k > 0
    weights = Path(learn.__file__).parent / "weights" / "general.npz"
    assert main(["learn-branching", "evaluate", "--weights", str(weights),
                 "--data", str(data)]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["samples"] == k
    assert 0.0 <= report["random_top1"] <= report["random_top5"] <= 1.0
    assert 0.0 <= report["top1"] <= report["top5"] <= 1.0
