"""A clean Parquet file in the lake's form lands as received, byte for byte; every other file
is written anew, and either way the lake holds the template's columns, types and values."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fiveareas.intake import readers, received
from fiveareas.intake.ingest import ingest
from fiveareas.model.template import template
from fiveareas.store import catalog as cat
from fiveareas.store.home import Home
from tests.conftest import COUNTERPARTIES, LOANS, typed_table
from tests.intake.readback import catalog, lake_rows


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def lake_file(home: Home, dataset: str, submission: str) -> Path:
    (path,) = (home.lake / dataset).rglob(f"submission={submission}/*.parquet")
    return path


def write_book(folder: Path, loans: pa.Table, **kw: object) -> Path:
    folder.mkdir(parents=True)
    pq.write_table(loans, folder / "loans.parquet", **kw)
    pq.write_table(typed_table(COUNTERPARTIES, "counterparty"), folder / "counterparties.parquet")
    return folder


def with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def loans() -> pa.Table:
    return typed_table(LOANS, "loan")


def test_a_clean_file_in_the_lake_form_lands_as_received(tmp_path: Path, home: Home,
                                                         register: Path) -> None:
    """Both files land byte for byte: the lake file's hash is the submitted file's."""
    ingest([register], home)
    book = write_book(tmp_path / "book", loans())
    [out] = ingest([book], home)
    assert out.state == "accepted" and out.accepted == out.rows == 6
    assert sha(lake_file(home, "loan", out.submission)) == sha(book / "loans.parquet")
    assert sha(lake_file(home, "counterparty", out.submission)) == \
        sha(book / "counterparties.parquet")
    assert [r["loan_id"] for r in lake_rows(home, "loan", out.submission)] == ["L1", "L2", "L3"]


def blocked_row() -> pa.Table:
    return with_column(loans(), "currency", pa.array(["CNY", "RMB", "CNY"]))


def required_columns() -> pa.Table:
    t = loans()
    return t.cast(pa.schema([f.with_nullable(t[f.name].null_count > 0) for f in t.schema]))


def other_order() -> pa.Table:
    t = loans()
    return t.select(list(reversed(t.column_names)))


def blank_text() -> pa.Table:
    return with_column(loans(), "purpose", pa.array(["流动资金", " ", None]))


def narrow_integer() -> pa.Table:
    t = loans()
    return with_column(t, "days_overdue", t["days_overdue"].cast(pa.int32()))


@pytest.mark.parametrize(("make", "kw", "expect"), [
    (blocked_row, {}, {"L1": "流动", "L3": None}),
    (required_columns, {}, None),
    (other_order, {}, None),
    (blank_text, {}, {"L1": "流动资金", "L2": None, "L3": None}),
    (narrow_integer, {}, None),
    (loans, {"compression": "brotli"}, None),
    (loans, {"write_statistics": False}, None),
], ids=["blocked-row", "required-columns", "other-order", "blank-text", "int32", "brotli",
        "no-statistics"])
def test_any_other_file_is_written_anew_in_the_lake_form(
        tmp_path: Path, home: Home, register: Path, make: Callable[[], pa.Table],
        kw: dict[str, object], expect: dict[str, str | None] | None) -> None:
    """Rows held back, columns required, out of order or of another type, blank text, a
    codec some reader of the lake lacks, no statistics to tell blanks by: the rows are
    written again, with the template's columns, optional, and the values as received."""
    ingest([register], home)
    table = make()
    if make is blocked_row:
        table = with_column(table, "purpose", pa.array(["流动", None, None]))
    book = write_book(tmp_path / "book", table, **kw)
    # Only the file with a row held back is in the lake's form as it stands.
    assert received.lake_form(book / "loans.parquet", "loan") == (make is blocked_row)
    [out] = ingest([book], home)
    assert out.state == "accepted"
    path = lake_file(home, "loan", out.submission)
    assert sha(path) != sha(book / "loans.parquet")
    assert pq.read_schema(path).remove_metadata().equals(template()["loan"].arrow_schema())
    landed = {r["loan_id"]: r for r in lake_rows(home, "loan", out.submission)}
    if expect is None:
        expect = {"L1": None, "L2": None, "L3": None}
        assert landed["L2"]["days_overdue"] == 0 and landed["L3"]["interest_rate"] == 7.2
    assert {k: r["purpose"] for k, r in landed.items()} == expect
    # The counterparty file, clean and in the lake's form, still lands as received.
    assert sha(lake_file(home, "counterparty", out.submission)) == \
        sha(book / "counterparties.parquet")


def test_a_damaged_chunk_the_engine_skips_keeps_a_file_out_of_the_lake_form(
        tmp_path: Path) -> None:
    """The engine does not read a column chunk its statistics show all null, so the checks
    cannot vouch for its bytes: such a chunk must decode before the file may be copied."""
    path = tmp_path / "loans.parquet"
    pq.write_table(loans(), path)
    assert received.lake_form(path, "loan")
    meta = pq.ParquetFile(path).metadata.row_group(0)
    chunk = meta.column(loans().column_names.index("green_code"))  # all null
    assert chunk.statistics.null_count == meta.num_rows
    data = bytearray(path.read_bytes())
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    data[start:start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path.write_bytes(bytes(data))
    assert not received.lake_form(path, "loan")


def test_parquet_is_read_from_the_copy_made_on_arrival(tmp_path: Path) -> None:
    """The engine reads Parquet where it lies, pass after pass: it reads the collector's own
    copy, hashed on arrival. Text formats are read once, as they are."""
    path = tmp_path / "in" / "loans.parquet"
    path.parent.mkdir()
    pq.write_table(loans(), path)
    (tmp_path / "copies").mkdir()  # the submission's staging folder
    copy, digest = readers.receive(path, tmp_path / "copies")
    assert copy.parent == tmp_path / "copies" and digest == sha(path) == sha(copy)
    csv = tmp_path / "in" / "loans.csv"
    csv.write_text("period\n", encoding="utf-8")
    assert readers.receive(csv, tmp_path / "copies") == (csv, sha(csv))


def test_the_lake_keeps_what_was_hashed_whatever_becomes_of_the_file(
        tmp_path: Path, home: Home, register: Path) -> None:
    """A file its owner rewrites in place after sending it (the same inode) leaves the lake
    as it was: what landed is the collector's copy, whose hash the catalog records."""
    ingest([register], home)
    book = write_book(tmp_path / "book", loans())
    [out] = ingest([book], home)
    landed = lake_file(home, "loan", out.submission)
    with open(book / "loans.parquet", "r+b") as fh:
        fh.write(b"\0" * 64)
    with catalog(home).connect() as conn:
        recorded = {r.dataset: r.sha256 for r in conn.execute(
            cat.submission_file.select().where(
                cat.submission_file.c.submission_id == cat.parse_id(out.submission)))}
    assert sha(landed) == recorded["loan"] != sha(book / "loans.parquet")
