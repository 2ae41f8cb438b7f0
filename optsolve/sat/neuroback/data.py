"""Training labels: backbones and phase frequencies of satisfiable formulas.

The backbone of a satisfiable formula is the set of literals true in every
model. :func:`backbone` computes it with our incremental solver the way
CadiBack does (Biere, Froleyks and Wang, "CadiBack: Extracting Backbones with
CaDiCaL", SAT 2023): every model found removes the candidates it falsifies;
each remaining candidate ``l`` is tested by solving under the assumption
``-l`` (unsatisfiable: ``l`` is in the backbone and is added as a unit;
satisfiable: the new model filters the candidates again). A per-formula time
budget leaves the untested candidates *unknown*.

Variables outside the backbone are labelled with their phase frequency: the
fraction of sampled models (each solve started from random phases) in which
they are true.

``python -m optsolve.sat.neuroback.data OUT ...`` labels generated and public
formulas on Dask (one task per formula) into a folder of ``.npz`` files and a
``manifest.csv``; it resumes where a previous run stopped.
"""
from __future__ import annotations

import argparse
import csv
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np

__all__ = ["backbone", "label_formula", "BACKBONE_TRUE", "BACKBONE_FALSE",
           "FREE", "UNKNOWN", "main"]

# per-variable labels (int8)
BACKBONE_TRUE, BACKBONE_FALSE, FREE, UNKNOWN = 1, -1, 0, 2

MANIFEST_COLUMNS = ["name", "source", "status", "nvars", "nclauses", "backbone",
                    "free", "unknown", "models", "seconds"]


def _check_model(cnf, values):
    """True when ``values`` (+-1 per variable 1..nvars, index 0 unused)
    satisfies every clause of ``cnf``."""
    if cnf.nclauses == 0:
        return True
    sat = (np.sign(cnf.lits) == values[np.abs(cnf.lits)]).astype(np.int64)
    lengths = np.diff(cnf.offsets)
    per_clause = np.add.reduceat(sat, cnf.offsets[:-1]) if len(sat) else np.zeros(0)
    per_clause = np.where(lengths > 0, per_clause, 0)
    return bool(np.all(per_clause > 0))


class _Budget:
    """Interrupts the solver when the formula's time is up."""

    def __init__(self, solver, seconds):
        self.solver = solver
        self.timer = None
        self.expired = False
        if seconds is not None:
            self.timer = threading.Timer(seconds, self._expire)
            self.timer.daemon = True
            self.timer.start()

    def _expire(self):
        self.expired = True
        self.solver.interrupt()

    def cancel(self):
        if self.timer is not None:
            self.timer.cancel()


def backbone(cnf, *, time_limit=None, models=16, seed=0):
    """Backbone and phase frequencies of a formula.

    Parameters
    ----------
    cnf : optsolve.sat.CNF
        The formula.
    time_limit : float, optional
        Seconds for the whole computation; candidates not decided by then are
        labelled :data:`UNKNOWN`.
    models : int
        Models sampled from random initial phases after the backbone is
        known (the models found while filtering count too).
    seed : int
        Seed of the random phases.

    Returns
    -------
    dict
        ``status`` ("SAT", "UNSAT" or "UNKNOWN"); for "SAT" also
        ``labels`` (int8 per variable 1..nvars: :data:`BACKBONE_TRUE`,
        :data:`BACKBONE_FALSE`, :data:`FREE` or :data:`UNKNOWN`),
        ``frequency`` (float32 per variable: fraction of the sampled models
        in which it is true), ``models`` (how many) and ``complete`` (no
        unknowns).

    Examples
    --------
    >>> from optsolve.sat import CNF
    >>> r = backbone(CNF([[1], [-1, -2], [3, 4]]))
    >>> r["status"], r["labels"].tolist()
    ('SAT', [1, -1, 0, 0])
    """
    from optsolve.sat import Solver
    if models < 0:
        raise ValueError(f"`models` must be non-negative, got {models!r}")
    nvars = cnf.nvars
    used = np.zeros(nvars + 1, dtype=bool)
    used[np.abs(cnf.lits)] = True
    rng = np.random.default_rng(seed)
    counts = np.zeros(nvars + 1, dtype=np.int64)
    nmodels = 0
    with Solver(bootstrap_with=cnf) as s:
        budget = _Budget(s, time_limit)
        try:
            def model():
                # +-1 per variable 0..nvars; unused variables +1
                values = np.ones(nvars + 1, dtype=np.int8)
                m = np.asarray(s.get_model(), dtype=np.int64)
                values[np.abs(m)] = np.sign(m)
                if not _check_model(cnf, values):
                    raise RuntimeError("the solver returned a model that "
                                       "falsifies a clause")
                return values

            answer = s.solve_limited()
            if answer is not True:
                return {"status": "UNSAT" if answer is False else "UNKNOWN"}
            values = model()
            counts += values > 0
            nmodels += 1
            # candidate literal of each variable (0: not a candidate)
            cand = np.where(used, values, 0).astype(np.int8)
            labels = np.full(nvars + 1, FREE, dtype=np.int8)
            for v in np.flatnonzero(cand).tolist():
                if cand[v] == 0:
                    continue  # removed by a model found after the list was made
                lit = int(cand[v]) * v
                answer = s.solve_limited(assumptions=[-lit])
                if answer is None:
                    break
                if answer is False:
                    labels[v] = cand[v]
                    cand[v] = 0
                    s.add_clause([lit])
                    continue
                values = model()
                counts += values > 0
                nmodels += 1
                cand[cand != values] = 0
            unknown = cand != 0
            unknown &= labels == FREE
            labels[unknown] = UNKNOWN
            for _ in range(models):
                if budget.expired:
                    break
                s.set_phases(np.arange(1, nvars + 1) * rng.choice([-1, 1], size=nvars))
                if s.solve_limited() is not True:
                    break
                counts += model() > 0
                nmodels += 1
        finally:
            budget.cancel()
    return {"status": "SAT", "labels": labels[1:], "models": nmodels,
            "frequency": (counts[1:] / nmodels).astype(np.float32),
            "complete": not unknown.any()}


def label_formula(spec, time_limit=None, models=16):
    """One labelling task: build or read the formula of ``spec`` (a dict with
    ``name`` and either ``family``/``size``/``seed`` or ``path``), compute its
    labels; returns ``(row, arrays)`` where ``arrays`` is None unless SAT."""
    from optsolve.sat import read_dimacs
    from optsolve.sat.neuroback.generators import generate
    start = time.perf_counter()
    if "path" in spec:
        cnf = read_dimacs(spec["path"])
        source = spec["path"]
    else:
        cnf = generate(spec["family"], spec["size"], spec["seed"])
        source = f"{spec['family']}:{spec['size']}:{spec['seed']}"
    r = backbone(cnf, time_limit=time_limit, models=models, seed=spec.get("seed", 0))
    row = {"name": spec["name"], "source": source, "status": r["status"],
           "nvars": cnf.nvars, "nclauses": cnf.nclauses}
    arrays = None
    if r["status"] == "SAT":
        lab = r["labels"]
        row.update(backbone=int(np.sum((lab == BACKBONE_TRUE) | (lab == BACKBONE_FALSE))),
                   free=int(np.sum(lab == FREE)), unknown=int(np.sum(lab == UNKNOWN)),
                   models=r["models"])
        arrays = {"lits": cnf.lits, "offsets": cnf.offsets,
                  "nvars": np.int64(cnf.nvars), "labels": lab,
                  "frequency": r["frequency"]}
    row["seconds"] = round(time.perf_counter() - start, 3)
    return row, arrays


def load(path):
    """``(cnf, labels, frequency)`` of one labelled ``.npz`` file."""
    from optsolve.sat import CNF
    with np.load(path) as z:
        cnf = CNF._from_arrays(z["lits"], z["offsets"], int(z["nvars"]))
        return cnf, z["labels"], z["frequency"]


def read_manifest(folder):
    """The manifest's rows (list of dicts); empty if there is none."""
    path = Path(folder) / "manifest.csv"
    if not path.exists():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _specs(args):
    from optsolve.sat.neuroback.generators import FAMILIES
    specs = []
    fams = args.families.split(",")
    for fam in fams:
        if fam not in FAMILIES:
            raise SystemExit(f"data: --families: unknown family {fam!r} "
                             f"(known: {', '.join(sorted(FAMILIES))})")
    lo, hi = args.size
    rng = np.random.default_rng(args.seed)
    for i in range(args.generated):
        fam = fams[i % len(fams)]
        seed = args.seed * 1_000_003 + i
        size = int(rng.integers(lo, hi + 1))
        specs.append({"name": f"{fam}-{size}-{seed}", "family": fam,
                      "size": size, "seed": seed})
    for folder in args.public or ():
        for p in sorted(Path(folder).rglob("*.cnf*")):
            specs.append({"name": str(p.relative_to(folder)).replace(os.sep, "__"),
                          "path": str(p)})
    return specs


def _size_range(text):
    try:
        lo, hi = (int(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO:HI, got {text!r}") from None
    if not 3 <= lo <= hi <= 10_000_000:
        raise argparse.ArgumentTypeError(f"expected 3 <= LO <= HI <= 10000000, got {text!r}")
    return lo, hi


def _nonneg(kind):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not v >= 0 or v > 1e9:
            raise argparse.ArgumentTypeError(f"must be in [0, 1e9], got {text!r}")
        return v
    return parse


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m optsolve.sat.neuroback.data",
        description="Label formulas with backbones and phase frequencies "
                    "(one .npz each, and manifest.csv) on Dask; resumable.")
    ap.add_argument("out", help="output folder (created; resumed if it exists)")
    ap.add_argument("--generated", type=_nonneg(int), default=0,
                    help="generated formulas, cycling over --families")
    ap.add_argument("--families", default="planted3,filtered3,colour3,xor3")
    ap.add_argument("--size", type=_size_range, default=(100, 300),
                    help="size argument of the generators, LO:HI (variables; "
                         "vertices for colouring)")
    ap.add_argument("--seed", type=_nonneg(int), default=0)
    ap.add_argument("--public", action="append",
                    help="a folder of DIMACS files to label as well (repeatable)")
    ap.add_argument("--time-limit", type=_nonneg(float), default=60.0,
                    help="seconds per formula (unknowns beyond it)")
    ap.add_argument("--models", type=_nonneg(int), default=16,
                    help="models sampled for the phase frequencies")
    ap.add_argument("--workers", type=_nonneg(int), default=None)
    ap.add_argument("--scheduler", default=None, help="Dask scheduler address")
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    specs = _specs(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    done = {r["name"] for r in read_manifest(out)}
    todo = [s for s in specs if s["name"] not in done]
    total = label_many(todo, out, time_limit=args.time_limit or None, models=args.models,
                       workers=args.workers or None, scheduler=args.scheduler,
                       progress=not args.no_progress, already=len(specs) - len(todo))
    print(f"data: {total} formulas labelled into {out} "
          f"({len(specs) - len(todo)} already there)", file=sys.stderr)
    return 0


def label_many(specs, out, *, time_limit=None, models=16, workers=None,
               scheduler=None, client=None, progress=True, already=0):
    """Run :func:`label_formula` on Dask for every spec; write each SAT
    formula's ``.npz`` then its manifest row (so a row implies its file).
    Returns the number of rows written."""
    from distributed import as_completed

    from optsolve.batch import BatchProgress, batch_client
    out = Path(out)
    manifest = out / "manifest.csv"
    new = not manifest.exists()
    written = 0
    if not specs:
        return 0
    bar = BatchProgress(len(specs), enabled=progress, initial=already,
                        label="neuroback labels")
    with batch_client(client=client, scheduler=scheduler, workers=workers) as (c, _), \
            open(manifest, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_COLUMNS)
        if new:
            w.writeheader()
        futures = [c.submit(label_formula, s, time_limit, models, pure=False) for s in specs]
        try:
            for fut in as_completed(futures):
                row, arrays = fut.result()
                fut.release()
                if arrays is not None:
                    tmp = out / (row["name"] + ".tmp.npz")
                    np.savez_compressed(tmp, **arrays)
                    os.replace(tmp, out / (row["name"] + ".npz"))
                w.writerow(row)
                f.flush()
                written += 1
                bar.update(row)
        finally:
            bar.close()
            c.cancel(futures)
    return written


if __name__ == "__main__":
    sys.exit(main())
