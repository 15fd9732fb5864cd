"""Arrow tables in template order, and writers for CSV (UTF-8 or GB18030) and Parquet."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fiveareas.synth.book import Book
from fiveareas.synth.certs import NONE
from fiveareas.synth.config import (
    CTYPES,
    CURRENCIES,
    GUARANTEES,
    QUALITIES,
    SIZES,
    calibration,
    dataset,
    industry_codes,
    products,
)
from fiveareas.synth.loans import green_code_list
from fiveareas.synth.names import DISTRICTS


def decimal(cents: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """decimal128(18,2) straight from int cents (exact; no float round trip)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.zeros((len(cents), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = cents, cents >> 63
    bitmap = None
    if valid is not None:
        bitmap = pa.array(valid, type=pa.bool_()).buffers()[1]
    return pa.Array.from_buffers(pa.decimal128(18, 2), len(cents), [bitmap, pa.py_buffer(words)])


def _dates(days: np.ndarray) -> pa.Array:
    ok = days != NONE
    return pa.array(np.where(ok, days, 0).astype("int32"), type=pa.int32(),
                    mask=~ok).cast(pa.date32())


def _lookup(values, idx: np.ndarray) -> pa.Array:
    """values[idx], null where idx < 0."""
    arr = pa.array(list(values), type=pa.string())
    return arr.take(pa.array(idx, mask=idx < 0))


def loan_table(period: int, book: Book, lines: np.ndarray, inst_ids: pa.Array,
               cp_ids: pa.Array) -> pa.Table:
    n = len(book)
    prods = products()
    purposes = [calibration()["products"][x]["purpose"] for x in prods]
    ids = pc.binary_join_element_wise(
        "L", pc.utf8_lpad(pc.cast(pa.array(book["id"]), pa.string()), 10, "0"), "")
    cols = {
        "period": _dates(np.full(n, period)),
        "institution_id": inst_ids.take(pa.array(book["inst"])),
        "loan_id": ids,
        "counterparty_id": cp_ids.take(pa.array(book["cp"])),
        "product": _lookup(prods, book["product"]),
        "purpose": _lookup(purposes, book["product"]),
        "purpose_industry_code": _lookup(industry_codes(), book["pind"]),
        "green_code": _lookup(green_code_list(), book["green"]),
        "currency": _lookup(CURRENCIES, book["currency"]),
        "start_date": _dates(book["start"]),
        "maturity_date": _dates(book["maturity"]),
        "credit_line": decimal(lines),
        "balance": decimal(book["bal"]),
        "interest_rate": pa.array(book["rate"] / 100.0),
        "guarantee_mode": _lookup(GUARANTEES, book["guarantee"]),
        "gov_guarantee": pa.array(book["gov"]),
        "first_loan": pa.array(book["first"]),
        "renewal": _lookup(("none", "seamless"), book["renewal"].astype(np.int64)),
        "quality": _lookup(QUALITIES, book["quality"]),
        "days_overdue": pa.array(book["dpd"]),
        "over_line": pa.nulls(n, pa.bool_()),
    }
    return _table("loan", cols)


def counterparty_table(parties, cp: np.ndarray, fields: dict[str, np.ndarray],
                       cp_ids: pa.Array) -> pa.Table:
    """Rows for borrowers `cp` as at the period end (`fields`: certificate status then)."""
    biz = parties.ctype[cp] < 2
    ind = np.where(biz, parties.industry[cp], -1)
    sme_year = fields["tech_sme_year"][cp]
    grp = parties.group[cp]
    group_ids = pc.binary_join_element_wise(
        "G", pc.utf8_lpad(pc.cast(pa.array(np.maximum(grp, 0)), pa.string()), 7, "0"), "")
    cols = {
        "counterparty_id": cp_ids.take(pa.array(cp)),
        "name": parties.names.take(pa.array(cp)),
        "counterparty_type": _lookup(CTYPES, parties.ctype[cp]),
        "industry_code": _lookup(industry_codes(), ind),
        "district_code": _lookup(DISTRICTS, parties.district[cp]),
        "employees": pa.array(parties.employees[cp], mask=~biz),
        "operating_revenue": decimal(parties.revenue[cp], biz),
        "total_assets": decimal(parties.assets[cp], biz),
        "reported_size": _lookup(SIZES, np.where(biz, parties.reported_size[cp], -1)),
        "high_tech_from": _dates(fields["high_tech_from"][cp]),
        "high_tech_to": _dates(fields["high_tech_to"][cp]),
        "tech_sme_year": pa.array(sme_year, mask=sme_year == 0),
        "srdi_from": _dates(fields["srdi_from"][cp]),
        "little_giant_from": _dates(fields["little_giant_from"][cp]),
        "group_id": pc.if_else(pa.array(grp >= 0), group_ids, pa.scalar(None, pa.string())),
    }
    return _table("counterparty", cols)


def institution_table(inst) -> pa.Table:
    from fiveareas.synth.config import institution_types

    cols = {
        "institution_id": pa.array(inst.ids),
        "name": pa.array(inst.names),
        "institution_type": _lookup(institution_types(), inst.type_idx),
        "district_code": pa.array(inst.district),
    }
    return _table("institution", cols)


def _table(name: str, cols: dict[str, pa.Array]) -> pa.Table:
    schema = dataset(name).arrow_schema()
    return pa.Table.from_arrays([cols[f.name].cast(f.type) for f in schema], schema=schema)


def write(table: pa.Table, path: Path, fmt: str, encoding: str) -> None:
    """One file; CSV with a header, ISO dates, `true`/`false`, empty for null."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        pq.write_table(table, path.with_suffix(".parquet"), compression="zstd")
        return
    buf = io.BytesIO()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(quoting_style="needed"))
    data = buf.getvalue()
    if encoding != "utf-8":
        data = data.decode("utf-8").encode(encoding)
    path.with_suffix(".csv").write_bytes(data)
