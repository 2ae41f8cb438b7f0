"""Build the compiled extensions of optsolve.

Each extension is one Cython module plus the C99 sources it wraps. Switches
(environment variables, read at build time):

``OPTSOLVE_NATIVE=1``
    add ``-march=native`` (the binary may crash on older CPUs; off by default).
``OPTSOLVE_SANITIZE=1``
    build with AddressSanitizer and UBSan (``-fsanitize=address,undefined``);
    run the tests with ``tools/sanitize-test.sh`` which preloads the runtime.
``OPTSOLVE_DEBUG=1``
    ``-O0 -g`` instead of ``-O3``.
``OPTSOLVE_ONLY=optsolve.sat._cdcl``
    build only the named extensions (comma-separated).
"""
import glob
import os
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))


def _flag(name):
    return os.environ.get(name, "0").lower() not in ("", "0", "false", "no", "off")


def _cflags():
    flags = ["-std=c99", "-Wall", "-Wextra", "-Wno-unused-function"]
    if _flag("OPTSOLVE_DEBUG") or _flag("OPTSOLVE_SANITIZE"):
        flags += ["-O1" if _flag("OPTSOLVE_SANITIZE") else "-O0", "-g"]
    else:
        flags += ["-O3", "-DNDEBUG"]
    if _flag("OPTSOLVE_NATIVE"):
        flags.append("-march=native")
    if _flag("OPTSOLVE_SANITIZE"):
        flags += ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                  "-fno-sanitize-recover=undefined"]
    return flags


def _ldflags():
    if _flag("OPTSOLVE_SANITIZE"):
        return ["-fsanitize=address,undefined"]
    return []


def _sources(patterns, exclude=()):
    out = []
    for pat in patterns:
        out += sorted(glob.glob(os.path.join(HERE, pat)))
    out = [os.path.relpath(p, HERE) for p in out]
    return [p for p in out if os.path.basename(p) not in exclude]


# module name -> (Cython file, C source globs, excluded C file names)
# The SAT core (csrc/sat) is split into the DIMACS tokenizer (parse.c, used by
# the reader) and the CDCL solver (every other file in csrc/sat/).
EXTENSIONS = {
    "optsolve.sat._dimacs": ("optsolve/sat/_dimacs.pyx", ["csrc/sat/parse.c"], ()),
    "optsolve.sat._cdcl": ("optsolve/sat/_cdcl.pyx", ["csrc/sat/*.c"], ("parse.c",)),
}


def extensions():
    # OPTSOLVE_ONLY=mod1,mod2 builds only those extensions (for work on one)
    only = [m for m in os.environ.get("OPTSOLVE_ONLY", "").split(",") if m]
    exts = []
    for name, (pyx, csrc, exclude) in EXTENSIONS.items():
        if not os.path.exists(os.path.join(HERE, pyx)):
            continue
        if only and name not in only:
            continue
        exts.append(Extension(
            name,
            sources=[pyx] + _sources(csrc, exclude),
            include_dirs=["csrc/sat", np.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=_cflags(),
            extra_link_args=_ldflags(),
        ))
    return cythonize(
        exts,
        language_level=3,
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "embedsignature": True},
        quiet=True,
    )


if __name__ == "__main__" or "setuptools" in sys.modules:
    setup(ext_modules=extensions())
