"""Layout, columns in template order, determinism, other formats and encodings."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from fiveareas.model.template import template
from fiveareas.synth import generate_city


def _tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def test_layout_and_columns(city):
    out, manifest = city
    t = template()
    with open(out / "institutions.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == t["institution"].columns
    assert len(rows) - 1 == manifest["institutions"] == 18
    types = {r[2] for r in rows[1:]}
    assert {"state_owned_bank", "joint_stock_bank", "financial_leasing"} <= types
    periods = sorted(p.name for p in out.iterdir() if p.name[:2] == "20")
    assert periods[0] == "2023-12-31" and periods[-1] == "2024-12-31" and len(periods) == 13
    for name, ds in (("loans.csv", "loan"), ("counterparties.csv", "counterparty")):
        files = list(out.glob(f"*/B*/{name}"))
        assert len(files) == 13 * 18
        with open(files[0], encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == t[ds].columns
    for label in ("misreported_size.csv", "green_mismatch.csv"):
        assert (out / "labels" / label).exists()


def test_deterministic(tmp_path):
    kw = dict(scale=0.002, months=3, seed=7)
    generate_city(tmp_path / "a", **kw)
    generate_city(tmp_path / "b", **kw)
    assert _tree_hash(tmp_path / "a") == _tree_hash(tmp_path / "b")
    generate_city(tmp_path / "c", **{**kw, "seed": 8})
    assert _tree_hash(tmp_path / "a") != _tree_hash(tmp_path / "c")


def test_parquet_types_and_gb18030(tmp_path):
    calls = []
    m = generate_city(tmp_path / "pq", scale=0.002, months=2, fmt="parquet",
                      progress=lambda s, d, n: calls.append((s, d, n)))
    assert calls[-1] == ("periods", 2, 2)
    loans = pq.read_table(next((tmp_path / "pq").glob("2024-01-31/B*/loans.parquet")))
    assert loans.schema.field("balance").type == pa.decimal128(18, 2)
    assert loans.schema.field("period").type == pa.date32()
    assert loans.schema.field("interest_rate").type == pa.float64()
    assert loans.schema.field("days_overdue").type == pa.int64()
    assert loans.schema.field("first_loan").type == pa.bool_()
    assert loans.column_names == template()["loan"].columns
    generate_city(tmp_path / "gb", scale=0.002, months=2, encoding="gb18030")
    cp = next((tmp_path / "gb").glob("2024-01-31/B00001/counterparties.csv")).read_bytes()
    text = cp.decode("gb18030")
    assert "有限公司" in text
    try:
        cp.decode("utf-8")
        raise AssertionError("expected GB18030 bytes, got valid UTF-8")
    except UnicodeDecodeError:
        pass
    utf = json.loads((tmp_path / "gb" / "manifest.json").read_text("utf-8"))
    assert utf["periods"][1]["institutions"] == m["periods"][1]["institutions"]


def test_an_institution_without_loans_reports_nothing(tmp_path):
    """A small city can hold an institution with no loans at a period end (seed 5 at this
    scale does). It gets no files for that period, which would be a header alone and
    refused (E0005), and no manifest entry; the city is collected without a refusal."""
    from fiveareas.intake.ingest import ingest
    from fiveareas.store.home import Home

    out = tmp_path / "city"
    m = generate_city(out, scale=0.002, start="2023-12", months=2, seed=5)
    with open(out / "institutions.csv", encoding="utf-8") as fh:
        registered = {r["institution_id"] for r in csv.DictReader(fh)}
    idle = {(p["period"], i) for p in m["periods"] for i in registered - set(p["institutions"])}
    assert idle  # the case this test is about
    for period, inst in idle:
        assert not (out / period / inst).exists()
    outcomes = ingest([out], Home.resolve(tmp_path / "home"))
    assert {o.state for o in outcomes} <= {"accepted", "accepted_with_warnings"}
    books = {(str(o.period), o.institution_id) for o in outcomes if o.kind == "loan_book"}
    assert books == {(p["period"], i) for p in m["periods"] for i in p["institutions"]}
