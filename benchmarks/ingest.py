"""Ingest benchmark: `ingest()` of one loan-book submission against a bare DuckDB copy.

    .venv/bin/python benchmarks/ingest.py [--rows 1e6,1e7] [--formats parquet,csv] [--repeat N]
                                          [--against REV]

`--formats` names the books of `benchmarks/_data.py`: `parquet` and `csv` carry about 0.1%
bad rows; `parquet-clean` is the same book without its blocking errors and with optional
columns, a file the collector copies into the lake as received.

For each size and format, two measurements run in the same invocation, each in a fresh
subprocess so that its peak memory (RSS high-water mark, from `os.wait4`) is its own
(`--repeat N`: N such pairs one after the other, the table showing their medians, since a
shared machine's speed drifts from minute to minute):

- baseline: `COPY (SELECT * FROM read_parquet|read_csv(loans)) TO ... (FORMAT parquet)`, the
  floor for reading the loans file and writing it back as Parquet;
- ingest: `ingest([book], home)` into a fresh data home whose register was ingested first
  (not timed): hashing, loading, every rule of the catalogue, quarantine, findings and the
  catalog commit. The phases are timed by wrapping the functions `Collector` calls (exclusive
  time, a few `perf_counter` calls per phase, so the overhead is nil).

CPU seconds (all threads of the measured process, over the timed part only) are printed
beside wall time: on a shared machine wall time also counts other work's, CPU time much less.
Rows per second count loan rows (the counterparty file, N/3 rows, is extra work for ingest).
`--against REV` also times the ingest of the source at git revision REV (checked out in a
temporary worktree) beside each ingest of the current source, each going first every other
time, and prints the ratio of each such pair: the machine's drift moves both alike, so the
ratios decide a change where two separate runs of the benchmark could not. Each source first
ingests a small book untimed, so that neither pays for compiling its queries in a pair.
Input comes from `benchmarks/_data.py` and is cached under benchmarks/out/; each run's data
home is made under benchmarks/work/ and removed afterwards.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _data import BOOKS, submission  # noqa: E402

# Scratch space beside this script, not under the input cache (`out/`), which worktrees may
# share: two runs at once must not remove each other's data homes.
WORK = HERE / "work"

PHASES = ("hash", "load", "identity", "compile (ibis to SQL)", "validate: materialise",
          "validate: rule counts", "validate: other", "cross-file helpers", "write accepted",
          "write quarantine", "write findings", "catalog commit", "other")
ALONGSIDE = "(alongside)"
WARM_UP = 10_000  # loans in the book each source ingests first with --against


# ---- children: one measurement each ------------------------------------------------------
def _baseline(rows: int, fmt: str, work: Path) -> dict[str, Any]:
    """The bare copy, with DuckDB's defaults (all cores, 80% of memory, snappy)."""
    import duckdb

    src = submission(rows, (fmt,)).loans(fmt)
    reader = f"read_parquet('{src}')" if BOOKS[fmt] == "parquet" else f"read_csv('{src}')"
    out = work / "copy.parquet"
    con = duckdb.connect()
    t0, c0 = time.perf_counter(), time.process_time()
    con.execute(f"COPY (SELECT * FROM {reader}) TO '{out}' (FORMAT parquet)")
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    n = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
    con.close()
    return {"seconds": seconds, "cpu_s": cpu, "rows": n[0] if n else 0}


class Phases:
    """Exclusive wall time per phase: a nested phase's time is taken off its caller's.
    Work the collector runs alongside on another thread is its own phase, `... (alongside)`,
    whose time overlaps the others' and is not part of their sum."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._local = threading.local()

    def wrap(self, owner: object, attr: str, label: str | Callable[..., str]) -> None:
        fn = getattr(owner, attr)

        @functools.wraps(fn)
        def timed(*args: Any, **kw: Any) -> Any:
            name = label(*args, **kw) if callable(label) else label
            if threading.current_thread() is not threading.main_thread():
                name = f"{name} {ALONGSIDE}"
            stack = self._local.__dict__.setdefault("stack", [])
            stack.append(name)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kw)
            finally:
                dt = time.perf_counter() - t0
                stack.pop()
                self.seconds[name] = self.seconds.get(name, 0.0) + dt
                if stack:
                    parent = stack[-1]
                    self.seconds[parent] = self.seconds.get(parent, 0.0) - dt

        setattr(owner, attr, timed)


def _write_label(*args: Any, **kw: Any) -> str:
    path = next(a for a in (*args, *kw.values()) if isinstance(a, Path))
    folder = path.parent.name
    if folder.startswith("quarantine_"):
        return "write quarantine"
    return "write findings" if folder == "findings" else "write accepted"


# (module or class, attribute, phase). Only the attributes that exist are wrapped, so the
# breakdown survives refactoring of the source; unwrapped work shows up under "other".
def _targets() -> list[tuple[object, str, str | Callable[..., str]]]:
    from fiveareas.intake import ingest as ingest_mod
    from fiveareas.intake import readers, validate
    from fiveareas.store import engine

    c = ingest_mod.Collector
    return [
        (c, "submit", "other"),
        (readers, "sha256", "hash"),
        (readers, "load", "load"),
        (c, "_identity", "identity"),
        (engine, "sql", "compile (ibis to SQL)"),
        (validate, "check", "validate: other"),
        (engine, "materialize", "validate: materialise"),
        (engine, "materialize_sql", "validate: materialise"),
        (validate, "rule_counts", "validate: rule counts"),
        (validate, "_rule_counts", "validate: rule counts"),
        (c, "_previous", "cross-file helpers"),
        (c, "_fill_borrowers", "cross-file helpers"),
        (c, "_fill_cp_state", "cross-file helpers"),
        (c, "_fill_registered", "cross-file helpers"),
        (c, "_cp_state", "cross-file helpers"),
        (c, "_registered", "cross-file helpers"),
        (c, "_macro", "cross-file helpers"),
        (engine, "write_parquet", _write_label),
        (engine, "copy_parquet", _write_label),
        (readers, "receive", "hash"),
        (_module("fiveareas.intake.received"), "land", "write accepted"),
        (c, "_commit", "catalog commit"),
    ]


def _module(name: str) -> object:
    """The module, or None in a source that has no such module (`--against` an older one)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _instrument() -> Phases:
    ph = Phases()
    for owner, attr, label in _targets():
        if owner is not None and hasattr(owner, attr):
            ph.wrap(owner, attr, label)
    return ph


def source_hash() -> str:
    """The figures belong to one state of the source (there may be no commit to name)."""
    import hashlib

    import fiveareas

    root = Path(fiveareas.__file__).parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".yaml") and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:12]


def _ingest(rows: int, fmt: str, work: Path) -> dict[str, Any]:
    """ingest() of the submission into a fresh home, the register ingested first."""
    from fiveareas.intake.ingest import ingest
    from fiveareas.store.home import Home

    sub = submission(rows, (fmt,))
    home = Home.resolve(work / "home")
    ingest([sub.register], home)
    phases = _instrument()
    t0, c0 = time.perf_counter(), time.process_time()
    (out,) = ingest([sub.books[fmt]], home)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    phases.seconds["setup + close"] = seconds - sum(
        v for k, v in phases.seconds.items() if not k.endswith(ALONGSIDE))
    return {"seconds": seconds, "cpu_s": cpu, "rows": rows, "state": out.state,
            "all_rows": out.rows, "accepted": out.accepted, "quarantined": out.quarantined,
            "errors": out.errors, "warnings": out.warnings, "phases": phases.seconds}


def child(kind: str, rows: int, fmt: str, work: Path) -> None:
    run = _baseline if kind == "baseline" else _ingest
    print(json.dumps(run(rows, fmt, work)))


# ---- parent ------------------------------------------------------------------------------
def measure(kind: str, rows: int, fmt: str, source: Path | None = None) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its own peak RSS comes from wait4.
    `source`: a `src` folder whose package the child imports instead of the installed one."""
    work = WORK / f"{kind}_{fmt}_{rows}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--child", kind, "--rows", str(rows), "--formats", fmt,
           "--work", str(work)]
    env = dict(os.environ, PYTHONPATH=str(source)) if source else None
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    text = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    shutil.rmtree(work, ignore_errors=True)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} {fmt} {rows}: child failed ({proc.returncode})")
    result = json.loads(text.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    return result


def _prepare(rows: int, books: list[str]) -> None:
    """Make the input in a child process: the kernel carries a process's RSS high-water mark
    across fork and exec, so input generated here (GBs at 10M rows) would show as the peak
    of every measurement made after it."""
    code = f"from _data import submission; submission({rows}, {tuple(books)!r})"
    subprocess.run([sys.executable, "-c", code], cwd=HERE, check=True)


def _worktree(rev: str) -> Path:
    """A detached checkout of `rev` under benchmarks/work/ (removed by `_drop_worktree`)."""
    path = WORK / f"against-{rev.replace('/', '_')}"
    _drop_worktree(path)
    subprocess.run(["git", "worktree", "add", "--detach", "--force", str(path), rev],
                   cwd=HERE, check=True, capture_output=True)
    return path


def _drop_worktree(path: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=HERE,
                   capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def _rows_arg(text: str) -> list[int]:
    return [int(float(x)) for x in text.split(",") if x]


def _line(kind: str, fmt: str, r: dict[str, Any]) -> str:
    return (f"{kind:8} {fmt:7} {r['rows']:>12,} rows {r['seconds']:8.2f} s "
            f"{r['rows'] / r['seconds']:>12,.0f} rows/s  peak {r['peak_mb']:>7,.0f} MB  "
            f"cpu {r['cpu_s']:6.2f} s")


def _median(pairs: list[tuple[dict[str, Any], dict[str, Any]]]
            ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The median baseline and the median ingest of the pairs (each a whole measurement, its
    phases and peak included); with several pairs, their spread is printed."""
    if len(pairs) > 1:
        for kind, runs in (("baseline", [b for b, _ in pairs]), ("ingest", [i for _, i in pairs])):
            secs = sorted(r["seconds"] for r in runs)
            print(f"{kind} over {len(runs)} runs: {secs[0]:.2f}-{secs[-1]:.2f} s, "
                  f"median {statistics.median_low(secs):.2f} s", flush=True)

    def middle(runs: list[dict[str, Any]]) -> dict[str, Any]:
        return sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]

    return middle([b for b, _ in pairs]), middle([i for _, i in pairs])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=_rows_arg, default=[1_000_000, 10_000_000])
    ap.add_argument("--formats", default="parquet,csv",
                    help="books to ingest: parquet, csv, parquet-clean")
    ap.add_argument("--child", choices=("baseline", "ingest"))
    ap.add_argument("--work", type=Path)
    ap.add_argument("--repeat", type=int, default=1,
                    help="baseline and ingest pairs per size and format (table: medians)")
    ap.add_argument("--against", metavar="REV",
                    help="also time the ingest of this git revision beside each ingest")
    args = ap.parse_args()
    formats = [f for f in args.formats.split(",") if f]
    if args.child:
        child(args.child, args.rows[0], formats[0], args.work)
        return
    print(f"nproc {os.cpu_count()}, python {sys.version.split()[0]}, "
          f"source {source_hash()}", flush=True)
    table: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = []
    tree = _worktree(args.against) if args.against else None
    against: list[tuple[int, str, list[tuple[float, float]]]] = []
    try:
        _runs(args, formats, table, tree, against)
    finally:
        if tree is not None:
            _drop_worktree(tree)
    _report(table, args.against, against)


def _runs(args: argparse.Namespace, formats: list[str],
          table: list[tuple[int, str, dict[str, Any], dict[str, Any]]], tree: Path | None,
          against: list[tuple[int, str, list[tuple[float, float]]]]) -> None:
    if tree is not None:
        # Each source compiles its queries on its first ingest (then keeps them on disk):
        # a small book of the same schema first, so that no pair is one side compiling.
        _prepare(WARM_UP, formats)
        for fmt in formats:
            for source in (None, tree / "src"):
                measure("ingest", WARM_UP, fmt, source=source)
        print(f"warmed up: a {WARM_UP:,}-loan book ingested by each source", flush=True)
    for rows in args.rows:
        t0 = time.perf_counter()
        _prepare(rows, formats)
        print(f"input {rows:,} loans ready ({time.perf_counter() - t0:.1f} s)", flush=True)
        for fmt in formats:
            pairs = []
            olds: list[tuple[float, float]] = []
            for i in range(args.repeat):
                print(f"load average {os.getloadavg()[0]:.2f}", flush=True)
                base = measure("baseline", rows, fmt)
                print(_line("baseline", fmt, base), flush=True)
                # Against another revision, each goes first every other time, so that being
                # first (right after the bare copy) favours neither.
                that = (_that(args.against, rows, fmt, tree)
                        if tree is not None and i % 2 == 1 else None)
                ing = measure("ingest", rows, fmt)
                print(_line("ingest", fmt, ing) + f"  x{ing['seconds'] / base['seconds']:.1f}  "
                      f"{ing['state']}: {ing['all_rows']:,} rows, {ing['quarantined']:,} "
                      f"quarantined, {ing['errors']:,} errors, {ing['warnings']:,} warnings",
                      flush=True)
                pairs.append((base, ing))
                if tree is not None:
                    if that is None:
                        that = _that(args.against, rows, fmt, tree)
                    print(f"this / that {ing['seconds'] / that['seconds']:.2f}", flush=True)
                    olds.append((ing["seconds"], that["seconds"]))
            table.append((rows, fmt, *_median(pairs)))
            if tree is not None:
                against.append((rows, fmt, olds))


def _that(rev: str, rows: int, fmt: str, tree: Path) -> dict[str, Any]:
    """The ingest of the other revision's source."""
    r = measure("ingest", rows, fmt, source=tree / "src")
    print(_line(rev[:8], fmt, r), flush=True)
    return r


def _report(table: list[tuple[int, str, dict[str, Any], dict[str, Any]]], rev: str | None,
            against: list[tuple[int, str, list[tuple[float, float]]]]) -> None:
    print()
    print("| rows | format | baseline s | ingest s | ingest rows/s | ingest / baseline "
          "| baseline peak MB | ingest peak MB | baseline CPU s | ingest CPU s |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for rows, fmt, base, ing in table:
        print(f"| {rows:,} | {fmt} | {base['seconds']:.2f} | {ing['seconds']:.2f} "
              f"| {rows / ing['seconds']:,.0f} | {ing['seconds'] / base['seconds']:.1f} "
              f"| {base['peak_mb']:,.0f} | {ing['peak_mb']:,.0f} "
              f"| {base['cpu_s']:.2f} | {ing['cpu_s']:.2f} |")
    print()
    print("Ingest phases, seconds (exclusive wall time):")
    print()
    cols = [f"{rows:,} {fmt}" for rows, fmt, _, _ in table]
    print("| phase | " + " | ".join(cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for name in (*PHASES, "setup + close"):
        vals = [ing["phases"].get(name, 0.0) for _, _, _, ing in table]
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    print("| **total** | " + " | ".join(f"{ing['seconds']:.2f}" for *_, ing in table) + " |")
    aside = sorted({k for *_, ing in table for k in ing["phases"] if k.endswith(ALONGSIDE)})
    for name in aside:  # overlapping the phases above, so not part of the total
        vals = [ing["phases"].get(name, 0.0) for _, _, _, ing in table]
        print(f"| {name} | " + " | ".join(f"{v:.2f}" for v in vals) + " |")
    if rev is None:
        return
    print()
    print(f"Against {rev} (ingest seconds, one pair per repeat, run one after the other):")
    print()
    print(f"| rows | format | this source | {rev} | this / that, each pair | median ratio |")
    print("|---:|---|---|---|---|---:|")
    for rows, fmt, olds in against:
        ratios = [new / old for new, old in olds]
        print(f"| {rows:,} | {fmt} | {', '.join(f'{n:.2f}' for n, _ in olds)} "
              f"| {', '.join(f'{o:.2f}' for _, o in olds)} "
              f"| {', '.join(f'{r:.2f}' for r in ratios)} | {statistics.median(ratios):.2f} |")


if __name__ == "__main__":
    main()
