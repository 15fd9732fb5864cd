"""The prepared index answers a bank's pre-financing check; finding ids are deterministic."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from fiveareas.watch.scf import check_application, open_documents, prepare_index, run_checks
from fiveareas.watch.scf.findings import finding_id
from tests.watch.scf_city import City


def _city() -> City:
    c = City()
    c.disguised_duplicate(buyer_name="B2实业公司")
    c.deal("BK1", "BK1-H1", seller="S5", buyer="B5", number="90000001")
    return c


def test_check_application_duplicate_and_honest(tmp_path: Path) -> None:
    paths = _city().write(tmp_path)
    index = tmp_path / "scf.duckdb"
    t0 = time.perf_counter()
    prepare_index(paths, index)
    prepared = time.perf_counter() - t0
    t0 = time.perf_counter()
    hits = check_application(index, "BK3", "BK3-A9")
    answered = time.perf_counter() - t0
    assert [h["check"] for h in hits] == ["duplicate_financing"]
    assert hits[0]["application_ids"] == ["BK1-A1", "BK3-A9"]
    assert hits[0]["evidence"]["pairs"][0]["match_probability"] >= 0.95
    assert check_application(index, "BK1", "BK1-H1") == []
    assert check_application(index, "BK2", "BK3-A9") == []  # a bank not involved
    assert check_application(index, "BK1", "BK3-A9") == []  # involved, but not its application
    assert answered < 1.0, answered
    assert prepared < 30.0
    con = duckdb.connect(str(index), read_only=True)
    try:
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        model = con.execute("SELECT body FROM scf_model WHERE name = 'duplicate_splink'").fetchall()
    finally:
        con.close()
    assert {"invoice", "scf_findings", "scf_model", "scf_dup_input"} <= tables
    assert "comparisons" in model[0][0]


def test_finding_ids_are_deterministic(tmp_path: Path) -> None:
    paths = _city().write(tmp_path)
    when = datetime(2026, 7, 1, tzinfo=UTC)
    a = run_checks(open_documents(paths), detected_at=when)
    b = run_checks(open_documents(paths), detected_at=when)
    assert a.num_rows > 0
    assert a.equals(b)
    assert finding_id("x", ["b", "a"]) == finding_id("x", ["a", "b", "a"])
    assert finding_id("x", ["a"]) != finding_id("y", ["a"])
