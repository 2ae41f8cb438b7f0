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
