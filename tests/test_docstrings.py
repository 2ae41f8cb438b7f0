"""Every Examples section in the package's docstrings runs as written."""
import doctest
import importlib
import pkgutil

import pytest

import optsolve

# training code needs the optional `learn` extra and is exercised elsewhere
SKIP = ("train", "._cli", "__main__")


def modules():
    names = []
    for info in pkgutil.walk_packages(optsolve.__path__, "optsolve."):
        if any(s in info.name for s in SKIP):
            continue
        names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("name", modules())
def test_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    mod = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(mod, name):
        if test.examples:
            runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
