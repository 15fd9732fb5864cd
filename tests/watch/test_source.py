"""Opening the documents: template names and types; empty datasets; tolerances file."""

from __future__ import annotations

from pathlib import Path

import pytest

from fiveareas.watch.scf import DATASETS, Tolerances, load_tolerances, open_documents
from fiveareas.watch.scf.tolerances import read_raw
from tests.watch.scf_city import City


def test_empty_paths_give_empty_typed_tables() -> None:
    con = open_documents({})
    for ds in DATASETS:
        assert con.execute(f"SELECT count(*) FROM {ds}").fetchall() == [(0,)]
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'contract'"
        ).fetchall()
    )
    assert types["amount"] == "DECIMAL(18,2)"
    assert types["signed_date"] == "DATE"
    assert types["quantity"] == "DOUBLE"


def test_rereported_document_counts_once(tmp_path: Path) -> None:
    c = City()
    c.deal("BK1", "A1")
    paths = c.write(tmp_path)
    twice = {k: v * 2 for k, v in paths.items()}
    con = open_documents(twice)
    assert con.execute("SELECT count(*) FROM shipment").fetchall() == [(1,)]


def test_tolerances_file_has_doc_defaults_and_reasons() -> None:
    raw = read_raw()
    assert all(str(e["why"]).strip() for e in raw.values())
    assert load_tolerances() == Tolerances()
    assert Tolerances().amount_relative == 0.01 and Tolerances().trace_max_hops == 3


def test_unknown_tolerance_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("amount_relativ: {value: 0.1, why: typo}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        load_tolerances(path)
