"""A clean Parquet file in the lake's form lands as received, byte for byte; every other file
is written anew, and either way the lake holds the template's columns, types and values."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fiveareas.intake import received
from fiveareas.intake.discover import discover
from fiveareas.intake.errors import MalformedFile
from fiveareas.intake.ingest import Collector, ingest
from fiveareas.model.template import template
from fiveareas.store import lake
from fiveareas.store.home import Home
from tests.conftest import COUNTERPARTIES, LOANS, typed_table
from tests.intake.readback import lake_rows


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


def test_a_file_changed_since_it_was_received_is_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "loans.parquet"
    pq.write_table(loans(), path)
    received.copy(path, sha(path), tmp_path / "lake" / "a.parquet")
    assert sha(tmp_path / "lake" / "a.parquet") == sha(path)
    with pytest.raises(MalformedFile) as bad:
        received.copy(path, "0" * 64, tmp_path / "lake" / "b.parquet")
    assert bad.value.rule_id == "E0001" and "changed" in bad.value.cause
    assert not (tmp_path / "lake" / "b.parquet").exists()


@pytest.mark.parametrize("dataset", ["loan", "counterparty"])
def test_a_file_changed_while_it_was_collected_is_refused_whole(
        tmp_path: Path, home: Home, register: Path, dataset: str) -> None:
    """The collector hashes the files on arrival, checks them where they lie, then copies
    them: a copy whose hash differs from the arrival's (made to differ here, the file being
    ours) means the file changed in between. The submission is malformed, nothing of it
    lands (the counterparty file is copied on the side thread), and the collector goes on."""
    ingest([register], home)
    book = write_book(tmp_path / "book", loans())
    (found,) = discover([book])
    shas = {ds: [sha(p) for p in fs] for ds, fs in sorted(found.files.items())}
    shas[dataset] = ["0" * 64]
    collector = Collector(home)
    stage = lake.staging(home)
    try:
        out = collector._validate_and_store(found, "0" * 64, shas, stage)
        assert out.state == "malformed" and out.errors == 1
        assert out.message is not None and "changed while it was being collected" in out.message
        assert not list(home.lake.rglob(f"submission={out.submission}"))
        shutil.rmtree(stage)
        [again] = [collector.submit(f) for f in discover([book])]
        assert again.state == "accepted" and again.accepted == 6
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        collector.close()
