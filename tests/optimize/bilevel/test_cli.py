"""``optsolve bilevel``: learn TV parameters from a folder of images."""
import argparse

import numpy as np
import pytest
from PIL import Image

from optsolve.optimize.bilevel import _cli


def run_cli(argv):
    parser = argparse.ArgumentParser(prog="optsolve")
    _cli.add_parser(parser.add_subparsers())
    args = parser.parse_args(["bilevel", *argv])
    return args.func(args)


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(0)
    for i in range(2):
        img = np.kron(rng.integers(0, 2, (4, 4)), np.ones((6, 6))) * 200 + 20
        Image.fromarray(img.astype(np.uint8)).save(tmp_path / f"img{i}.png")
    return tmp_path


def test_learns_and_reports(folder, capsys):
    assert run_cli([str(folder), "--max-work", "2000"]) == 0
    out = capsys.readouterr().out
    assert "images: 2 (24x24)" in out and "log lambda" in out
    psnr = out.split("PSNR:")[1].split()
    noisy, learned = float(psnr[1]), float(psnr[7])
    assert learned > noisy + 3


def test_resize_and_method(folder, capsys):
    assert run_cli([str(folder / "img0.png"), "--size", "16", "--method", "hoag",
                    "--max-work", "500"]) == 0
    assert "images: 1 (16x16)" in capsys.readouterr().out


def test_errors_name_the_file(folder, tmp_path, capsys):
    assert run_cli([str(tmp_path / "missing.png")]) == 1
    assert "missing.png: no such file" in capsys.readouterr().err
    bad = folder / "bad.png"
    bad.write_text("not an image")
    assert run_cli([str(bad)]) == 1
    assert "bad.png: cannot read image" in capsys.readouterr().err
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(folder / "odd.png")
    bad.unlink()
    assert run_cli([str(folder)]) == 1
    assert "--size" in capsys.readouterr().err


def test_step_rule_and_beta0(folder, capsys):
    assert run_cli([str(folder), "--max-work", "2000", "--step-rule", "bb-length",
                    "--beta0", "dim"]) == 0
    psnr = capsys.readouterr().out.split("PSNR:")[1].split()
    assert float(psnr[7]) > float(psnr[1]) + 3
    assert run_cli([str(folder), "--max-work", "500", "--beta0", "0.05"]) == 0
    capsys.readouterr()
    assert run_cli([str(folder), "--max-work", "2000", "--direction", "lbfgs"]) == 0
    psnr = capsys.readouterr().out.split("PSNR:")[1].split()
    assert float(psnr[7]) > float(psnr[1]) + 3
    assert run_cli([str(folder), "--beta0", "big"]) == 1
    assert "`beta0` must be a positive" in capsys.readouterr().err
    assert run_cli([str(folder), "--method", "hoag", "--step-rule", "bb"]) == 1
    assert "unknown `options`" in capsys.readouterr().err
