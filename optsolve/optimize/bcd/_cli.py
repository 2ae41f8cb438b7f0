"""``optsolve bcd``: fit a Lasso or an L1 logistic regression on a LIBSVM file."""
from __future__ import annotations

import argparse
import math
import sys

import numpy as np

from .options import TABLE
from .rules import GREEDY_RULES

__all__ = ["add_parser", "run"]


def add_parser(subparsers):
    p = subparsers.add_parser(
        "bcd", help="fit a Lasso / L1 logistic regression on a LIBSVM file",
        description="Fit a Lasso (1/(2n)||y - Xw||^2 + alpha||w||_1) or an L1 logistic "
                    "regression ((1/n) sum log(1 + exp(-y x^T w)) + alpha||w||_1), no "
                    "intercept, on a LIBSVM/svmlight file (.gz/.bz2 read transparently) by "
                    "greedy block coordinate descent. Prints one summary line; writes the "
                    "coefficients with --output. Exit status 0 (the summary's status says "
                    "whether a limit stopped the run), 1 on a bad input file or an output "
                    "file that cannot be written (checked before the fit), 2 on a usage "
                    f"error. Feature indices range over 0..{MAX_FEATURE_INDEX}; only the "
                    "features that occur take memory.")
    p.add_argument("file", help="LIBSVM-format data file (.gz/.bz2/.xz read transparently)")
    p.add_argument("--model", choices=("lasso", "logistic"), default="lasso",
                   help="objective (default: lasso)")
    p.add_argument("--alpha", type=_number(float), default=None,
                   help="L1 weight (default: alpha_max / 10)")
    p.add_argument("--alpha-ratio", type=_number(float), default=None, metavar="R",
                   help="use alpha = R * alpha_max instead of --alpha")
    # the flags that are options of bcd take their default and words from its table
    p.add_argument("--rule", choices=tuple(r for r in GREEDY_RULES if r != "gsq"),
                   default=_OPT["rule"].default,
                   help=f"greedy {_OPT['rule'].description} ranking the working set "
                        f"(default: {_OPT['rule'].default})")
    p.add_argument("--tol", type=_number(float), default=_OPT["tol"].default,
                   help=f"{_OPT['tol'].description}, the duality gap: stop when "
                        f"gap <= tol * P(0) (default: {_OPT['tol'].default:g})")
    p.add_argument("--max-iter", type=_number(int, 0, _MAX_COUNT),
                   default=_OPT["max_iter"].default, help="working-set iterations limit")
    p.add_argument("--time-limit", type=_number(float), default=_OPT["time_limit"].default,
                   help=_OPT["time_limit"].description)
    p.add_argument("-o", "--output", default=None,
                   help="write the coefficients here, one 'index value' line per nonzero "
                        "(0-based feature index)")
    p.add_argument("--positive", action="store_true",
                   help="constrain the coefficients to be non-negative")
    p.add_argument("-v", "--verbose", action="count", default=0, help="progress lines")
    p.set_defaults(func=run)
    return p


_OPT = {o.name: o for o in TABLE}

# the LIBSVM reader (scikit-learn's) stores feature indices as C ints
MAX_FEATURE_INDEX = 2**31 - 1
_MAX_COUNT = 2**63 - 1


def _number(kind, low=0, high=math.inf):
    """argparse type: a finite number of ``kind`` in [low, high] (usage
    errors exit 2 with argparse's one-line message)."""
    def convert(text):
        try:
            v = kind(text)
        except (ValueError, OverflowError):
            raise argparse.ArgumentTypeError(f"{text!r} is not a valid {kind.__name__}")
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(
                f"{text!r} must be non-negative" if high == math.inf else
                f"{text!r} is outside {low}..{high}")
        return v
    return convert


def _first_bad_line(path):
    """(line number, reason) of the first malformed LIBSVM line, or None.
    A compressed file that ends early is reported at the line it ends in."""
    import bz2
    import gzip
    import lzma
    import zlib
    opener = (gzip.open if path.endswith(".gz") else bz2.open if path.endswith(".bz2")
              else lzma.open if path.endswith(".xz") else open)
    no = 0
    try:
        with opener(path, "rt", errors="replace") as f:
            for no, line in enumerate(f, 1):
                why = _bad_line(line)
                if why is not None:
                    return no, why
    except (EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            return None
        return no + 1, f"the compressed data ends or breaks here ({exc})"
    return None


def _bad_line(line):
    """Why ``line`` is not a LIBSVM line, or None."""
    body = line.split("#", 1)[0].split()
    if not body:
        return None
    try:
        label = float(body[0])
    except ValueError:
        return f"label {body[0]!r} is not a number"
    if not math.isfinite(label):
        return f"label {body[0]!r} is not finite"
    last = -1
    for tok in body[1:]:
        key, sep, val = tok.partition(":")
        try:
            if not sep:
                raise ValueError
            if key == "qid":
                int(val)
                continue
            idx = int(key)
            v = float(val)
        except ValueError:
            return f"feature {tok!r} is not INDEX:VALUE"
        if not 0 <= idx <= MAX_FEATURE_INDEX:
            return f"feature index {idx} is outside 0..{MAX_FEATURE_INDEX}"
        if not math.isfinite(v):
            return f"feature {tok!r} has a non-finite value"
        if idx <= last:
            return f"feature index {idx} does not increase (indices must be sorted and unique)"
        last = idx
    return None


def _load(path):
    """(X as CSC over the features that occur, their indices in the file's
    numbering (0-based), n_features, y). Columns absent from the file are
    all zero, so their L1 coefficient is 0: only the columns present are
    stored, and a file naming feature 2e9 costs memory for its nonzeros only."""
    import lzma
    import os
    import zlib

    import scipy.sparse as sp
    from sklearn.datasets import load_svmlight_file
    if not os.path.exists(path):
        raise ValueError(f"{path}: no such file")
    if os.path.isdir(path):
        raise ValueError(f"{path}: is a directory, not a LIBSVM file")
    try:
        X, y = load_svmlight_file(path)
    except PermissionError:
        raise ValueError(f"{path}: permission denied") from None
    except (ValueError, OverflowError, EOFError, zlib.error, lzma.LZMAError, OSError) as exc:
        where = _first_bad_line(path)
        if where is not None:
            raise ValueError(f"{path}:{where[0]}: {where[1]}") from None
        raise ValueError(f"{path}: not a valid LIBSVM file ({exc})") from None
    if X.shape[0] == 0:
        raise ValueError(f"{path}: no data lines (empty file)")
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(X.data))):
        where = _first_bad_line(path)
        raise ValueError(f"{path}:{where[0]}: {where[1]}" if where else
                         f"{path}: non-finite label or feature value")
    X = sp.csr_matrix(X)
    used, cols = np.unique(X.indices, return_inverse=True)
    if used.size == 0:
        raise ValueError(f"{path}: no feature values, nothing to fit")
    Xc = sp.csr_matrix((X.data, cols.astype(np.int64), X.indptr), shape=(X.shape[0], used.size))
    return Xc.tocsc(), used, X.shape[1], y


def _check_output(path):
    """Fail before the fit, not after it, on an output file we cannot write."""
    import os
    full = os.path.abspath(path)
    folder = os.path.dirname(full)
    if os.path.isdir(full):
        raise ValueError(f"{path}: is a directory (--output)")
    if not os.path.isdir(folder):
        raise ValueError(f"{path}: folder {folder} does not exist (--output)")
    if not os.access(folder, os.W_OK | os.X_OK) or (os.path.exists(full)
                                                    and not os.access(full, os.W_OK)):
        raise ValueError(f"{path}: not writable (--output)")


def run(args) -> int:
    from optsolve._runtime import ConvergenceWarning
    import warnings

    from ._driver import bcd
    from .problems import Lasso, SparseLogisticRegression

    try:
        if args.output:
            _check_output(args.output)
        X, used, n_features, y = _load(args.file)
        cls = Lasso if args.model == "lasso" else SparseLogisticRegression
        try:
            probe = cls(X, y, 1.0, positive=args.positive)
            amax = probe.alpha_max()
            if args.alpha_ratio is not None:
                alpha = args.alpha_ratio * amax
            elif args.alpha is not None:
                alpha = args.alpha
            else:
                alpha = amax / 10
            prob = cls(X, y, alpha, positive=args.positive)
        except ValueError as exc:
            raise ValueError(f"{args.file}: {exc}") from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # reported below instead
            res = bcd(prob, rule=args.rule, tol=args.tol, max_iter=args.max_iter,
                      time_limit=args.time_limit, verbose=args.verbose)
    except ValueError as exc:
        print(f"optsolve bcd: {exc}", file=sys.stderr)
        return 1
    nnz = int(np.count_nonzero(res.x))
    print(f"{args.model}: n={X.shape[0]} p={n_features} alpha={alpha:.6g} "
          f"(alpha_max/{amax / alpha if alpha > 0 else np.inf:.3g}) objective={res.fun:.10g} "
          f"gap={res.gap:.3e} nnz={nnz} working_sets={res.nit} time={res.time:.3f}s "
          f"status={res.status} ({res.limit or 'converged'})")
    if args.output:
        try:
            with open(args.output, "w") as f:
                f.write(f"# optsolve bcd {args.model} alpha={alpha!r} "
                        f"n_features={n_features}\n")
                for j in np.flatnonzero(res.x):
                    f.write(f"{int(used[j])} {float(res.x[j])!r}\n")
        except OSError as exc:
            print(f"optsolve bcd: {args.output}: cannot write ({exc.strerror})", file=sys.stderr)
            return 1
    return 0
