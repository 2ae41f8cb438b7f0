"""``python -m bench NAME [options]``: run one benchmark."""
import importlib
import pkgutil
import sys
from pathlib import Path


def available():
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)])
                  if not m.name.startswith("_") and m.name != "run")


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    names = available()
    if not argv or argv[0] in ("-h", "--help", "--list"):
        print(__doc__.strip())
        print("benchmarks:", ", ".join(names))
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in names:
        print(f"bench: unknown benchmark {name!r}; available: {', '.join(names)}",
              file=sys.stderr)
        return 2
    mod = importlib.import_module(f"bench.{name}")
    return int(mod.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
