"""Ctrl-C and time limits while ``optsolve sat`` loads a large file.

Usage: python -m bench sat_interrupt [--mb 100] [--runs 1]

Generates a random 3-SAT file of about --mb MB (plain and gzip), starts
``optsolve sat -n`` on it and sends SIGINT at several delays after the
``c reading`` line: the table gives the time from the signal to the exit
(the contract is 0.5 s: the ratio is latency / 0.5 s) and where the run was.
A last row runs with ``--time-limit`` set to a fraction of the load time and
reports how far past the limit the run ended.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._harness import Table, machine_line, ratio
from bench.dimacs import generate

CONTRACT = 0.5
DELAYS = (0.05, 0.2, 0.5, 1.0, 1.5, 2.5)


def optsolve_sat():
    return [sys.executable, "-m", "optsolve", "sat", "-n"]


def interrupt_after(path, delay):
    """(seconds from SIGINT to exit, 's' line, where it was stopped)."""
    p = subprocess.Popen(optsolve_sat() + [str(path)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stdout.readline()
        while line and not line.startswith("c reading"):
            line = p.stdout.readline()
        time.sleep(delay)
        t0 = time.perf_counter()
        p.send_signal(signal.SIGINT)
        out, _ = p.communicate(timeout=120)
        seconds = time.perf_counter() - t0
    finally:
        p.kill()
    s_line = next((l for l in out.splitlines() if l.startswith("s ")), "none")
    where = ("search" if "before the search" not in out
             else "adding clauses" if "c parsed" in out else "reading")
    return seconds, s_line, where


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench sat_interrupt",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100.0, help="size of the generated file")
    args = ap.parse_args(argv)
    print(machine_line())
    table = Table("sat_interrupt", ["input", "event", "after_s", "latency_s",
                                    "latency_per_contract", "s_line", "stopped_in"])
    tmp = Path(tempfile.mkdtemp(prefix="optsolve-bench-"))
    ok = True
    try:
        plain = tmp / "random3sat.cnf"
        generate(plain, args.mb)
        gz = tmp / "random3sat.cnf.gz"
        with open(plain, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
            shutil.copyfileobj(src, dst)
        for label, path in (("plain", plain), ("gzip", gz)):
            t0 = time.perf_counter()
            subprocess.run(optsolve_sat() + ["-q", str(path)], capture_output=True)
            full = time.perf_counter() - t0
            for delay in DELAYS:
                if delay > full:
                    break
                seconds, s_line, where = interrupt_after(path, delay)
                ok &= s_line == "s UNKNOWN"
                table.add(input=f"{label} {args.mb:g} MB", event="SIGINT", after_s=delay,
                          latency_s=seconds, latency_per_contract=ratio(seconds, CONTRACT),
                          s_line=s_line, stopped_in=where)
            limit = round(full / 3, 2)
            t0 = time.perf_counter()
            r = subprocess.run(optsolve_sat() + ["--time-limit", str(limit), str(path)],
                               capture_output=True, text=True)
            seconds = time.perf_counter() - t0  # includes interpreter start-up
            s_line = next((l for l in r.stdout.splitlines() if l.startswith("s ")), "none")
            ok &= s_line == "s UNKNOWN"
            table.add(input=f"{label} {args.mb:g} MB", event=f"--time-limit {limit}",
                      after_s=limit, latency_s=seconds - limit,
                      latency_per_contract=ratio(seconds - limit, CONTRACT), s_line=s_line,
                      stopped_in="reading" if "c parsed" not in r.stdout else "later")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    table.print()
    print(f"csv: {table.save_csv()}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
