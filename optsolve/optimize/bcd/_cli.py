"""``optsolve bcd``: fit a Lasso or an L1 logistic regression on a LIBSVM file."""
from __future__ import annotations

import sys

import numpy as np

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
                    "whether a limit stopped the run), 1 on a bad input file.")
    p.add_argument("file", help="LIBSVM-format data file")
    p.add_argument("--model", choices=("lasso", "logistic"), default="lasso",
                   help="objective (default: lasso)")
    p.add_argument("--alpha", type=float, default=None,
                   help="L1 weight (default: alpha_max / 10)")
    p.add_argument("--alpha-ratio", type=float, default=None, metavar="R",
                   help="use alpha = R * alpha_max instead of --alpha")
    p.add_argument("--rule", choices=tuple(r for r in GREEDY_RULES if r != "gsq"),
                   default="gsl", help="greedy rule ranking the working set (default: gsl)")
    p.add_argument("--tol", type=float, default=1e-6,
                   help="relative duality gap: stop when gap <= tol * P(0) (default: 1e-6)")
    p.add_argument("--max-iter", type=int, default=None, help="working-set iterations limit")
    p.add_argument("--time-limit", type=float, default=None, help="seconds")
    p.add_argument("-o", "--output", default=None,
                   help="write the coefficients here, one 'index value' line per nonzero "
                        "(0-based feature index)")
    p.add_argument("--positive", action="store_true",
                   help="constrain the coefficients to be non-negative")
    p.add_argument("-v", "--verbose", action="count", default=0, help="progress lines")
    p.set_defaults(func=run)
    return p


def _first_bad_line(path):
    """(line number, reason) of the first malformed LIBSVM line, or None."""
    import bz2
    import gzip
    opener = gzip.open if path.endswith(".gz") else bz2.open if path.endswith(".bz2") else open
    try:
        with opener(path, "rt", errors="replace") as f:
            for no, line in enumerate(f, 1):
                body = line.split("#", 1)[0].split()
                if not body:
                    continue
                try:
                    float(body[0])
                except ValueError:
                    return no, f"label {body[0]!r} is not a number"
                for tok in body[1:]:
                    key, sep, val = tok.partition(":")
                    try:
                        if not sep or (key != "qid" and int(key) < 0):
                            raise ValueError
                        float(val)
                    except ValueError:
                        return no, f"feature {tok!r} is not INDEX:VALUE"
    except OSError:
        return None
    return None


def _load(path):
    from sklearn.datasets import load_svmlight_file
    try:
        X, y = load_svmlight_file(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (ValueError, OSError) as exc:
        where = _first_bad_line(path)
        if where is not None:
            raise ValueError(f"{path}:{where[0]}: {where[1]}") from None
        raise ValueError(f"{path}: not a valid LIBSVM file: {exc}") from None
    return X.tocsc(), y


def run(args) -> int:
    from optsolve._runtime import ConvergenceWarning
    import warnings

    from ._driver import bcd
    from .problems import Lasso, SparseLogisticRegression

    try:
        X, y = _load(args.file)
        cls = Lasso if args.model == "lasso" else SparseLogisticRegression
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
        print(f"optsolve bcd: {exc}", file=sys.stderr)
        return 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # reported below instead
            res = bcd(prob, rule=args.rule, tol=args.tol, max_iter=args.max_iter,
                      time_limit=args.time_limit, verbose=args.verbose)
    except ValueError as exc:
        print(f"optsolve bcd: {exc}", file=sys.stderr)
        return 1
    nnz = int(np.count_nonzero(res.x))
    print(f"{args.model}: n={X.shape[0]} p={X.shape[1]} alpha={alpha:.6g} "
          f"(alpha_max/{amax / alpha if alpha > 0 else np.inf:.3g}) objective={res.fun:.10g} "
          f"gap={res.gap:.3e} nnz={nnz} working_sets={res.nit} time={res.time:.3f}s "
          f"status={res.status} ({res.limit or 'converged'})")
    if args.output:
        idx = np.flatnonzero(res.x)
        with open(args.output, "w") as f:
            f.write(f"# optsolve bcd {args.model} alpha={alpha!r} n_features={X.shape[1]}\n")
            for j in idx:
                f.write(f"{j} {float(res.x[j])!r}\n")
    return 0
