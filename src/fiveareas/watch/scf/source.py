"""Open the SCF documents of a city as DuckDB views with the template's names and types."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from fiveareas.model.template import template

DATASETS = (
    "scf_party",
    "contract",
    "invoice",
    "shipment",
    "warehouse_receipt",
    "payment",
    "financing_application",
    "application_document",
)

SQL_TYPES = {
    "string": "VARCHAR",
    "code": "VARCHAR",
    "enum": "VARCHAR",
    "date": "DATE",
    "amount": "DECIMAL(18,2)",
    "decimal": "DOUBLE",
    "integer": "BIGINT",
    "boolean": "BOOLEAN",
}


def records(con: duckdb.DuckDBPyConnection, sql: str,
            params: list[Any] | None = None) -> list[dict[str, Any]]:
    """The query's rows as dicts by column name, the form every check works on."""
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def dataset_sql(name: str, files: list[Path]) -> str:
    """SELECT over the files in template columns and types, one row per key (latest period).

    A later submission for the same institution supersedes an earlier one, and a document
    re-reported in a later period must not count twice (shipped quantities, invoice totals).
    """
    ds = template()[name]
    if not files:
        cols = ", ".join(f"CAST(NULL AS {SQL_TYPES[f.type]}) AS {f.name}" for f in ds.fields)
        return f"SELECT {cols} WHERE false"
    cols = ", ".join(f"CAST({f.name} AS {SQL_TYPES[f.type]}) AS {f.name}" for f in ds.fields)
    listing = "[" + ", ".join(_quote(str(p)) for p in files) + "]"
    key = [k for k in ds.key if k != "period"]
    part = ", ".join(f"coalesce(CAST({k} AS VARCHAR), '')" for k in key)
    return (
        f"SELECT {cols} FROM read_parquet({listing}, union_by_name = true) "
        f"QUALIFY row_number() OVER (PARTITION BY {part} ORDER BY period DESC) = 1"
    )


def open_documents(
    paths: dict[str, list[Path]], con: duckdb.DuckDBPyConnection | None = None
) -> duckdb.DuckDBPyConnection:
    """Views named as the datasets over the Parquet files given; a missing dataset is empty."""
    con = con or duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # the CLI draws its own output
    for name in DATASETS:
        files = [Path(p) for p in paths.get(name, [])]
        con.execute(f"CREATE OR REPLACE VIEW {name} AS {dataset_sql(name, files)}")
    return con


def materialise(con: duckdb.DuckDBPyConnection) -> None:
    """Turn the dataset views into tables (the prepared index keeps no link to the files)."""
    for name in DATASETS:
        con.execute(f"CREATE OR REPLACE TABLE {name}__t AS SELECT * FROM {name}")
        con.execute(f"DROP VIEW IF EXISTS {name}")
        con.execute(f"ALTER TABLE {name}__t RENAME TO {name}")


@contextmanager
def working_tables(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Temporary tables shadowing the dataset views while the checks run, dropped after.

    The checks join the datasets many times; over views each join re-reads and de-duplicates
    the Parquet files and the planner has no statistics (one join took 3 s instead of 10 ms
    on 8,000 applications). Tables (as in the prepared index) are used as they are.
    """
    views = {
        r[0]
        for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
        ).fetchall()
    }
    made: list[str] = []
    try:
        for name in DATASETS:
            if name in views:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM main.{name}")
                made.append(name)
        yield con
    finally:
        for name in made:
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")
