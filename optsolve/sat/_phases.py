"""Phases predicted before solving: NeuroBack's network, the polarity
heuristic, or a file of literals.

Each gives a score per variable, the probability that it is true (NaN: no
prediction), which :meth:`optsolve.sat.Solver.set_predictions` hands to the
C core; there the options ``predicthigh`` and ``predictlow`` decide which
scores are confident enough to be used, and ``predictinit`` and
``predictrephase`` how (initial phases; rephasing's 'original' and
'inverted' targets).
"""
from __future__ import annotations

import os
import time

import numpy as np

__all__ = ["METHODS", "PROBE_CONFLICTS", "phase_scores", "read_phase_file",
           "literal_scores"]

METHODS = ("neuroback", "polarity")

#: solve() and ``optsolve sat`` run the network only when this many
#: conflicts with the default phases leave the formula undecided: easy
#: formulas are solved before the prediction could pay for itself (the
#: guide's "When it is skipped" has the measurement).
PROBE_CONFLICTS = 5000


def literal_scores(lits, nvars):
    """Scores from literals: 1.0 for ``v``, 0.0 for ``-v``, NaN elsewhere."""
    lits = np.asarray(lits, dtype=np.int64)
    out = np.full(nvars, np.nan, dtype=np.float32)
    out[np.abs(lits) - 1] = (lits > 0).astype(np.float32)
    return out


def polarity_scores(cnf):
    """The sign that occurs more often: 1.0 or 0.0, NaN on ties."""
    v = np.abs(cnf.lits) - 1
    pos = cnf.lits > 0
    npos = np.bincount(v[pos], minlength=cnf.nvars)
    nneg = np.bincount(v[~pos], minlength=cnf.nvars)
    out = np.where(npos > nneg, 1.0, 0.0).astype(np.float32)
    out[npos == nneg] = np.nan
    return out


def read_phase_file(path, nvars=None):
    """Literals from a phase file: one literal per line, or ``v`` lines
    (a model as SAT solvers print it, ``0`` ending it; ``c`` and ``s`` lines
    are skipped). Raises ValueError ``FILE:LINE: problem`` on bad input.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("c from elsewhere\\nv 1 -2\\nv 3 0\\n")
    >>> read_phase_file(f.name).tolist()
    [1, -2, 3]
    >>> os.unlink(f.name)
    """
    name = os.fspath(path)
    seen = {}
    out = []
    try:
        with open(name, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ValueError(f"{name}: cannot read phase file: {exc.strerror or exc}") from None
    ended = False
    for lineno, raw in enumerate(data.splitlines(), 1):
        try:
            line = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise ValueError(f"{name}:{lineno}: not ASCII text") from None
        if not line or line[0] in "cs":
            continue
        if line[0] == "v":
            tokens, vline = line[1:].split(), True
        else:
            tokens, vline = line.split(), False
            if len(tokens) != 1:
                raise ValueError(f"{name}:{lineno}: expected one literal per line "
                                 f"or a 'v' line, got {line[:40]!r}")
        for tok in tokens:
            try:
                lit = int(tok)
            except ValueError:
                raise ValueError(f"{name}:{lineno}: {tok[:20]!r} is not a literal") from None
            if ended:
                raise ValueError(f"{name}:{lineno}: literal after the terminating 0")
            if lit == 0:
                if not vline:
                    raise ValueError(f"{name}:{lineno}: 0 is not a literal")
                ended = True
                continue
            var = abs(lit)
            if nvars is not None and var > nvars:
                raise ValueError(f"{name}:{lineno}: variable {var} is beyond the "
                                 f"formula's {nvars}")
            if var > (1 << 30) - 1:
                raise ValueError(f"{name}:{lineno}: variable {var} is out of range")
            if var in seen and seen[var][0] != lit:
                raise ValueError(f"{name}:{lineno}: {lit} contradicts {seen[var][0]} "
                                 f"on line {seen[var][1]}")
            seen[var] = (lit, lineno)
            out.append(lit)
    if not out:
        raise ValueError(f"{name}: no literals in phase file")
    return np.array(out, dtype=np.int32)


def phase_scores(cnf, phases, *, weights=None):
    """``(scores, info)`` for a formula.

    Parameters
    ----------
    cnf : optsolve.sat.CNF
    phases : {"neuroback", "polarity"} or path-like
        The method, or a phase file (:func:`read_phase_file`).
    weights : dict or path, optional
        NeuroBack weights (default: the shipped ones).

    Returns
    -------
    scores : numpy.ndarray of float32, length ``cnf.nvars``
    info : dict
        ``method``, ``skipped`` (None or why), ``graph_time``,
        ``inference_time`` and ``predict_time`` (seconds, loading included).
    """
    start = time.perf_counter()
    info = {"method": None, "skipped": None, "graph_time": 0.0,
            "inference_time": 0.0, "predict_time": 0.0}
    if isinstance(phases, str) and phases in METHODS:
        info["method"] = phases
    elif isinstance(phases, os.PathLike):
        info["method"] = "file"
    else:
        raise ValueError(f"`phases` must be 'neuroback', 'polarity', a path or a "
                         f"sequence of literals, got {phases!r}")
    if info["method"] == "file":
        scores = literal_scores(read_phase_file(phases, cnf.nvars), cnf.nvars)
    elif info["method"] == "polarity":
        scores = polarity_scores(cnf)
    else:
        from optsolve.sat.neuroback.graph import build_graph
        from optsolve.sat.neuroback.infer import load_weights, predict_graph
        if weights is None or isinstance(weights, (str, os.PathLike)):
            weights = load_weights(weights)
        t0 = time.perf_counter()
        g = build_graph(cnf)
        t1 = time.perf_counter()
        scores = np.full(cnf.nvars, np.nan, dtype=np.float32)
        scores[g.var - 1] = predict_graph(g, weights, np.float32)
        info["graph_time"] = t1 - t0
        info["inference_time"] = time.perf_counter() - t1
    info["predict_time"] = time.perf_counter() - start
    return scores, info
