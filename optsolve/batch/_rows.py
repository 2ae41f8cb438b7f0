"""Result rows and the files they are written to (CSV, JSON lines,
Parquet).

A row is a dict with the keys :data:`COLUMNS`, always all of them, so that
every output file has the same columns whatever the engine. Rows are
appended to the file as they finish, one line each, flushed at once, so
that a batch killed at any moment keeps every row it finished; resuming
reads the instances already present and appends the others.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os

__all__ = ["COLUMNS", "blank_row", "open_output", "DEFINITIVE"]

#: The columns of every row, in file order.
COLUMNS = (
    "instance",      # the path, or the name of an in-memory item
    "engine",        # "sat" or "milp"
    "status",        # SAT/UNSAT/UNKNOWN, optimal/infeasible/unbounded/
                     # time_limit/node_limit/interrupted/other, memout, failed
    "verified",      # answer checked in the worker: True, False or None
    "objective",     # MILP: c @ x + offset of the solution found
    "model_hash",    # SAT: hash of the model's signs
    "wall_time",     # seconds in the worker: reading, solving, checking
    "solve_time",    # seconds in the engine
    "conflicts", "decisions", "propagations", "restarts",      # SAT
    "nodes", "lp_iterations", "dual_bound", "gap",             # MILP
    "config",        # portfolio configuration that produced the row
    "worker",        # address of the worker that ran it
    "attempts",      # runs started for this row (> 1 after a worker died)
    "error",         # one line: why the row failed, or a note
)

#: Statuses that answer the question (a portfolio stops at the first).
DEFINITIVE = frozenset({"SAT", "UNSAT", "optimal", "infeasible", "unbounded"})

_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
            ".parquet": "parquet"}


def blank_row(instance, engine, config=""):
    row = dict.fromkeys(COLUMNS)
    row.update(instance=instance, engine=engine, config=config, attempts=1)
    return row


def output_format(path):
    """"csv", "jsonl" or "parquet" from the file name, or ValueError."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in _FORMATS:
        raise ValueError(f"`out` must end in .csv, .jsonl or .parquet, got "
                         f"{os.fspath(path)!r}")
    fmt = _FORMATS[ext]
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError("`out`: Parquet output needs pyarrow (pip install "
                             "pyarrow); use .csv or .jsonl") from None
    return fmt


def _one_line(value):
    if isinstance(value, str) and ("\n" in value or "\r" in value):
        return " ".join(value.split())
    return value


def _json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None  # JSON has no inf/nan
    return value


def _cell(value):
    return "" if value is None else value


class _Sink:
    """Appends rows to a text stream, one flushed line each."""

    def __init__(self, stream, fmt, header, close_stream=True):
        self.stream = stream
        self.fmt = fmt
        self.close_stream = close_stream
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            if header:
                self._csv.writerow(COLUMNS)
                stream.flush()

    def write(self, row):
        values = [_one_line(row.get(c)) for c in COLUMNS]
        if self.fmt == "csv":
            self._csv.writerow([_cell(v) for v in values])
        else:
            self.stream.write(json.dumps(
                {c: _json_value(v) for c, v in zip(COLUMNS, values)}) + "\n")
        self.stream.flush()

    def close(self):
        if self.close_stream:
            self.stream.close()
        else:
            self.stream.flush()


def _complete_lines(path):
    """Cut a last line left unfinished by a killed run; return the text."""
    with open(path, "rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            data = data[:data.rfind(b"\n") + 1]
            f.seek(0)
            f.truncate(len(data))
    return data.decode("utf-8", "replace")


def _instances_in(path, fmt):
    """Instances that already have a row in ``path`` (csv or jsonl)."""
    text = _complete_lines(path)
    if not text.strip():
        return set(), True
    if fmt == "csv":
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        if tuple(header) != COLUMNS:
            raise ValueError(f"`out` ({os.fspath(path)}) has other columns than "
                             f"optsolve.batch writes; cannot resume into it")
        return {r[0] for r in reader if r}, False
    done = set()
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            done.add(json.loads(line)["instance"])
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"`out` ({os.fspath(path)}:{lineno}) is not a row "
                             f"written by optsolve.batch; cannot resume into it"
                             ) from None
    return done, False


class _ParquetOutput:
    """Parquet cannot be appended to line by line: rows go to a JSON-lines
    journal next to it (``F.parquet.jsonl``) and become ``F.parquet`` when
    the batch ends; a resumed batch reads both."""

    def __init__(self, path, resume):
        self.path = os.fspath(path)
        self.journal = self.path + ".jsonl"
        self.done = set()
        if not resume and (os.path.exists(self.path) or os.path.exists(self.journal)):
            raise ValueError(f"`out` ({self.path}) exists: resume into it "
                             f"(resume=True, --resume) or remove it")
        if resume and os.path.exists(self.path):
            import pyarrow.parquet as pq
            self.done |= set(pq.read_table(self.path, columns=["instance"])
                             .column("instance").to_pylist())
        if resume and os.path.exists(self.journal):
            self.done |= _instances_in(self.journal, "jsonl")[0]
        self.sink = _Sink(open(self.journal, "a", encoding="utf-8"), "jsonl",
                          header=False)

    def write(self, row):
        self.sink.write(row)

    def close(self):
        if self.sink is None:  # closed already (the CLI closes on errors too)
            return
        import pyarrow as pa
        import pyarrow.parquet as pq
        self.sink.close()
        self.sink = None
        rows = []
        if os.path.exists(self.path):
            rows = pq.read_table(self.path).to_pylist()
        with open(self.journal, encoding="utf-8") as f:
            rows += [json.loads(line) for line in f if line.strip()]
        # by column, so that a file with no rows yet still has them all
        table = pa.table({c: [r.get(c) for r in rows] for c in COLUMNS})
        pq.write_table(table, self.path + ".tmp")
        os.replace(self.path + ".tmp", self.path)
        os.remove(self.journal)


class _TextOutput:
    def __init__(self, path, fmt, resume):
        self.path = path
        self.done = set()
        header = True
        if path is None:
            import sys
            self.sink = _Sink(sys.stdout, fmt, header=True, close_stream=False)
            return
        if os.path.exists(path) and os.path.getsize(path) > 0:
            if not resume:
                raise ValueError(f"`out` ({os.fspath(path)}) exists: resume into "
                                 f"it (resume=True, --resume) or remove it")
            self.done, header = _instances_in(path, fmt)
        stream = open(path, "a", encoding="utf-8", newline="")
        self.sink = _Sink(stream, fmt, header=header)

    def write(self, row):
        self.sink.write(row)

    def close(self):
        self.sink.close()


class _NoOutput:
    done = frozenset()

    def write(self, row):
        pass

    def close(self):
        pass


def open_output(out, resume=False):
    """An object with ``done`` (instances already written), ``write(row)``
    and ``close()``. ``out=None`` writes nowhere, ``"-"`` CSV to standard
    output."""
    if out is None:
        return _NoOutput()
    if isinstance(out, str) and out == "-":
        return _TextOutput(None, "csv", False)
    fmt = output_format(out)
    if fmt == "parquet":
        return _ParquetOutput(out, resume)
    return _TextOutput(os.fspath(out), fmt, resume)
