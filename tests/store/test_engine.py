"""The engine layer's own promises: helper tables refilled whole, Parquet written as declared."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from ibis.backends.duckdb import Backend

from fiveareas.store import engine
from fiveareas.store.home import Home


@pytest.fixture
def con(tmp_path: Path) -> Iterator[Backend]:
    c = engine.connect(Home.resolve(tmp_path / "home"))
    yield c
    c.disconnect()


def test_wide_refill_fills_the_table_and_restores_the_thread_count(con: Backend) -> None:
    con.raw_sql("CREATE TABLE keys (k VARCHAR)")
    con.raw_sql("INSERT INTO keys VALUES ('stale')")
    before = con.raw_sql("SELECT current_setting('threads')").fetchone()
    engine.refill(con, "keys", "SELECT 'k' || i FROM range(5) t(i) WHERE i % 2 = 0", wide=True)
    assert sorted(r[0] for r in con.raw_sql("SELECT k FROM keys").fetchall()) == [
        "k0", "k2", "k4"]
    assert con.raw_sql("SELECT current_setting('threads')").fetchone() == before


def test_wide_refill_restores_the_thread_count_when_the_query_fails(con: Backend) -> None:
    con.raw_sql("CREATE TABLE keys (k VARCHAR)")
    before = con.raw_sql("SELECT current_setting('threads')").fetchone()
    with pytest.raises(duckdb.Error):
        engine.refill(con, "keys", "SELECT no_such_column FROM range(3)", wide=True)
    assert con.raw_sql("SELECT current_setting('threads')").fetchone() == before


def test_enumerated_columns_are_written_as_text(con: Backend, tmp_path: Path) -> None:
    out = tmp_path / "x.parquet"
    engine.copy_parquet(con, "SELECT * FROM (VALUES ('normal', 'L1'), (NULL, 'L2')) t(q, id)",
                        out, nullable=True, enums={"q": ("normal", "loss")})
    table = pq.read_table(out)
    assert str(table.schema.field("q").type) == "string"
    assert sorted(table.to_pylist(), key=lambda r: r["id"]) == [
        {"q": "normal", "id": "L1"}, {"q": None, "id": "L2"}]


def test_a_value_outside_the_enumeration_fails_the_write_rather_than_landing_as_null(
        con: Backend, tmp_path: Path) -> None:
    """The collector lists only values a blocking rule admits; should one slip through, the
    write stops loudly instead of losing it."""
    out = tmp_path / "x.parquet"
    with pytest.raises(duckdb.Error, match="currency value 'RMB' is not one of its 1 allowed"):
        engine.copy_parquet(con, "SELECT 'RMB' AS currency", out, enums={"currency": ("CNY",)})
