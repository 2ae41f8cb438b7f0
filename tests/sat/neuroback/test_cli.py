"""``optsolve neuroback label|train|evaluate``: the actions reach their
modules' parsers; bad input is one line and a non-zero exit status."""
from optsolve.cli import main


def test_help_lists_the_actions(capsys):
    assert main(["neuroback", "--help"]) == 0
    out = capsys.readouterr().out
    assert "label" in out and "train" in out and "evaluate" in out


def test_action_help_is_the_module_parser(capsys):
    assert main(["neuroback", "evaluate", "--help"]) == 0
    assert "--weights" in capsys.readouterr().out


def test_unknown_action_is_a_usage_error(capsys):
    assert main(["neuroback", "bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("optsolve neuroback: error: argument action: invalid choice")
    assert err.count("\n") == 1


def test_evaluate_refuses_a_folder_without_labels(tmp_path, capsys):
    assert main(["neuroback", "evaluate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err == f"evaluate: {tmp_path}: not a labelled folder (no manifest.csv)\n"


def test_label_then_evaluate_by_family(tmp_path, capsys):
    out = tmp_path / "set"
    assert main(["neuroback", "label", str(out), "--generated", "4", "--size", "10:14",
                 "--time-limit", "20", "--models", "4", "--workers", "1",
                 "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["neuroback", "evaluate", str(out), "--by-family"]) == 0
    text = capsys.readouterr().out
    headers = [line for line in text.splitlines() if line.endswith("formulas)")]
    # one table per generator family, named by it (not by formula)
    assert 1 <= len(headers) <= 4
    assert all(":" not in h for h in headers)
    assert "polarity" in text and "always_false" in text
