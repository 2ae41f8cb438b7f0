"""``optsolve sat FILE [PROOF]``: the solver with SAT-competition output.

Output: ``c`` comment lines, one ``s`` line (``SATISFIABLE``,
``UNSATISFIABLE`` or ``UNKNOWN``), ``v`` lines of at most 78 columns ending
in ``0``; exit status 10, 20 or 0. SIGINT/SIGTERM (also while the file is
read) and ``--time-limit`` (counted from the start, reading included) end the
run with ``s UNKNOWN`` and exit status 0, as does running out of memory.
A malformed file: one line on
standard error naming the file, the line and the problem, and exit status 1;
header counts that disagree with the body: a one-line warning there (an error
with ``--strict``).

The model printed holds every variable up to the header's count, as Kissat
and CaDiCaL print it: the solver's values for the variables the clauses use,
then the unused ones as positive literals, written in chunks as they are
formatted (nothing is allocated per unused variable).

This path imports neither numpy nor the :class:`~optsolve.sat.Solver`
wrapper, so that a run on a small file starts in a few tens of
milliseconds: it drives the C core (``_cdcl``) and the C reader
(``_dimacs``) directly, with ``array.array`` buffers.
"""
from __future__ import annotations

import array
import mmap
import os
import select
import signal
import stat
import sys
import time
from itertools import chain

import optsolve
from optsolve._runtime import Deadline, InterruptGuard
from optsolve.cli import float_at_least, int_in
from optsolve.sat import _cdcl, _dimacs
from optsolve.sat._compression import compression

# options of the C core that have their own spelling on the command line
_OWN = {"seed", "verbose"}
_INT64_MAX = 2**63 - 1
# input read and decompressed between two checks of the limits
_CHUNK = 1 << 22
# clauses handed to the solver between two checks of the limits
_ADD_CHUNK = 1 << 16


def _option_table():
    return {row[0]: row[1:] for row in _cdcl.option_table()}


def add_parser(subparsers):
    p = subparsers.add_parser(
        "sat",
        help="solve a DIMACS CNF file (CDCL, DRAT proofs)",
        description="Decide a DIMACS CNF formula (plain, .gz, .bz2, .xz; '-' "
                    "reads standard input) with the optsolve CDCL solver. "
                    "Prints SAT-competition output and exits 10 "
                    "(satisfiable), 20 (unsatisfiable) or 0 (unknown: a limit "
                    "or SIGINT/SIGTERM). With PROOF, writes a DRAT proof of "
                    "unsatisfiability there.")
    p.add_argument("file", help="DIMACS CNF file ('-' for standard input)")
    p.add_argument("proof", nargs="?", default=None,
                   help="write a DRAT proof to this file")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--binary-proof", dest="binary_proof", action="store_true",
                     help="binary DRAT")
    fmt.add_argument("--text-proof", dest="binary_proof", action="store_false",
                     help="text DRAT (the default)")
    p.set_defaults(binary_proof=False)
    p.add_argument("--time-limit", type=float_at_least(0.0),
                   default=None, metavar="SECONDS",
                   help="stop after this many seconds of wall time, reading "
                        "the file included")
    p.add_argument("--conflicts", type=int_in(0, _INT64_MAX),
                   default=None, metavar="N", help="stop after N conflicts")
    table = _option_table()
    _, lo, hi, _ = table["seed"]
    p.add_argument("--seed", type=int_in(lo, hi), default=None,
                   metavar="N", help=f"random seed [range {lo}..{hi}]")
    p.add_argument("--phases", default=None, metavar="neuroback|polarity|FILE",
                   help="predicted phases: 'neuroback' (the shipped graph network, "
                        "skipped on tiny formulas), 'polarity' (each variable's "
                        "more frequent sign) or a FILE of literals (one a line, "
                        "or 'v' lines); used as the predict* options say")
    p.add_argument("-n", "--no-model", action="store_true",
                   help="do not print the model (no 'v' lines)")
    p.add_argument("--strict", action="store_true",
                   help="reject files whose header disagrees with their body")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no 'c' lines")
    p.add_argument("-v", "--verbose", action="count", default=0,
                   help="progress lines while solving (-vv: more)")
    group = p.add_argument_group(
        "solver options", "Options of the C core (the table in csrc/sat/options.h).")
    for name, (default, lo, hi, desc) in table.items():
        if name in _OWN:
            continue
        group.add_argument(f"--{name}", type=int_in(lo, hi),
                           default=None, metavar="N",
                           help=f"{desc} [{default}, range {lo}..{hi}]")
    p.set_defaults(func=run)
    return p


def _comment(args, text=""):
    if not args.quiet:
        print(f"c {text}".rstrip())


def _statistics(args, stats, elapsed):
    import resource
    if args.quiet:
        return
    t = max(stats["time"], 1e-9)
    rows = [
        ("conflicts", stats["conflicts"], f"{stats['conflicts'] / t:.0f} per second"),
        ("decisions", stats["decisions"], f"{stats['decisions'] / t:.0f} per second"),
        ("propagations", stats["propagations"],
         f"{stats['propagations'] / t:.0f} per second"),
        ("restarts", stats["restarts"], ""),
        ("learned", stats["learned"],
         f"{stats['learned_units']} units, {stats['learned_binaries']} binary"),
        ("deleted", stats["deleted"], f"in {stats['reductions']} reductions"),
        ("simplifications", stats["simplifications"],
         f"{stats['removed_satisfied']} satisfied clauses removed"),
        ("mode switches", stats["mode_switches"], f"{stats['rephased']} rephased"),
        ("eliminated", stats["eliminated"],
         f"{stats['resolvents']} resolvents, {stats['gates']} gates, "
         f"{stats['restored']} restored, {stats['elim_time']:.2f} s"),
        ("subsumed", stats["subsumed"],
         f"{stats['strengthened']} strengthened, {stats['subsume_time']:.2f} s, "
         f"{stats['inprocessings']} rounds"),
        ("substituted", stats["substituted"], f"{stats['substitute_time']:.2f} s"),
        ("failed literals", stats["failed"],
         f"{stats['hyper']} hyper-binary, {stats['probe_time']:.2f} s"),
        ("transitive", stats["transitive"], f"{stats['transred_time']:.2f} s"),
        ("vivified", stats["vivified"],
         f"{stats['vivified_irredundant']} irredundant, {stats['vivify_checks']} checked"),
    ]
    _comment(args, "---- [ statistics ] " + "-" * 50)
    for name, value, extra in rows:
        _comment(args, f"{name + ':':<17}{value:>14}   {extra}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    _comment(args, f"{'maximum memory:':<17}{peak:>14.1f}   MiB")
    _comment(args, f"{'solving time:':<17}{stats['time']:>14.2f}   seconds")
    _comment(args, f"{'total time:':<17}{elapsed:>14.2f}   seconds")


class _Stop(Exception):
    """A limit (time) or an interrupt ended the run before the search."""


class _FileError(Exception):
    """A one-line message naming the file (and the line) of bad input."""


def _decompressor(kind):
    # imported on demand: plain files do not pay for the codecs
    if kind == "gzip":
        import zlib
        return zlib.decompressobj(wbits=31), zlib.error
    if kind == "bzip2":
        import bz2
        return bz2.BZ2Decompressor(), OSError
    import lzma
    return lzma.LZMADecompressor(), lzma.LZMAError


def _blocks(fd, size, check):
    """Blocks read from a file descriptor until end of file. A pipe or a
    terminal is waited on in short slices with `check` between them, so that
    a limit or Ctrl-C ends a read that is blocked waiting for input."""
    wait = not stat.S_ISREG(os.fstat(fd).st_mode)
    while True:
        while wait and not select.select([fd], [], [], 0.05)[0]:
            check()
        block = os.read(fd, size)
        if not block:
            return
        yield block


def _decompress(blocks, kind, name, check):
    """Decompress an iterable of compressed blocks (several concatenated
    streams allowed, as gzip and bzip2 write them), calling `check` after
    each block."""
    out = bytearray()
    dec, error = _decompressor(kind)
    try:
        for block in blocks:
            while block:
                out += dec.decompress(block)
                check()
                block = dec.unused_data if dec.eof else b""
                if block:
                    dec, _ = _decompressor(kind)
        if not dec.eof:
            raise _FileError(f"{name}: corrupt {kind} data (truncated)")
    except (error, EOFError, ValueError) as exc:
        raise _FileError(f"{name}: corrupt {kind} data ({exc})") from None
    return out


def _read(path, check):
    """(contents as a bytes-like object, name for messages); `check` is
    called between blocks read or decompressed."""
    name = "<stdin>" if path == "-" else path
    try:
        fd = sys.stdin.fileno() if path == "-" else os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise _FileError(f"{name}: cannot open DIMACS file: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and os.lseek(fd, 0, os.SEEK_CUR) == 0:
            head = os.pread(fd, 6, 0)
            if st.st_size > 0 and not compression(head):
                # zero-copy view; the tokenizer copies what it keeps
                return mmap.mmap(fd, 0, access=mmap.ACCESS_READ), name
        head = bytearray()
        # CNF text compresses about tenfold: blocks of a quarter of a chunk
        # decompress to a few MB each
        blocks = _blocks(fd, _CHUNK >> 2, check)
        for block in blocks:
            head += block
            if len(head) >= 6:
                break
        kind = compression(head)
        if kind is not None:
            return _decompress(chain([bytes(head)], blocks), kind, name, check), name
        for block in blocks:
            head += block
            check()
        return head, name
    except OSError as exc:
        raise _FileError(f"{name}: cannot read DIMACS file: {exc.strerror or exc}") from None
    finally:
        if path != "-":
            os.close(fd)


def _load(args, check):
    """Read and tokenize the file: (lits, offsets, header variables, name)."""
    data, name = _read(args.file, check)
    try:
        lits, offsets, info = _dimacs.parse_raw(data, args.strict, check)
    except _dimacs.ParseError as exc:
        raise _FileError(f"{name}:{exc.line}: {exc.problem}") from None
    finally:
        if isinstance(data, mmap.mmap):
            data.close()
    for line, problem in _dimacs.header_problems(info, len(offsets) - 1):
        # strict mode: the tokenizer already rejected excess variables
        if args.strict:
            raise _FileError(f"{name}:{line}: {problem}")
        print(f"optsolve sat: warning: {name}:{line}: {problem}", file=sys.stderr)
    return lits, offsets, max(info["header_vars"], info["max_var"]), name


def _probe(args, core, conflicts, deadline):
    """The default phases for a few conflicts before NeuroBack is asked:
    10 or 20 when they decide, 0 when another limit ended the run, None
    when the prediction is worth making."""
    from optsolve.sat._phases import PROBE_CONFLICTS
    budget = PROBE_CONFLICTS if conflicts < 0 else min(PROBE_CONFLICTS, conflicts)
    res = core.solve(array.array("i"), budget, -1,
                     -1.0 if args.time_limit is None else deadline.remaining(), True)
    if res:
        _comment(args, f"phases: neuroback skipped (decided within the "
                       f"{PROBE_CONFLICTS}-conflict probe)")
        return res
    if core.limit_reached() != "conflicts" or budget == conflicts:
        return 0
    return None


def _predict(args, core, lits, offsets, nvars):
    """Predicted phases into the core, and a c line saying what they cost."""
    import numpy as np

    from optsolve.sat._cnf import CNF
    from optsolve.sat._phases import METHODS, phase_scores
    method = args.phases if args.phases in METHODS else _PathArg(args.phases)
    cnf = CNF._from_arrays(np.frombuffer(lits, dtype=np.int32),
                           np.frombuffer(offsets, dtype=np.int64), nvars)
    try:
        scores, info = phase_scores(cnf, method)
    except ValueError as exc:
        raise _FileError(str(exc)) from None
    core.set_predictions(scores)
    pos, neg = core.prediction_counts()
    known = int(np.count_nonzero(~np.isnan(scores)))
    _comment(args, f"phases: {info['method']}, {pos} true and {neg} false confident "
                   f"of {known} predicted, {nvars} variables")
    if info["method"] == "neuroback":
        _comment(args, f"phases: graph {info['graph_time']:.3f} s, inference "
                       f"{info['inference_time']:.3f} s, {info['predict_time']:.3f} s "
                       f"with loading")


class _PathArg(os.PathLike):
    """A command-line path that is not a method name."""

    def __init__(self, path):
        self.path = path

    def __fspath__(self):
        return self.path

    def __repr__(self):
        return repr(self.path)


def _print_model(core, nvars):
    """v lines: the solver's values, then the variables it never saw (up to
    the header's count) as positive literals, streamed."""
    known = min(core.nvars(), nvars)
    values = array.array("i", [0]) * known
    core.values_into(values)
    sys.stdout.flush()
    binary = getattr(sys.stdout, "buffer", None)  # None: a text-only stream
    out = _dimacs.ValueLines(binary.write if binary is not None
                             else lambda data: sys.stdout.write(str(data, "ascii")))
    out.write(values)
    del values
    if nvars > known:
        out.write_range(known + 1, nvars - known)
    out.close()
    sys.stdout.flush()


def run(args) -> int:
    deadline = Deadline(args.time_limit)
    start = deadline.start
    _comment(args, f"optsolve {optsolve.__version__} CDCL SAT solver")
    _comment(args, f"reading {'standard input' if args.file == '-' else args.file}")
    sys.stdout.flush()
    core = _cdcl.CDCL()
    # freed with `args`, or by the OS when main ends the process (cli.main)
    args.exit_at_once, args.keep_alive = True, core
    answer, limit, stats, when = None, None, None, ""
    with InterruptGuard(core.terminate, signals=(signal.SIGINT, signal.SIGTERM)) as guard:

        def check():
            if guard.interrupted or deadline.expired():
                raise _Stop

        try:
            if args.proof:  # opened first: a bad path fails before a long read
                try:
                    core.proof_path(args.proof, args.binary_proof)
                except OSError as exc:
                    raise _FileError(str(exc)) from None
                _comment(args, f"writing {'binary' if args.binary_proof else 'text'} "
                               f"DRAT proof to {args.proof}")
            try:
                lits, offsets, nvars, name = _load(args, check)
            except _dimacs.ParseStopped:
                raise _Stop from None
            _comment(args, f"parsed {nvars} variables, {len(offsets) - 1} clauses "
                           f"in {time.perf_counter() - start:.2f} seconds")
            if args.seed is not None:
                core.set_option("seed", args.seed)
            for key in _option_table():
                if key not in _OWN and getattr(args, key, None) is not None:
                    core.set_option(key, getattr(args, key))
            if args.verbose and not args.quiet:
                core.set_option("verbose", min(args.verbose, 3))
                core.report_to_stdout(True)
            # in slices, so that a limit or Ctrl-C is honoured while loading
            lim = memoryview(offsets)
            for i in range(0, len(offsets) - 1, _ADD_CHUNK):
                check()
                core.add_arrays(lits, lim[i:i + _ADD_CHUNK + 1])
            del lim
            if args.phases is not None and args.phases != "neuroback":
                check()
                _predict(args, core, lits, offsets, nvars)
            check()
            if args.verbose and not args.quiet:
                _comment(args, "t  seconds  conflicts restarts mode  redundant "
                               "irredundant   glue average  remaining")
                _comment(args, " " * 59 + "fast   slow")
            sys.stdout.flush()
            conflicts = -1 if args.conflicts is None else args.conflicts
            res = None
            if args.phases == "neuroback":
                res = _probe(args, core, conflicts, deadline)
                if res is None:
                    check()
                    _predict(args, core, lits, offsets, nvars)
                    if conflicts >= 0:
                        conflicts = max(conflicts - core.statistics()["conflicts"], 0)
            del lits, offsets
            if res is None:
                res = core.solve(array.array("i"), conflicts, -1,
                                 -1.0 if args.time_limit is None else deadline.remaining(),
                                 True)
            answer = {10: True, 20: False}.get(res)
            if answer is None:
                limit = "interrupt" if guard.interrupted else core.limit_reached()
        except _Stop:
            limit = "interrupt" if guard.interrupted else "time"
            when = " before the search"
        except MemoryError:  # the reader's or the solver's allocation failed
            limit = "memory"
        except _FileError as exc:
            print(f"optsolve sat: error: {exc}", file=sys.stderr)
            return 1
        if core.out_of_memory:  # the solver is unusable: nothing to ask it
            answer, limit = None, "memory"
        else:
            stats = core.statistics()
            try:
                core.proof_close()
            except OSError as exc:
                print(f"optsolve sat: error: {args.proof}: {exc}", file=sys.stderr)
                return 1
    if answer is None:
        _comment(args, {"interrupt": "interrupted", "memory": "out of memory"}.get(
            limit, f"stopped by the {limit} limit") + when)
    print({True: "s SATISFIABLE", False: "s UNSATISFIABLE",
           None: "s UNKNOWN"}[answer])
    if answer and not args.no_model:
        _print_model(core, nvars)
    if stats is not None:
        _statistics(args, stats, time.perf_counter() - start)
    code = {True: 10, False: 20, None: 0}[answer]
    _comment(args, f"exit {code}")
    sys.stdout.flush()
    return code
