"""Double pledge: the same receipt or the same goods under an altered receipt id."""

from __future__ import annotations

from tests.watch.scf_city import D0, City, day


def _pledge(city: City, inst: str, app: str, rid: str, qty: float = 500.0, issued: int = 3) -> None:
    city.receipt(inst, rid, "WH1", "O1", qty, day(issued))
    city.application(
        inst,
        app,
        "O1",
        "warehouse_receipt_pledge",
        200_000,
        day(issued + 2),
        [("warehouse_receipt", rid)],
    )


def test_exact_same_receipt_at_two_banks(city: City, findings) -> None:
    _pledge(city, "BK1", "BK1-W1", "R-001")
    _pledge(city, "BK2", "BK2-W1", "R-001")
    rows = findings(city, "double_pledge")
    assert [(r["variant"], r["application_ids"]) for r in rows] == [("exact", ["BK1-W1", "BK2-W1"])]


def test_altered_receipt_id(city: City, findings) -> None:
    _pledge(city, "BK1", "BK1-W1", "R-001")
    _pledge(city, "BK2", "BK2-W1", "R-00l")
    rows = findings(city, "double_pledge")
    assert [(r["variant"], r["application_ids"]) for r in rows] == [
        ("altered_id", ["BK1-W1", "BK2-W1"])
    ]


def test_successive_receipts_are_not_findings(city: City, findings) -> None:
    _pledge(city, "BK1", "BK1-W1", "R-001", qty=500.0, issued=3)
    _pledge(city, "BK2", "BK2-W1", "R-002", qty=450.0, issued=33)
    _pledge(city, "BK3", "BK3-W1", "R-003", qty=500.0, issued=63)
    assert findings(city, "double_pledge") == []


def test_pledge_consistent_with_its_purchase_has_no_four_flow_finding(city: City, findings) -> None:
    city.contract("BK1", "C1", "S1", "O1", 100_000, 500, D0)
    city.shipment("BK1", "W1", "C1", "S1", "O1", 500, day(1), day(2))
    city.receipt("BK1", "R-1", "WH1", "O1", 500, day(2))
    city.payment("BK1", "O1", "S1", 100_000, day(1), "C1")
    city.application(
        "BK1",
        "A1",
        "O1",
        "warehouse_receipt_pledge",
        70_000,
        day(4),
        [("contract", "C1"), ("shipment", "W1"), ("warehouse_receipt", "R-1")],
    )
    assert findings(city) == []
