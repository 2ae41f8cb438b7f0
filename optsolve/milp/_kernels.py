"""The search's Numba kernels, loaded so that a process's first call keeps
its time limit.

The first call of any Numba kernel in a process sets up Numba's CPU target
(most of a second even when the machine code comes from the disk cache), in
one uninterruptible step. The two kernels of the search, node propagation
(:meth:`~optsolve.milp.propagation.Propagator.propagate_from`) and c-MIR
(:func:`~optsolve.milp.cuts.kernels.cmir_kernel`), are therefore loaded in a
background thread started by the first solve of the process:

* a run without a time limit waits for them (its search then never depends
  on timing); Ctrl-C still ends the wait;
* a run with a time limit waits for them at most a tenth of its limit,
  and if they are still not loaded runs without node propagation and c-MIR
  cuts (both optional: the answers are the same, the search may be
  longer).
"""
from __future__ import annotations

import threading
import time

__all__ = ["start", "ready", "wait"]

_done = threading.Event()
_lock = threading.Lock()
_thread = None
_failed = False


def _warm():
    """Call both kernels on a tiny knapsack, ``2 x0 + 3 x1 + x2 <= 4``."""
    global _failed
    try:
        import numpy as np
        import scipy.sparse as sp

        from optsolve.milp.cuts.mir import MIRSeparator
        from optsolve.milp.propagation import Propagator

        A = sp.csr_matrix(np.array([[2.0, 3.0, 1.0]]))
        rl, ru = np.array([-np.inf]), np.array([4.0])
        integ = np.ones(3, bool)
        lb, ub = np.zeros(3), np.ones(3)
        Propagator(A, rl, ru, integ).propagate_from(lb.copy(), ub.copy(), (0,))
        x = np.array([1.0, 1.0 / 3.0, 1.0])       # the LP optimum of max 5 4 3
        MIRSeparator(A, rl, ru, integ).separate(x, A @ x, lb, ub)
    except Exception:            # pragma: no cover - a broken Numba install
        _failed = True
    finally:
        _done.set()


def start():
    """Start loading the kernels (once per process)."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, daemon=True,
                                       name="optsolve-milp-kernels")
            _thread.start()


def ready():
    """Whether the kernels are loaded (starts loading them if not)."""
    start()
    return _done.is_set() and not _failed


def wait(stop, timeout=None):
    """Wait for the kernels until ``stop()`` is true or ``timeout`` seconds
    have passed; return :func:`ready`."""
    start()
    end = None if timeout is None else time.perf_counter() + timeout
    while not _done.wait(0.01):
        if stop() or (end is not None and time.perf_counter() >= end):
            break
    return ready()
