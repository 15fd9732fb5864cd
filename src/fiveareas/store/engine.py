"""The compute engine: the one place that knows it is talking to DuckDB.

Everything above works on Ibis expressions, so the same queries can later run on Spark;
engine-specific SQL (file readers, settings) lives here and nowhere else.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends.duckdb import Backend

from fiveareas.store.home import Home


def connect(home: Home, oversubscribe: int = 1) -> Backend:
    """An in-process DuckDB with bounded memory that spills to the data home, on
    `FIVEAREAS_THREADS` threads if set, else `oversubscribe` threads per core."""
    spill = home.tmp / "duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    threads = os.environ.get("FIVEAREAS_THREADS") or oversubscribe * (os.cpu_count() or 2)
    con = ibis.duckdb.connect(
        threads=int(threads),
        memory_limit=os.environ.get("FIVEAREAS_MEMORY_LIMIT", "3GB"),
        temp_directory=str(spill),
        preserve_insertion_order=True,
    )
    return con


def side(con: Backend) -> Backend:
    """A second connection to the same database, for queries run in another thread while
    `con` goes on (DuckDB runs two queries at once, one per connection)."""
    return ibis.duckdb.from_connection(con.con.cursor())


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


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _no_blank(col: str, maybe_blank: bool) -> str:
    """The column with blank text (empty, or spaces and tabs only) as no value."""
    q = _ident(col)
    if not maybe_blank:
        return q
    # Test the first character before trimming: most values are not blank at all.
    blank = f"({q} = '' OR (ascii({q}) IN (9, 32) AND trim({q}, ' \t') = ''))"
    return f"CASE WHEN {blank} THEN NULL ELSE {q} END AS {q}"


def row_view(con: Backend, name: str) -> None:
    """`{name}_v`: the loaded rows with their spreadsheet row number (header = row 1), and
    blank text as no value, whatever format the file came in."""
    cols = [_no_blank(col, is_text(dtype)) for col, dtype in columns(con, name)]
    con.raw_sql(f"CREATE OR REPLACE VIEW {name}_v AS SELECT rowid + 2 AS _row, "
                f"{', '.join(cols)} FROM {name}")


def load_parquet(con: Backend, name: str, path: Path, names: dict[str, str]) -> None:
    """`{name}` and its row view `{name}_v` as views over the Parquet file where it lies
    (columns renamed `names`): copying it into the engine first cost a pass over the file
    and its size in memory, and typed Parquet needs no parsing. Every pass reads the file
    again, which costs about what scanning an engine table does."""
    src = _q(str(path))
    cols = ", ".join(f"{_ident(old)} AS {_ident(new)}" for old, new in names.items())
    con.raw_sql(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} FROM read_parquet({src})")
    clean = _blank_free(con, path)
    view = [_no_blank(names[old], is_text(dtype) and old not in clean)
            for old, (_, dtype) in zip(names, columns(con, name), strict=True)]
    con.raw_sql(f"CREATE OR REPLACE VIEW {name}_v AS SELECT file_row_number + 2 AS _row, "
                f"{', '.join(view)} FROM (SELECT file_row_number, {cols} "
                f"FROM read_parquet({src}, file_row_number = true))")


def _blank_free(con: Backend, path: Path) -> set[str]:
    """Columns of a Parquet file that hold no blank text, by its statistics: a blank value
    sorts below '!', so a column whose every row group has a minimum from '!' up (or only
    nulls) has none, and the row view need not test its values one by one."""
    rows = con.raw_sql(
        "SELECT path_in_schema, coalesce(bool_and(stats_min_value >= '!' OR "
        "stats_null_count = row_group_num_rows), false) "
        f"FROM parquet_metadata({_q(str(path))}) GROUP BY path_in_schema").fetchall()
    return {col for col, ok in rows if ok}


def unreadable(con: Backend, exc: BaseException, path: Path) -> Exception | None:
    """After the engine failed with `exc`: the error of reading all of the Parquet file at
    `path`, if that fails (a damaged page of a file read in place shows only when a pass
    reaches it, and the engine's message need not name the file); else None."""
    if not isinstance(exc, duckdb.Error):
        return None
    try:
        con.raw_sql("CREATE OR REPLACE TEMP TABLE _whole AS "
                    f"SELECT * FROM read_parquet({_q(str(path))})")
    except duckdb.Error as err:
        return err
    finally:
        con.raw_sql("DROP TABLE IF EXISTS _whole")
    return None


def drop(con: Backend, *names: str) -> None:
    """Drop the named tables and views (a Parquet input is a view, other inputs tables)."""
    kinds = dict(con.raw_sql("SELECT table_name, table_type FROM information_schema.tables "
                             "WHERE table_schema = 'main'").fetchall())
    for n in names:
        if n in kinds:
            con.raw_sql(f"DROP {'VIEW' if kinds[n] == 'VIEW' else 'TABLE'} {_ident(n)}")


def load_arrow(con: Backend, name: str, table: object) -> None:
    """Copy an in-memory Arrow table into engine table `name`."""
    _from_arrow(con, name, table, f"CREATE OR REPLACE TABLE {name} AS")


def insert_arrow(con: Backend, name: str, table: object) -> None:
    """Append an in-memory Arrow table's rows to engine table `name` (same columns)."""
    _from_arrow(con, name, table, f"INSERT INTO {name}")


def _from_arrow(con: Backend, name: str, table: object, into: str) -> None:
    raw = con.con
    raw.register(f"{name}__arrow", table)
    try:
        raw.execute(f"{into} SELECT * FROM {name}__arrow")
    finally:
        raw.unregister(f"{name}__arrow")


def batches(con: Backend, text: str, rows: int = 65_536) -> Iterator[pa.RecordBatch]:
    """The query's rows as Arrow batches, for work done outside the engine: batches of a
    size that stays in the processor's cache rather than one table of every row."""
    yield from con.con.sql(text).to_arrow_reader(rows)


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


def columns(con: Backend, name: str) -> list[tuple[str, str]]:
    """(column, engine type) of a table or view: straight from the engine, which costs a
    tenth of asking Ibis (that parses every type), and is asked many times per file."""
    return [(r[0], r[1]) for r in con.raw_sql(f"DESCRIBE {_ident(name)}").fetchall()]


def is_text(engine_type: str) -> bool:
    return engine_type == "VARCHAR"


def schema_key(con: Backend, name: str) -> tuple[tuple[str, str], ...]:
    """What the SQL compiled over `name` depends on: its columns and their types."""
    return tuple(columns(con, name))


def run(con: Backend, text: str) -> list[tuple[object, ...]]:
    return con.raw_sql(text).fetchall()


def refill(con: Backend, table: str, text: str | None) -> None:
    """Replace the rows of a helper table with the query's (none when it is None)."""
    con.raw_sql(f"DELETE FROM {table}")
    if text is not None:
        con.raw_sql(f"INSERT INTO {table} {text}")


def materialize_sql(con: Backend, name: str, text: str) -> None:
    con.raw_sql(f"CREATE OR REPLACE TABLE {name} AS {text}")


def copy_parquet(con: Backend, text: str, path: Path, nullable: bool = False,
                 ordered: bool = False, enums: dict[str, Sequence[str]] | None = None) -> None:
    """Write the query's rows to a Parquet file. `nullable`: every column optional, as the
    template's fields are, whatever the data: DuckDB writes a column as required when the
    statistics of what it reads show no null, which they do for Parquet read in place.
    `ordered`: keep the query's row order (a nullable write does not, unless asked).
    `enums`: columns whose every value is one of the listed ones (a blocking rule saw to
    it), written through an enumeration; the file is read back as text all the same."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if enums:
        # An enumeration column goes to the file as its dictionary and one small code per
        # row, where text is hashed value by value into a dictionary; the other text
        # columns then skip the dictionary (they are mostly ids and free text, for which
        # building one and giving it up cost a fifth of the write), and no Bloom filters are
        # built. Together, a fifth less CPU writing 10M accepted loans, and a smaller file
        # (docs/benchmarks.md, Ingest).
        casts = ", ".join(f"{_enum(c, values)} AS {_ident(c)}" for c, values in enums.items())
        text = f"SELECT * REPLACE ({casts}) FROM ({text})"
    if nullable and ordered:
        names = [r[0] for r in con.raw_sql(f"DESCRIBE ({text})").fetchall()]
        cols = ", ".join(f"CASE WHEN {c} IS NULL THEN NULL ELSE {c} END AS {c}"
                         for c in map(_ident, names))
        text = f"SELECT {cols} FROM ({text})"
    elif nullable:
        # A full join with an empty relation is the same rows (in any order), but its
        # columns may be null as far as the planner knows. The CASE above costs 20% of the
        # CPU of writing 10M loans; the join costs nothing per row.
        text = f"SELECT _d.* FROM ({text}) AS _d FULL JOIN (SELECT 1 AS _e WHERE false) ON false"
    # zstd level 1: as fast to write as snappy (level 3 costs 8% more CPU on 10M loans) and,
    # on the benchmark's loans, smaller than level 3 (58 MB against 69 MB; snappy 172 MB).
    plain = ", DICTIONARY_SIZE_LIMIT 1, WRITE_BLOOM_FILTER false" if enums else ""
    con.raw_sql(f"COPY ({text}) TO {_q(str(path))} "
                f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1{plain})")


def _enum(col: str, values: Sequence[str]) -> str:
    """`col` as an enumeration of `values`; a value outside them fails the write rather than
    landing as null. TRY_CAST under a test rather than CAST (which would fail as well): a
    cast that cannot fail is one DuckDB works out once per distinct value of a dictionary-
    encoded column instead of every row (0.13 s less per column of 10M loans), and the test
    of the rows it could not cast costs next to nothing."""
    q, enum = _ident(col), _enum_type(values)
    before = _q(col + " value '")
    after = _q(f"' is not one of its {len(values)} allowed values")
    message = f"{before} || {q} || {after}"
    return (f"CASE WHEN {q} IS NOT NULL AND TRY_CAST({q} AS {enum}) IS NULL "
            f"THEN error({message}) ELSE TRY_CAST({q} AS {enum}) END")


def _enum_type(values: Sequence[str]) -> str:
    return f"ENUM({', '.join(map(_q, values))})"


def define_listed(con: Backend, name: str, values: Sequence[str]) -> None:
    """The engine function `name(value)`: is the value one of `values`? A cast that cannot
    fail, which DuckDB works out once per distinct value of a dictionary-encoded column."""
    con.raw_sql(f"CREATE OR REPLACE MACRO {_ident(name)}(value) AS "
                f"TRY_CAST(value AS {_enum_type(values)}) IS NOT NULL")


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


def scratch() -> Backend:
    """A small in-memory engine for one-off questions (one loan, a batch of test cases)."""
    return ibis.duckdb.connect(threads=1)


def read_lake(con: Backend, paths: list[Path]) -> ir.Table:
    """Lake files as one table, with the partition folders (`institution=...`) as columns."""
    return con.read_parquet([str(p) for p in paths], hive_partitioning=True)
