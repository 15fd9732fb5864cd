"""The engine layer's own promises: helper tables refilled whole, Parquet written as declared."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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


def test_refill_replaces_the_rows(con: Backend) -> None:
    con.raw_sql("CREATE TABLE keys (k VARCHAR)")
    con.raw_sql("INSERT INTO keys VALUES ('stale')")
    engine.refill(con, "keys", "SELECT 'k' || i FROM range(5) t(i) WHERE i % 2 = 0")
    assert sorted(r[0] for r in con.raw_sql("SELECT k FROM keys").fetchall()) == [
        "k0", "k2", "k4"]
    engine.refill(con, "keys", None)
    assert con.raw_sql("SELECT count(*) FROM keys").fetchall() == [(0,)]


def test_oversubscribed_engine_runs_twice_the_threads_unless_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FIVEAREAS_THREADS", raising=False)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 3)
    home = Home.resolve(tmp_path / "home")
    for env, oversubscribe, threads in ((None, 1, 3), (None, 2, 6), ("1", 2, 1)):
        if env is not None:
            monkeypatch.setenv("FIVEAREAS_THREADS", env)
        c = engine.connect(home, oversubscribe=oversubscribe)
        assert c.raw_sql("SELECT current_setting('threads')").fetchone() == (threads,)
        c.disconnect()


def test_side_connection_reads_the_same_tables_while_the_first_works(
        con: Backend, tmp_path: Path) -> None:
    """The collector writes one file's rows on the side while it checks the other."""
    con.raw_sql("CREATE TABLE t AS SELECT range AS i FROM range(200000)")
    side = engine.side(con)
    out = tmp_path / "side.parquet"
    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(engine.copy_parquet, side, "SELECT i FROM t", out)
        con.raw_sql("CREATE TABLE u AS SELECT sum(i) AS s FROM t")
        done.result()
    side.disconnect()
    assert pq.read_table(out).num_rows == 200000
    assert con.raw_sql("SELECT s FROM u").fetchall() == [(199999 * 200000 // 2,)]


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
