"""docs/architecture.rst stays true: every file or folder it names exists,
and every module of the engines is named on it."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAGE = (ROOT / "docs" / "architecture.rst").read_text()
# ``name.py``, ``csrc/sat/``, ``milp/nodesel/`` ... in double backquotes
NAMED = set(re.findall(r"``([\w./]+?\.(?:py|pyx|c|h)|[\w./]+/)``", PAGE))
SOURCES = [p for p in ROOT.rglob("*")
           if p.suffix in (".py", ".pyx", ".c", ".h") or p.is_dir()]
RELATIVE = {p.relative_to(ROOT).as_posix() + ("/" if p.is_dir() else "")
            for p in SOURCES if ".git" not in p.parts}


def _exists(name):
    return any(r == name or r.endswith("/" + name) for r in RELATIVE)


def test_every_named_path_exists():
    missing = sorted(n for n in NAMED if not _exists(n))
    assert not missing, f"docs/architecture.rst names missing paths: {missing}"


def test_every_engine_module_is_named():
    # a new module in an engine's folder belongs on the map
    engines = ["csrc/sat", "optsolve/milp", "optsolve/optimize/bilevel",
               "optsolve/optimize/bcd", "optsolve/batch"]
    unnamed = []
    for folder in engines:
        for p in sorted((ROOT / folder).glob("*")):
            if p.suffix not in (".py", ".c", ".h") or p.name == "__init__.py":
                continue
            if p.name not in PAGE:
                unnamed.append(f"{folder}/{p.name}")
    assert not unnamed, f"modules missing from docs/architecture.rst: {unnamed}"
