"""Batch solving on Dask: throughput of ``optsolve.batch.solve_many`` with 1
and 2 worker processes against a plain sequential loop of
``optsolve.sat.solve`` (the anchor, timed in the same run), the overhead
per instance, and the Dask scheduler's own cost per 1000 tiny tasks.

Instances: the ``hard`` tier of ``../shared/data/sat`` (SATLIB and
competition CNFs that take seconds each, not minutes), and the ``main``
tier (74 CNFs of 1 ms to a few seconds, most under 0.1 s: the workload
where small instances share Dask tasks), split per family into a dev part
and a held-apart part (every third instance of each family); nothing in
the batch was tuned on either. Every answer is checked against the
manifest's expected status (and every SAT model, by ``solve_many``,
against its formula); a wrong answer fails the run. The batch gets the
hard instances longest first (by the anchor's times), as a scheduler of a
known workload would; the main tier in manifest order.

Measures (one table; ratio = ours / anchor):

* ``throughput``: instances per minute, sequential loop vs solve_many on a
  warm LocalCluster of 1 and of 2 workers (the cluster's start is timed
  apart); on the main tier also with one Dask task per instance (as before
  chunks), for comparison;
* ``overhead per instance``: tiny formulas of a few clauses, solve_many on
  1 worker minus the sequential loop, per instance (ms), with chunks and
  with one task per instance, against the cost of a no-op Dask task on the
  same worker (the floor any one-task-per-instance batch pays);
* ``scheduler per 1000 tasks``: 10,000 no-op Dask tasks on the same
  2-worker cluster, ms per 1000 (for planning a large cluster on paper).

    python -m bench batch                       # the full run (minutes)
    python -m bench batch --size small          # a smoke test (seconds)
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import time

from bench._harness import Table, data_dir, machine_line, ratio

SIZES = {
    # instances from the hard tier and of each main family, tiny formulas,
    # no-op scheduler tasks
    "small": dict(instances=3, main=3, tiny=100, tasks=1000),
    "full": dict(instances=None, main=None, tiny=1000, tasks=10_000),
}
# the main tier's limit per instance, the anchor's as the batch's
MAIN_LIMIT = 10.0


def _instances(tier, limit):
    base = data_dir("sat")
    with open(base / "manifest.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["tier"] == tier]
    if limit is not None:
        # the small size keeps the quickest ones (by clause count)
        rows = sorted(rows, key=lambda r: int(r["clauses"]))[:limit]
    return [(str(base / r["path"]), r["expected"]) for r in rows]


def _main_splits(per_family):
    """The main tier as (dev, held-apart): every third instance of each
    family, in manifest order, is held apart."""
    base = data_dir("sat")
    with open(base / "manifest.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["tier"] == "main"]
    seen, dev, held = {}, [], []
    for r in rows:
        i = seen[r["family"]] = seen.get(r["family"], -1) + 1
        if per_family is not None and i >= per_family:
            continue
        (held if i % 3 == 2 else dev).append((str(base / r["path"]), r["expected"]))
    return dev, held


def _sequential(paths, time_limit=None):
    from optsolve.sat import solve
    times, statuses = {}, {}
    start = time.perf_counter()
    for p in paths:
        t0 = time.perf_counter()
        statuses[p] = solve(p, time_limit=time_limit).status
        times[p] = time.perf_counter() - t0
    return time.perf_counter() - start, times, statuses


@contextlib.contextmanager
def _one_task_each():
    """solve_many as before chunks: every instance its own Dask task."""
    from optsolve.batch._schedule import Scheduler
    saved = Scheduler.max_chunk
    Scheduler.max_chunk = 1
    try:
        yield
    finally:
        Scheduler.max_chunk = saved


def _noop(i):
    return i


def _batch(client, items, time_limit=None):
    from optsolve.batch import solve_many
    start = time.perf_counter()
    rows = solve_many(items, client=client, progress=False,
                      time_limit=time_limit)
    return time.perf_counter() - start, rows


def _warm(client):
    """Import the SAT engine in every worker before timing."""
    from optsolve.batch import solve_many
    from optsolve.sat import CNF
    n = len(client.nthreads())
    solve_many({f"warm{i}": CNF([[1]]) for i in range(2 * n)}, client=client,
               progress=False)


def _check(rows, expected, what, limited=()):
    """Every status as the manifest says (an instance in ``limited``, which
    the anchor did not decide within the limit either, may be UNKNOWN)."""
    bad = [r for r in rows
           if r["status"] != expected[r["instance"]]
           and not (r["status"] == "UNKNOWN" and r["instance"] in limited)
           or (r["status"] == "SAT" and r["verified"] is not True)]
    if bad:
        sys.exit(f"bench batch: wrong answers in {what}: "
                 + "; ".join(f"{r['instance']}: {r['status']} {r['error']}"
                             for r in bad))


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m bench batch",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="full")
    ap.add_argument("--tier", default="hard",
                    help="manifest tier of the instances (default: hard)")
    ap.add_argument("--csv", default=None, help="write the table here too")
    args = ap.parse_args(argv)
    size = SIZES[args.size]
    from optsolve.batch import batch_client
    from optsolve.sat import CNF

    print(machine_line())
    table = Table("batch", ["measure", "ours", "anchor", "ratio", "unit", "note"])
    inst = _instances(args.tier, size["instances"])
    expected = dict(inst)
    paths = [p for p, _ in inst]
    splits = dict(zip(("dev", "held-apart"), _main_splits(size["main"])))
    print(f"# {len(paths)} instances of the {args.tier!r} tier, main tier "
          + " + ".join(f"{len(v)} {k}" for k, v in splits.items())
          + f", {size['tiny']} tiny formulas, {size['tasks']} scheduler tasks",
          flush=True)

    t_seq, times, statuses = _sequential(paths)
    wrong = [p for p in paths if statuses[p] != expected[p]]
    if wrong:
        sys.exit(f"bench batch: wrong answers in the anchor: {wrong}")
    longest_first = sorted(paths, key=times.get, reverse=True)
    seq_rate = 60 * len(paths) / t_seq

    main_seq = {}
    for split, pairs in splits.items():
        split_paths = [p for p, _ in pairs]
        t, _, st = _sequential(split_paths, MAIN_LIMIT)
        want = dict(pairs)
        limited = {p for p in split_paths if st[p] == "UNKNOWN"}
        wrong = [p for p in split_paths
                 if st[p] != want[p] and p not in limited]
        if wrong:
            sys.exit(f"bench batch: wrong answers in the anchor: {wrong}")
        main_seq[split] = (60 * len(split_paths) / t, want, limited)

    tiny = {f"t{i}": CNF([[1, 2, 3], [-1, 2], [-2, 3], [-3, -1]])
            for i in range(size["tiny"])}
    t_tiny_seq, _, _ = _sequential_objects(tiny)

    for n in (1, 2):
        t0 = time.perf_counter()
        with batch_client(workers=n) as (client, _):
            _warm(client)
            start_s = time.perf_counter() - t0
            t_b, rows = _batch(client, longest_first)
            _check(rows, expected, f"{n} worker(s)")
            rate = 60 * len(paths) / t_b
            table.add(measure=f"throughput, {args.tier} tier, {n} worker{'s' * (n > 1)}",
                      ours=rate, anchor=seq_rate, ratio=ratio(rate, seq_rate),
                      unit="instances/min",
                      note=f"cluster start {start_s:.1f} s, not counted")
            for split, pairs in splits.items():
                anchor, want, limited = main_seq[split]
                chunked = [("", contextlib.nullcontext())]
                if n == 2:
                    chunked.append((", one task each", _one_task_each()))
                for how, ctx in chunked:
                    with ctx:
                        t_b, rows = _batch(client, [p for p, _ in pairs],
                                           MAIN_LIMIT)
                    _check(rows, want, f"main {split}", limited)
                    rate = 60 * len(pairs) / t_b
                    table.add(measure=f"throughput, main {split}, {n} "
                                      f"worker{'s' * (n > 1)}{how}",
                              ours=rate, anchor=anchor,
                              ratio=ratio(rate, anchor), unit="instances/min",
                              note=f"{len(pairs)} CNFs, {MAIN_LIMIT:g} s limit")
            if n == 1:
                t1 = time.perf_counter()
                client.gather(client.map(_noop, range(len(tiny)), pure=False))
                floor = 1e3 * (time.perf_counter() - t1) / len(tiny)
                for how, ctx in (("", contextlib.nullcontext()),
                                 (", one task each", _one_task_each())):
                    with ctx:
                        t_tiny, tiny_rows = _batch(client, tiny)
                    _check(tiny_rows, dict.fromkeys(tiny, "SAT"), "tiny formulas")
                    per = 1e3 * (t_tiny - t_tiny_seq) / len(tiny)
                    table.add(measure=f"overhead per instance, 1 worker{how}",
                              ours=per, anchor=floor, ratio=ratio(per, floor),
                              unit="ms/instance",
                              note="solve_many minus a sequential loop of "
                                   "solve; anchor: a no-op Dask task")
            if n == 2:
                t1 = time.perf_counter()
                futures = client.map(_noop, range(size["tasks"]), pure=False)
                client.gather(futures)
                t_sched = time.perf_counter() - t1
                del futures
                table.add(measure="scheduler per 1000 tasks, 2 workers",
                          ours=1e6 * t_sched / size["tasks"],
                          unit="ms/1000 tasks",
                          note=f"{size['tasks']} no-op tasks, map + gather")
    table.print()
    path = table.save_csv(args.csv)
    print(f"# table: {path}")
    return 0


def _sequential_objects(cnfs):
    from optsolve.sat import solve
    start = time.perf_counter()
    for cnf in cnfs.values():
        solve(cnf)
    return time.perf_counter() - start, None, None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
