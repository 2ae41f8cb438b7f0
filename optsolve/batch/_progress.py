"""The progress bar of a batch on standard error: done/total, counts by
status, rate and time left (tqdm; a plain line every few seconds without
it)."""
from __future__ import annotations

import sys
import time
from collections import Counter

__all__ = ["BatchProgress"]


class BatchProgress:
    """A progress bar for work on a Dask batch, on standard error.

    Parameters
    ----------
    total : int
        Items to be done in this run.
    enabled : bool
        False: silent (``-q``).
    initial : int
        Items done by an earlier run (resume); said once, not counted.
    stream : file, optional
        Where it goes (default: standard error).
    label : str
        What the bar says it is doing, e.g. ``"neuroback labels"``.

    Examples
    --------
    >>> import io
    >>> bar = BatchProgress(2, label="my sweep", stream=io.StringIO())
    >>> bar.update({"status": "SAT"}); bar.update({"status": "UNSAT"})
    >>> bar.summary(), bar.done
    ('SAT=1 UNSAT=1', 2)
    >>> bar.close()
    """

    def __init__(self, total, enabled=True, initial=0, stream=None,
                 label="optsolve batch"):
        self.label = str(label)
        self.counts = Counter()
        self.enabled = bool(enabled)
        self.stream = stream if stream is not None else sys.stderr
        self.total = total
        self.done = 0
        self._bar = None
        self._start = time.monotonic()
        self._last = 0.0
        if not self.enabled:
            return
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        self._bar = tqdm(total=total, file=self.stream, unit="inst",
                         dynamic_ncols=True, smoothing=0.1,
                         desc=self.label, initial=0)
        if initial:
            self._bar.write(f"resuming: {initial} instances already done",
                            file=self.stream)

    def summary(self):
        return " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))

    def update(self, row):
        """One item done; ``row["status"]`` is counted."""
        self.counts[row["status"]] += 1
        self.done += 1
        if self._bar is not None:
            self._bar.set_postfix_str(self.summary(), refresh=False)
            self._bar.update(1)
        elif self.enabled:
            now = time.monotonic()
            if now - self._last >= 5.0 or self.done == self.total:
                self._last = now
                rate = self.done / max(now - self._start, 1e-9)
                print(f"{self.label}: {self.done}/{self.total} "
                      f"({rate * 60:.1f}/min) {self.summary()}",
                      file=self.stream, flush=True)

    def write(self, text):
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def close(self):
        if self._bar is not None:
            self._bar.close()
