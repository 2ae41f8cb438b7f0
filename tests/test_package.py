"""The package imports, its compiled extensions load, and shared conventions hold."""
import importlib
import signal
import subprocess
import sys
import time

import pytest

import optsolve
from optsolve import _runtime


def test_import_is_light():
    # the engines load on first use: importing optsolve pulls in neither
    # numba nor highspy
    code = ("import sys, optsolve; "
            "print(any(m in sys.modules for m in ('numba', 'highspy', 'torch')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_sat_public_names():
    # DimacsWarning was documented but not importable
    import optsolve.sat
    from optsolve.sat import DimacsWarning
    assert issubclass(DimacsWarning, UserWarning)
    for name in optsolve.sat.__all__:
        assert getattr(optsolve.sat, name) is not None
    assert set(optsolve.sat.__all__) <= set(dir(optsolve.sat))
    with pytest.raises(AttributeError):
        optsolve.sat.no_such_thing


def test_compiled_extensions_import():
    mod = importlib.import_module("optsolve.sat._dimacs")
    assert mod.__file__.endswith((".so", ".pyd"))


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        optsolve.no_such_thing


def test_deadline_and_limits():
    d = _runtime.Deadline(0.0)
    assert d.expired() and d.remaining() == 0.0
    assert not _runtime.Deadline(None).expired()
    with pytest.raises(ValueError, match="`time_limit` must be non-negative"):
        _runtime.Deadline(-1)
    with pytest.raises(ValueError, match="`node_limit` must be a non-negative integer"):
        _runtime.check_count_limit(1.5, "node_limit")
    assert _runtime.check_count_limit(10.0, "n") == 10


def test_interrupt_guard_turns_sigint_into_a_flag():
    calls = []
    before = signal.getsignal(signal.SIGINT)
    with _runtime.InterruptGuard(on_interrupt=lambda: calls.append(1)) as guard:
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.01)
        assert guard.interrupted and calls == [1]
        with pytest.raises(KeyboardInterrupt):  # a second Ctrl-C is not swallowed
            signal.raise_signal(signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is before


def test_callback_conventions():
    res = _runtime.OptimizeResult(x=[1.0], fun=2.0)
    seen = []

    def new_style(intermediate_result):
        seen.append(intermediate_result.fun)
        raise StopIteration

    assert _runtime.wrap_callback(new_style)(res) is True and seen == [2.0]
    assert _runtime.wrap_callback(lambda x: seen.append(x))(res) is False and seen[-1] == [1.0]
    assert _runtime.wrap_callback(None) is None
    with pytest.raises(ValueError, match="`callback` must be callable"):
        _runtime.wrap_callback(3)


def test_progress_is_silent_unless_verbose(capsys):
    p = _runtime.Progress(False, [("nodes", "{:>6d}")])
    p.line(3, force=True)
    assert capsys.readouterr().out == ""
    p = _runtime.Progress(2, [("nodes", "{:>6d}"), ("gap", "{:>8.2%}")])
    p.line(3, 0.5)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["nodes", "gap"] and out[1].split() == ["3", "50.00%"]
