"""Out of memory is a MemoryError, never an abort of the interpreter.

Each case runs in a subprocess whose address space is capped just above what
it already uses (``RLIMIT_AS``), so that ``malloc``/``realloc`` fail. Before
the fix, the C core printed ``osat: out of memory reallocating ...`` and
called ``abort()`` (SIGABRT, the interpreter gone).
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/status, caps RLIMIT_AS")

ASAN = "asan" in os.environ.get("LD_PRELOAD", "")
# AddressSanitizer reserves terabytes of address space, so RLIMIT_AS cannot
# cap it; there its allocator is told to fail any single allocation over
# 1 GiB instead, which the largest-variable cases need (and so the jump out
# of a failed allocation runs under the sanitizers too)
needs_rlimit = pytest.mark.skipif(ASAN, reason="RLIMIT_AS cannot be capped under ASan")

PRELUDE = textwrap.dedent("""
    import resource, sys
    sys.path.insert(0, {tests!r})
    import _gen as G
    from optsolve.sat import CNF, Solver

    def cap(mib):
        # address space in use now + `mib`
        if {asan!r}:
            return
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
        resource.setrlimit(resource.RLIMIT_AS, (used + (mib << 20),) * 2)

    def unusable(s):
        try:
            s.add_clause([1])
        except RuntimeError as exc:
            assert "ran out of memory in an earlier call" in str(exc), exc
        else:
            raise AssertionError("a solver out of memory accepted a clause")
        s.delete()

    def still_works():
        with Solver(bootstrap_with=[[1, 2], [-1]]) as s:
            assert s.solve() is True and s.get_model() == [-1, 2]
""").format(tests=str(Path(__file__).parent), asan=ASAN)


def run(body):
    env = dict(os.environ)
    if ASAN:
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":allocator_may_return_null=1"
                               ":max_allocation_size_mb=1024:log_path=stderr")
    proc = subprocess.run([sys.executable, "-c", PRELUDE + textwrap.dedent(body)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, (proc.returncode, proc.stdout, proc.stderr)
    assert "osat: out of memory" not in proc.stderr
    return proc.stdout


@pytest.mark.parametrize("call", [
    "s.add_clause([1, 2**30 - 1])",
    "s.append_formula(CNF([[1], [-(2**30 - 1)]]))",
    "s.solve(assumptions=[2**30 - 1])",
    "s.set_phases([-(2**30 - 1)])",
])
def test_largest_variable_under_a_memory_cap(call):
    run(f"""
        s = Solver(bootstrap_with=[[1, 2]])
        cap(512)
        try:
            {call}
        except MemoryError as exc:
            assert "ran out of memory" in str(exc)
            # what PySAT raises for its solvers, so that its users catch it
            assert isinstance(exc, RuntimeError) and "allocator limit" in str(exc)
        else:
            raise AssertionError("no MemoryError")
        unusable(s)
        still_works()
        print("ok")
    """)


@needs_rlimit
def test_out_of_memory_while_solving():
    out = run("""
        # learned clauses are kept (no reduction) until the arena cannot grow
        s = Solver(bootstrap_with=G.pigeonhole(10), options={"reduceint": 100000})
        cap(4)
        try:
            s.solve()
        except MemoryError:
            print("MemoryError")
        unusable(s)
        still_works()
    """)
    assert out.strip() == "MemoryError"


@needs_rlimit
def test_growing_formula_until_memory_runs_out():
    # PySAT's own test of this: clauses of 1000 new variables, until it fails
    run("""
        s = Solver()
        cap(256)
        var = 1
        try:
            while True:
                s.add_clause(list(range(var, var + 1000)))
                var += 1000
        except MemoryError:
            pass
        s.delete()
        still_works()
    """)
