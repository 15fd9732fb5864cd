"""Readers: turn a submitted file (CSV, Parquet, Excel) into an engine table of raw values.

Chinese bank systems often export GB18030, so CSV text is checked as UTF-8 first and then as
GB18030, and transcoded before the engine reads it. Whatever cannot be read is one clear
`MalformedFile` naming the file and the cause; nothing else is attempted on it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import re
import shutil
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends.duckdb import Backend

from fiveareas.intake import received
from fiveareas.intake.errors import MalformedFile
from fiveareas.model.template import template
from fiveareas.store import engine

CHUNK = 1 << 23
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".parquet": "parquet", ".pq": "parquet",
           ".xlsx": "xlsx"}


@dataclass
class LoadedFile:
    dataset: str
    path: Path
    table: str
    format: str
    sha256: str
    encoding: str | None = None
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    source: Path | None = None  # what the engine reads: `path`, or its copy (`receive`)

    @property
    def read(self) -> Path:
        return self.source or self.path

    @cached_property
    def lake_form(self) -> bool:
        """Parquet as the lake would write it (`received.lake_form`)."""
        return self.format == "parquet" and received.lake_form(self.read, self.dataset)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def receive(path: Path, folder: Path) -> tuple[Path, str]:
    """The file to read for `path`, and its hash. Parquet, which the engine reads where it
    lies, pass after pass, is first copied to the file `folder/N-name` (the kernel's copy:
    0.07 s for 172 MB here), so that every pass, and the lake, get the very bytes that were
    hashed, and a file its owner rewrites meanwhile changes nothing. Other formats are read
    into the engine once, as they are."""
    if not (path.is_file() and path.stat().st_size and detect_format(path) == "parquet"):
        return path, sha256(path)
    copy = folder / f"{len(list(folder.iterdir()))}-{path.name}"
    shutil.copyfile(path, copy)
    return copy, sha256(copy)


def detect_format(path: Path) -> str:
    """By content first (a renamed file is still what it is), then by extension."""
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt in (None, "parquet", "xlsx"):
        return "csv" if fmt is None else fmt
    return fmt


def _check_text(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _text_encoding(path: Path) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if not head.strip():
        raise MalformedFile(path, "E0001", "the file is empty")
    if b"\x00" in head:
        raise MalformedFile(path, "E0001", "binary content (NUL bytes), not CSV text")
    for encoding in ("utf-8", "gb18030"):
        if _check_text(path, encoding):
            return encoding
    raise MalformedFile(path, "E0001", "the text is neither UTF-8 nor GB18030")


def _transcode(path: Path, work: Path) -> Path:
    out = work / (path.stem + ".utf8.csv")
    with open(path, encoding="gb18030", newline="") as src, open(
        out, "w", encoding="utf-8", newline=""
    ) as dst:
        while chunk := src.read(CHUNK):
            dst.write(chunk)
    return out


def _header(path: Path) -> tuple[list[str], str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        line = fh.readline()
    delimiter = "\t" if line.count("\t") > line.count(",") else ","
    names = next(csv.reader([line], delimiter=delimiter))
    if len(names) == 1:
        for other in (";", "|"):
            if other in line:
                raise MalformedFile(
                    path, "E0001", f"delimiter {other!r} is not accepted: use comma or tab"
                )
    return names, delimiter


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _xlsx_table(path: Path) -> pa.Table:
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    except Exception as exc:  # calamine raises its own error types for broken archives
        raise MalformedFile(path, "E0001", f"not a readable Excel workbook ({exc})") from exc
    if not rows or not any(_cell(v) for v in rows[0]):
        raise MalformedFile(path, "E0001", "the first sheet is empty")
    header = [str(v) for v in rows[0]]
    body = [r for r in rows[1:] if any(_cell(v) is not None for v in r)]
    columns = {
        f"c{i}": pa.array([_cell(r[i]) if i < len(r) else None for r in body], pa.string())
        for i in range(len(header))
    }
    table = pa.table(columns)
    return table.rename_columns(header)


def _parquet_names(f: LoadedFile) -> list[str]:
    try:
        return pq.read_schema(f.read).names
    except Exception as exc:
        raise MalformedFile(f.path, "E0001",
                            f"not a readable Parquet file ({_short(exc, f)})") from exc


def _short(exc: Exception, f: LoadedFile | None = None) -> str:
    """The engine's error in a sentence: its first line, and the CSV line it names; a copy
    the engine read (`receive`) is named as the file received."""
    text = str(exc)
    if f is not None and f.source is not None:
        text = text.replace(str(f.source), str(f.path))
    lines = [t.strip() for t in text.strip().splitlines() if t.strip()]
    where = re.search(r"CSV Error on Line: (\d+)", text)
    if where:
        found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
        if found:
            return (f"line {where.group(1)} has {found.group(2)} fields where the header has "
                    f"{found.group(1)} (a truncated file or a stray delimiter?)")
        if "quote" in text.lower():
            return f"line {where.group(1)}: a quoted value is never closed"
        return f"line {where.group(1)}: " + lines[0][:200]
    return " ".join(lines[:2])[:300]


def load(con: Backend, path: Path, dataset: str, name: str, work: Path,
         sha: str | None = None, allow_empty: bool = False,
         source: Path | None = None) -> LoadedFile:
    """Load `path` as engine table `name` with the template's column names, or raise.
    Parquet is not loaded: `name` is a view over the file (`source`, its copy from
    `receive`, if given). `sha`: its hash if known (hashing a 10M-row CSV takes 1.7 s).
    `allow_empty`: a header without rows is not an error. Errors name `path`."""
    read = source or path
    if not read.is_file():
        raise MalformedFile(path, "E0001", "no such file")
    if read.stat().st_size == 0:
        raise MalformedFile(path, "E0001", "the file is empty")
    fmt = detect_format(read)
    loaded = LoadedFile(dataset, path, name, fmt, sha or sha256(read), source=source)
    try:
        if fmt == "csv":
            loaded.encoding = _text_encoding(path)
            text_path = path if loaded.encoding == "utf-8" else _transcode(path, work)
            header, delimiter = _header(text_path)
            _check_columns(path, dataset, header)
            engine.load_csv(con, name, text_path, delimiter, [h.strip() for h in header])
        elif fmt == "parquet":
            names = _parquet_names(loaded)
            _check_columns(path, dataset, names)
            engine.load_parquet(con, name, loaded.read, {n: n.strip().lower() for n in names})
        else:
            table = _xlsx_table(path)
            _check_columns(path, dataset, table.column_names)
            engine.load_arrow(con, name, table)
    except MalformedFile:
        raise
    except Exception as exc:
        raise MalformedFile(path, "E0001", f"{fmt} could not be parsed: "
                            f"{_short(exc, loaded)}") from exc
    columns = [c for c, _ in engine.columns(con, name)]
    for old in columns:
        new = old.strip().lower()
        if new != old:
            con.raw_sql(f'ALTER TABLE {name} RENAME COLUMN "{old}" TO "{new}"')
    loaded.columns = [c.strip().lower() for c in columns]
    if fmt != "parquet":  # the Parquet reader made its row view already
        engine.row_view(con, name)
    loaded.rows = int(engine.run(con, f"SELECT count(*) FROM {name}")[0][0])
    if loaded.rows == 0 and not allow_empty:
        nil = "; no loans at the period end is a nil return" if dataset == "loan" else ""
        raise MalformedFile(path, "E0005", "the file has a header but no data rows" + nil)
    return loaded


def damaged(con: Backend, exc: Exception, files: list[LoadedFile]) -> MalformedFile | None:
    """The E0001 that loading would have raised for a Parquet file with a damaged page:
    Parquet is read in place, so the damage shows only when a pass reaches it."""
    for f in files:
        err = engine.unreadable(con, exc, f.read) if f.format == "parquet" else None
        if err is not None:
            return MalformedFile(f.path, "E0001",
                                 f"parquet could not be parsed: {_short(err, f)}")
    return None


def _check_columns(path: Path, dataset: str, header: list[str]) -> None:
    names = [h.strip().lower() for h in header]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise MalformedFile(path, "E0004", "column(s) appear more than once: " + ", ".join(dupes))
    expected = _expected(dataset)
    missing = [c for c in expected if c not in names]
    if missing:
        raise MalformedFile(path, "E0002", "missing column(s): " + ", ".join(missing))
    unknown = [n for n in names if n not in expected]
    if unknown:
        raise MalformedFile(path, "E0003", "unknown column(s): " + ", ".join(unknown))


def _expected(dataset: str) -> list[str]:
    return template()[dataset].columns
