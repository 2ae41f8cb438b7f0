"""One run monitor for BCD and bilevel: ``optsolve._runtime.RunMonitor``."""
import subprocess
import sys

import numpy as np
import pytest

from optsolve._runtime import RunMonitor


def test_both_engines_keep_their_runs_with_it():
    from optsolve.optimize.bcd._monitor import Monitor as BCDMonitor
    from optsolve.optimize.bilevel._monitor import Monitor as BilevelMonitor
    assert issubclass(BCDMonitor, RunMonitor) and issubclass(BilevelMonitor, RunMonitor)


def test_limits_in_order_interrupt_time_iterations():
    mon = RunMonitor(None, None, False, [("iter", "{:>4d}")], ("a",), max_iter=3)
    assert not mon.limit_reached(2) and mon.limit is None
    assert mon.limit_reached(3) and mon.limit == "max_iter"
    mon = RunMonitor(0.0, None, False, [("iter", "{:>4d}")], ("a",), max_iter=3)
    assert mon.limit_reached(5) and mon.limit == "time"
    mon = RunMonitor(0.0, None, False, [("iter", "{:>4d}")], ("a",), max_iter=3)
    with mon:
        mon.guard.interrupted = True
        assert mon.limit_reached(5) and mon.limit == "interrupt"


def test_history_keeps_values_by_key():
    mon = RunMonitor(None, None, False, [("iter", "{:>4d}")], ("nit", "fun"))
    mon.keep(0, 2.5)
    mon.keep(1, 1.5)
    hist = mon.history(dtype=float)
    np.testing.assert_array_equal(hist["nit"], [0.0, 1.0])
    np.testing.assert_array_equal(hist["fun"], [2.5, 1.5])


def test_callback_is_checked_at_construction():
    with pytest.raises(ValueError, match="`callback` must be callable"):
        RunMonitor(None, 3, False, [("iter", "{:>4d}")], ("a",))


def test_runtime_still_imports_without_numpy():
    # `optsolve sat` imports _runtime and starts in milliseconds
    code = "import sys, optsolve._runtime; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
