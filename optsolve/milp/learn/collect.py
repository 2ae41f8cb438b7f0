"""Strong-branching samples for imitation learning, collected with our own
branch and bound on generated instances, on Dask.

``python -m optsolve.milp.learn.collect --family setcover|MODULE:FUNCTION
--instances 100 --out DIR [--first-seed S] [--scale X] [--probability P] [--node-limit N]
[--time-limit T] [--max-samples K] [--workers W] [--scheduler ADDR]
[--pure]``

Each instance is one task on the :mod:`optsolve.batch` client (a
LocalCluster by default). At each node branched on, with probability ``P``
(Gasse et al. 2019: 0.05) every candidate is strong branched (both children,
SCIP's automatic iteration cap), the state, the product scores and the best
candidate are recorded, and the search branches on it; at the other nodes
it branches by pseudocost. A node where strong branching proves a child
empty gives no sample: the search tightens its bounds and asks again, and
the expert answers that second call. An instance's samples are one ``.npz`` shard
named after the family and seed, written whole (a rerun skips the shards
already there: collection resumes where it stopped).

Shard arrays: ``edge_index`` (2, nnz) and ``edge_attr`` (nnz, 1), shared by
the samples of the instance; ``cons`` (k, m2, 5) and ``var`` (k, n, 19);
``cand_ptr`` (k + 1) delimiting each sample's slice of ``candidates`` and
``scores``; ``choice`` (k) the position of the expert's pick in that slice;
``lb``, ``ub`` (k, n) the node's column bounds; ``family``, ``seed``,
``nodes``.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from optsolve.milp.branching import Pseudocost
from optsolve.milp.branching._strong import (auto_iteration_limit,
                                             strong_branch_one)
from optsolve.milp.learn.features import FeatureCache

__all__ = ["ExpertSampler", "collect_instance", "collect", "make_instance", "SIZES",
           "main"]

#: Training sizes of the four families (learn2branch).
SIZES = {
    "setcover": dict(n_rows=500, n_cols=1000),
    "cauctions": dict(n_items=100, n_bids=500),
    "facilities": dict(n_customers=100, n_facilities=100),
    "indset": dict(n_nodes=500, affinity=4),
}
_PURE = dict(cuts=False, presolve=False, heuristics=False, submip=False)


def scaled_size(family, scale):
    """The generator's keyword arguments at ``scale`` times the training
    size (the affinity of independent sets is not a size)."""
    return {k: (v if k == "affinity" else max(2, int(round(v * scale))))
            for k, v in SIZES[family].items()}


class ExpertSampler(Pseudocost):
    """Pseudocost branching that, with probability ``probability`` per
    node, strong branches on every candidate, records the node and follows
    the best one.

    Parameters
    ----------
    probability : float
        Chance of querying the expert at a node.
    seed : int
        Seed of the coin.
    max_samples : int or None
        Stop querying after this many samples.
    """

    name = "expert-sampler"

    def __init__(self, probability=0.05, seed=0, max_samples=None):
        self.probability = float(probability)
        self.rng = np.random.default_rng(seed)
        self.max_samples = max_samples
        self.cache = None
        self._problem = None
        self._requery = False
        self.samples = []

    def select(self, state):
        if state.problem is not self._problem:
            self._problem = state.problem
            self.cache = FeatureCache(state.problem)
        s = self.cache(state)      # every node: ages and incumbents count
        full = self.max_samples is not None and len(self.samples) >= self.max_samples
        again, self._requery = self._requery, False
        if full or not (again or self.rng.random() < self.probability):
            return super().select(state)
        limit = auto_iteration_limit(state)
        scores = np.empty(state.candidates.size)
        for k in range(state.candidates.size):
            v = None if state.time_is_up else strong_branch_one(state, k, limit)
            if v is None:           # a limit: no sample from a partial run
                return super().select(state)
            scores[k] = v
        # the expert: best score, ties to the first candidate
        k = int(np.argmax(scores))
        if np.isinf(scores[k]):
            # a child proven empty: the search tightens the node's bounds
            # and asks again, so the decision (and the sample) comes then
            self._requery = True
            return int(state.candidates[k])
        self.samples.append((s.cons.astype(np.float32), s.var.astype(np.float32),
                             s.candidates.copy(), scores, k,
                             np.array(state.lb, dtype=float),
                             np.array(state.ub, dtype=float)))
        return int(state.candidates[k])


def shard_name(family, seed):
    return f"{family.replace(':', '-')}_{int(seed):06d}.npz"


def make_instance(family, seed, scale=1.0):
    """Instance ``seed`` of ``family``: a generated class (:data:`SIZES`,
    at ``scale`` times its training size) or ``"module:function"``, the
    user's own family, called as ``function(seed)`` and returning an
    :class:`optsolve.milp.Problem` (``scale`` does not apply)."""
    from optsolve.milp.generators import GENERATORS
    if family in SIZES:
        return GENERATORS[family](**scaled_size(family, scale), seed=int(seed))
    return _user_family(family)(int(seed))


def _user_family(family):
    import importlib
    mod, _, fn = family.partition(":")
    if not (mod and fn):
        raise ValueError(f"`family` must be one of {sorted(SIZES)} or "
                         f"'module:function', got {family!r}")
    try:
        f = getattr(importlib.import_module(mod), fn)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"`family` {family!r}: {e}") from None
    if not callable(f):
        raise ValueError(f"`family` {family!r} is not a function")
    return f


def collect_instance(family, seed, out_dir, *, scale=1.0, probability=0.05,
                     node_limit=1000, time_limit=60.0, max_samples=None,
                     pure_bnb=False):
    """Solve one generated instance with an :class:`ExpertSampler` and write
    its shard; returns ``(path, samples, nodes, seconds)``."""
    t0 = time.perf_counter()
    p = make_instance(family, seed, scale)
    rule = ExpertSampler(probability, seed=(int(seed), 7919), max_samples=max_samples)
    opts = dict(_PURE) if pure_bnb else {}
    res = p.solve(branching=rule, node_limit=node_limit, time_limit=time_limit, **opts)
    out = Path(out_dir) / shard_name(family, seed)
    k = len(rule.samples)
    n = p.num_cols if rule.cache is None else rule.cache.n
    m2 = 0 if rule.cache is None else rule.cache.rows.size
    cand = [smp[2] for smp in rule.samples]
    arrays = dict(
        edge_index=(np.zeros((2, 0), np.int64) if rule.cache is None
                    else rule.cache.edge_index.astype(np.int32)),
        edge_attr=(np.zeros((0, 1), np.float32) if rule.cache is None
                   else rule.cache.edge_attr.astype(np.float32)),
        cons=(np.stack([smp[0] for smp in rule.samples]) if k
              else np.zeros((0, m2, 5), np.float32)),
        var=(np.stack([smp[1] for smp in rule.samples]) if k
             else np.zeros((0, n, 19), np.float32)),
        cand_ptr=np.concatenate([[0], np.cumsum([c.size for c in cand])]).astype(np.int64),
        candidates=(np.concatenate(cand) if k else np.zeros(0, np.int64)),
        scores=(np.concatenate([smp[3] for smp in rule.samples]) if k else np.zeros(0)),
        choice=np.array([smp[4] for smp in rule.samples], dtype=np.int64),
        lb=(np.stack([smp[5] for smp in rule.samples]) if k else np.zeros((0, n))),
        ub=(np.stack([smp[6] for smp in rule.samples]) if k else np.zeros((0, n))),
        family=np.array(family), seed=np.array(int(seed)),
        nodes=np.array(int(res.nodes)))
    tmp = out.with_name(out.name + ".part.npz")
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, out)          # whole shards only: a rerun trusts what it finds
    return str(out), k, int(res.nodes), time.perf_counter() - t0


def load_shard(path):
    """The samples of a shard as a list of
    :class:`~optsolve.milp.learn.BipartiteState` and expert choices
    ``(state, scores, choice)``."""
    from optsolve.milp.learn.features import BipartiteState
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    ptr = d["cand_ptr"]
    ei = d["edge_index"].astype(np.int64)
    out = []
    for i in range(d["choice"].size):
        sl = slice(ptr[i], ptr[i + 1])
        out.append((BipartiteState(d["cons"][i], ei, d["edge_attr"], d["var"][i],
                                   d["candidates"][sl]),
                    d["scores"][sl], int(d["choice"][i])))
    return out


def collect(family, seeds, out_dir, *, client=None, scheduler=None, workers=None,
            progress=True, **kwargs):
    """Collect the shards of ``family`` for ``seeds`` into ``out_dir`` on
    the batch client, skipping shards already written. Returns a dict of
    totals (``instances``, ``skipped``, ``samples``, ``nodes``)."""
    from optsolve.batch import BatchProgress, batch_client
    if family not in SIZES:
        _user_family(family)             # refused here, not in each task
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in seeds]
    todo = [s for s in seeds if not (out_dir / shard_name(family, s)).exists()]
    totals = dict(instances=len(todo), skipped=len(seeds) - len(todo),
                  samples=0, nodes=0)
    if not todo:
        return totals
    bar = BatchProgress(len(todo), progress, initial=totals["skipped"],
                        label="branching samples")
    try:
        with batch_client(client, scheduler, workers) as (c, _):
            from distributed import as_completed
            futs = [c.submit(collect_instance, family, s, str(out_dir),
                             pure=False, **kwargs) for s in todo]
            for fut in as_completed(futs):
                _, k, nodes, _ = fut.result()
                totals["samples"] += k
                totals["nodes"] += nodes
                bar.update({"status": "samples" if k else "none"})
    finally:
        bar.close()
    return totals


def _positive(kind, name):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {what}, "
                                             f"got {text!r}") from None
        if not (v > 0 and math.isfinite(v)):
            raise argparse.ArgumentTypeError(f"{name} must be positive, got {text!r}")
        return v
    return parse


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m optsolve.milp.learn.collect",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--family", required=True,
                    help=f"one of {', '.join(sorted(SIZES))}, or MODULE:FUNCTION "
                         "returning instance number SEED of your own family")
    ap.add_argument("--instances", type=_positive(int, "--instances"), required=True)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=_positive(float, "--scale"), default=1.0)
    ap.add_argument("--probability", type=_positive(float, "--probability"),
                    default=0.05)
    ap.add_argument("--node-limit", type=_positive(int, "--node-limit"), default=1000)
    ap.add_argument("--time-limit", type=_positive(float, "--time-limit"),
                    default=60.0)
    ap.add_argument("--max-samples", type=_positive(int, "--max-samples"),
                    default=None)
    ap.add_argument("--pure", action="store_true",
                    help="no cuts, presolve or heuristics")
    ap.add_argument("--workers", type=_positive(int, "--workers"), default=None)
    ap.add_argument("--scheduler", default=None)
    args = ap.parse_args(argv)
    if args.family not in SIZES:
        sys.path.insert(0, os.getcwd())  # a module beside the user, as python -m does
        try:
            _user_family(args.family)
        except ValueError as e:
            ap.error(f"--family: {e}")
    if args.probability > 1:
        ap.error(f"--probability must be at most 1, got {args.probability}")
    if not 0 <= args.first_seed <= 2**32 - 1 - args.instances:
        ap.error(f"--first-seed must be in [0, {2**32 - 1 - args.instances}]")
    seeds = range(args.first_seed, args.first_seed + args.instances)
    totals = collect(args.family, seeds, args.out, scheduler=args.scheduler,
                     workers=args.workers, scale=args.scale,
                     probability=args.probability, node_limit=args.node_limit,
                     time_limit=args.time_limit, max_samples=args.max_samples,
                     pure_bnb=args.pure)
    print(f"{args.family}: {totals['instances']} instances solved, "
          f"{totals['skipped']} already there, {totals['samples']} samples, "
          f"{totals['nodes']} nodes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
