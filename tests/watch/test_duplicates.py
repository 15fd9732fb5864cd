"""Duplicate financing: exact, Splink-disguised and split, and the hard negatives."""

from __future__ import annotations

import json
from pathlib import Path

from fiveareas.watch.scf import run_baseline
from tests.watch.scf_city import City, day


def _apps(rows: list[dict]) -> list[list[str]]:
    return sorted(r["application_ids"] for r in rows)


def test_exact_duplicate(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", number="12345678")
    city.deal("BK2", "BK2-A1", number="12345678", cid="C-BK1-A1")
    rows = findings(city, "duplicate_financing")
    assert [(r["variant"], r["application_ids"]) for r in rows] == [("exact", ["BK1-A1", "BK2-A1"])]
    assert rows[0]["institution_ids"] == ["BK1", "BK2"]


def test_same_invoice_twice_at_one_bank_is_not_this_check(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", number="12345678")
    city.deal("BK1", "BK1-A2", number="12345679", cid="C-BK1-A1")
    assert findings(city, "duplicate_financing") == []


def _altered_name_variant(city: City) -> None:
    city.disguised_duplicate()


def test_splink_catches_altered_number_with_name_variant(
    city: City, findings, tmp_path: Path
) -> None:
    _altered_name_variant(city)
    rows = findings(city, "duplicate_financing")
    assert _apps(rows) == [["BK1-A1", "BK3-A9"]]
    assert rows[0]["variant"] == "name_variant"
    ev = json.loads(rows[0]["evidence"])
    pair = ev["pairs"][0]
    assert pair["match_probability"] >= 0.95
    assert set(pair["weights"]) == {"invoice_no", "amount", "issue_date", "names", "contract"}
    assert pair["weights"]["invoice_no"] > 0
    base = run_baseline(city.open(tmp_path)).to_pylist()
    assert [r for r in base if r["check"] == "duplicate_financing"] == []


def test_altered_number_alone(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", number="55550001")
    city.deal("BK2", "BK2-A1", number="55550007", cid="C-BK1-A1")
    rows = findings(city, "duplicate_financing")
    assert [(r["variant"], r["application_ids"]) for r in rows] == [
        ("altered_number", ["BK1-A1", "BK2-A1"])
    ]


def test_standing_monthly_orders_are_not_duplicates(city: City, findings) -> None:
    for m, inst in enumerate(["BK1", "BK2", "BK1", "BK2"]):
        city.deal(inst, f"{inst}-M{m}", number=f"7000000{m}", signed=day(30 * m + 1), cid=f"SO-{m}")
    assert findings(city, "duplicate_financing") == []


def test_honest_name_variants_are_not_duplicates(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", number="31000001", amount=80_000.0)
    city.deal(
        "BK2",
        "BK2-A1",
        number="31000417",
        amount=125_000.0,
        signed=day(12),
        seller_name="S1贸易有限责任公司",
        buyer_name="B1实业公司",
    )
    assert findings(city, "duplicate_financing") == []


def _split(city: City, parts: list[float], gap: int = 1) -> None:
    city.deal("BK1", "BK1-A1", number="40000001", amount=300_000.0)
    for k, amt in enumerate(parts):
        inv = city.invoice("BK2", "3100261130", f"4100000{k}", "S1", "B1", amt, day(5 + gap), None)
        city.application(
            "BK2", f"BK2-P{k}", "S1", "receivables_financing", amt * 0.8, day(9), [("invoice", inv)]
        )


def test_split_amount_across_three_invoices(city: City, findings) -> None:
    _split(city, [100_000.0, 120_000.0, 80_500.0])  # sums to 300,500: within 0.5%
    rows = findings(city, "duplicate_financing")
    assert [r["variant"] for r in rows] == ["split_amount"]
    assert rows[0]["application_ids"] == ["BK1-A1", "BK2-P0", "BK2-P1", "BK2-P2"]


def test_split_sum_outside_tolerance_is_not_a_finding(city: City, findings) -> None:
    _split(city, [100_000.0, 120_000.0, 81_600.0])  # 301,600: 0.53% off
    assert findings(city, "duplicate_financing") == []


def test_split_issued_weeks_later_is_not_a_finding(city: City, findings) -> None:
    _split(city, [100_000.0, 200_000.0], gap=20)
    assert findings(city, "duplicate_financing") == []


def test_match_probability_threshold_both_sides(city: City, findings) -> None:
    _altered_name_variant(city)
    rows = findings(city, "duplicate_financing")
    p = json.loads(rows[0]["evidence"])["pairs"][0]["match_probability"]
    assert len(findings(city, "duplicate_financing", match_probability=p - 1e-4)) == 1
    assert findings(city, "duplicate_financing", match_probability=min(p + 1e-4, 1.0)) == []


def test_swapped_digits_count_as_one_edit(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", number="31220717", inv_date=day(6))
    city.deal(
        "BK2",
        "BK2-A1",
        number="32120717",
        cid="C-BK1-A1",
        inv_date=day(8),
        seller_name="上海S1贸易",
        buyer_name="B1实业公司",
    )
    rows = findings(city, "duplicate_financing")
    assert [(r["variant"], r["application_ids"]) for r in rows] == [
        ("name_variant", ["BK1-A1", "BK2-A1"])
    ]
    weights = json.loads(rows[0]["evidence"])["pairs"][0]["weights"]
    assert weights["invoice_no"] > 4  # the "one edit apart" level, not "two edits"
