"""The compute engine: the one place that knows it is talking to DuckDB.

Everything above works on Ibis expressions, so the same queries can later run on Spark;
engine-specific SQL (file readers, settings) lives here and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from functools import cache
from importlib import metadata
from pathlib import Path

import ibis
import ibis.expr.types as ir
from ibis.backends.duckdb import Backend

from fiveareas.store.home import Home


def connect(home: Home) -> Backend:
    """An in-process DuckDB with bounded memory that spills to the data home."""
    spill = home.tmp / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con = ibis.duckdb.connect(
        threads=int(os.environ.get("FIVEAREAS_THREADS", os.cpu_count() or 2)),
        memory_limit=os.environ.get("FIVEAREAS_MEMORY_LIMIT", "3GB"),
        temp_directory=str(spill),
        preserve_insertion_order=True,
    )
    return con


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def load_csv(con: Backend, name: str, path: Path, delimiter: str, header: list[str]) -> None:
    """Load a UTF-8 CSV as all-text columns with the given header, strictly and without
    sniffing: a row with too few or too many fields, or an unterminated quote, fails."""
    columns = "{" + ", ".join(f"{_q(h)}: 'VARCHAR'" for h in header) + "}"
    con.raw_sql(
        f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_csv({_q(str(path))}, "
        f"delim={_q(delimiter)}, header=true, auto_detect=false, columns={columns}, "
        "quote='\"', escape='\"', strict_mode=true, null_padding=false)"
    )


def row_view(con: Backend, name: str) -> None:
    """`{name}_v`: the loaded rows with their spreadsheet row number (header = row 1), and
    blank text as no value, whatever format the file came in."""
    cols = []
    for col, dtype in con.table(name).schema().items():
        q = '"' + col.replace('"', '""') + '"'
        # Test the first character before trimming: most values are not blank at all.
        blank = f"({q} = '' OR (ascii({q}) IN (9, 32) AND trim({q}, ' \t') = ''))"
        cols.append(f"CASE WHEN {blank} THEN NULL ELSE {q} END AS {q}"
                    if dtype.is_string() else q)
    con.raw_sql(f"CREATE OR REPLACE VIEW {name}_v AS SELECT rowid + 2 AS _row, "
                f"{', '.join(cols)} FROM {name}")


def load_parquet(con: Backend, name: str, path: Path) -> None:
    con.raw_sql(
        f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet({_q(str(path))})"
    )


def drop(con: Backend, *names: str) -> None:
    for n in names:
        con.raw_sql(f"DROP TABLE IF EXISTS {n}")


def load_arrow(con: Backend, name: str, table: object) -> None:
    """Copy an in-memory Arrow table into engine table `name`."""
    raw = con.con
    raw.register(f"{name}__arrow", table)
    try:
        raw.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}__arrow")
    finally:
        raw.unregister(f"{name}__arrow")


_SQL: dict[tuple[object, ...], str] = {}


def sql(con: Backend, key: tuple[object, ...], build: Callable[[], ir.Expr]) -> str:
    """Compile an expression once per key: the collect path runs the same queries on
    same-named tables for every submission, and compiling costs more than running them.

    Compiled text is also kept on disk (`sql_cache_dir`), so a new process does not pay
    Ibis again (about 1.4 s for a loan book): the file name hashes the key together with
    every source and data file of the package and the Ibis, sqlglot and DuckDB versions,
    so any change to the rules, the template or the code that builds a query misses."""
    if key in _SQL:
        return _SQL[key]
    folder = sql_cache_dir()
    path = None
    if folder is not None:
        name = hashlib.sha256(f"{_fingerprint()}\0{key!r}".encode()).hexdigest()[:40]
        path = folder / f"{name}.sql"
        try:
            _SQL[key] = path.read_text("utf-8")
            return _SQL[key]
        except OSError:
            pass
    _SQL[key] = text = str(con.compile(build()))
    if path is not None:
        _store(path, text)
    return text


def sql_cache_dir() -> Path | None:
    """Where compiled queries are kept: `FIVEAREAS_SQL_CACHE` (empty: nowhere), else the
    user's cache folder."""
    env = os.environ.get("FIVEAREAS_SQL_CACHE")
    if env is not None:
        return Path(env) if env else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fiveareas" / "sql"


def _store(path: Path, text: str) -> None:
    """Write whole or not at all (another process may be reading); a cache that cannot be
    written is only slower."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


@cache
def _fingerprint() -> str:
    """What compiled SQL depends on besides its key: the package's files and the libraries."""
    h = hashlib.sha256()
    for lib in ("ibis-framework", "sqlglot", "duckdb"):
        h.update(f"{lib}={metadata.version(lib)}\0".encode())
    root = Path(__file__).resolve().parents[1]
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def schema_key(con: Backend, name: str) -> tuple[tuple[str, str], ...]:
    return tuple((c, str(t)) for c, t in con.table(name).schema().items())


def run(con: Backend, text: str) -> list[tuple[object, ...]]:
    return con.raw_sql(text).fetchall()


def materialize_sql(con: Backend, name: str, text: str) -> None:
    con.raw_sql(f"CREATE OR REPLACE TABLE {name} AS {text}")


def copy_parquet(con: Backend, text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.raw_sql(f"COPY ({text}) TO {_q(str(path))} (FORMAT parquet, COMPRESSION zstd)")


def insert_parquet(con: Backend, table: str, paths: list[Path], columns: str) -> None:
    files = "[" + ", ".join(_q(str(p)) for p in paths) + "]"
    con.raw_sql(f"INSERT INTO {table} SELECT {columns} FROM read_parquet({files})")


def with_value(text: str, column: str, value: str) -> str:
    """The query with one column replaced by a constant."""
    return f"SELECT * REPLACE ({_q(value)} AS {column}) FROM ({text})"


def values_row(schema: ibis.Schema, row: dict[str, object]) -> str:
    """One literal row with the given schema, as a query."""
    items = []
    for name, dtype in schema.items():
        v = row.get(name)
        lit = "NULL" if v is None else _q(str(v)) if dtype.is_string() else str(v)
        items.append(f"CAST({lit} AS {con_type(dtype)}) AS {name}")
    return "SELECT " + ", ".join(items)


def con_type(dtype: object) -> str:
    return {"string": "VARCHAR", "int64": "BIGINT"}[str(dtype)]
