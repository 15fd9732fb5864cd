"""Four-flow consistency: each variant, the honest deal, and each tolerance from both sides."""

from __future__ import annotations

import json

import pytest

from tests.watch.scf_city import D0, City, day


def _variants(rows: list[dict]) -> list[str]:
    return [r["variant"] for r in rows]


def test_honest_deal_has_no_finding(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1")
    assert findings(city) == []


@pytest.mark.parametrize(
    ("fault", "variant"),
    [
        ({"ship": False}, "no_shipment"),
        ({"pay": False}, "no_payment"),
        ({"inv_amount": 150_000.0}, "amount_mismatch"),
        ({"ship_qty": 80.0}, "quantity_mismatch"),
        ({"inv_date": day(-3)}, "date_mismatch"),
    ],
)
def test_each_variant_is_found(city: City, findings, fault: dict, variant: str) -> None:
    city.deal("BK1", "BK1-A1", **fault)
    rows = findings(city, "four_flow")
    assert _variants(rows) == [variant]
    assert rows[0]["application_ids"] == ["BK1-A1"]
    assert variant in json.loads(rows[0]["evidence"])["details"]


def test_party_mismatch_on_waybill(city: City, findings) -> None:
    city.contract("BK1", "C1", "S1", "B1", 100_000, 100, D0)
    inv = city.invoice("BK1", "3100261130", "00000001", "S1", "B1", 100_000, day(2), "C1")
    city.shipment("BK1", "W1", "C1", "S9", "B1", 100, day(1), day(2))
    city.payment("BK2", "B1", "S1", 30_000, day(1), "C1")
    city.application(
        "BK1",
        "A1",
        "S1",
        "receivables_financing",
        80_000,
        day(5),
        [("contract", "C1"), ("invoice", inv), ("shipment", "W1")],
    )
    rows = findings(city, "four_flow")
    assert _variants(rows) == ["party_mismatch"]


def test_first_failed_rule_names_variant_and_all_are_listed(city: City, findings) -> None:
    city.deal("BK1", "BK1-A1", pay=False, inv_amount=150_000.0, ship_qty=50.0)
    (row,) = findings(city, "four_flow")
    assert row["variant"] == "no_payment"
    assert json.loads(row["evidence"])["failed"] == [
        "no_payment",
        "amount_mismatch",
        "quantity_mismatch",
    ]


def test_order_financing_needs_only_the_payment(city: City, findings) -> None:
    city.contract("BK1", "C1", "S1", "B1", 100_000, 100, D0)
    city.application("BK1", "A1", "S1", "order_financing", 50_000, day(3), [("contract", "C1")])
    assert _variants(findings(city, "four_flow")) == ["no_payment"]
    city.payment("BK1", "B1", "S1", 10_000, day(4), "deposit C1")
    assert findings(city, "four_flow") == []


@pytest.mark.parametrize(("inv_amount", "found"), [(100_999.0, False), (101_001.0, True)])
def test_amount_relative_both_sides(city: City, findings, inv_amount: float, found: bool) -> None:
    city.deal("BK1", "A1", inv_amount=inv_amount)
    assert bool(findings(city, "four_flow")) is found


@pytest.mark.parametrize(
    ("qty", "found"), [(102.0, False), (97.9, True), (98.0, False), (102.1, True)]
)
def test_quantity_relative_both_sides(city: City, findings, qty: float, found: bool) -> None:
    city.deal("BK1", "A1", ship_qty=qty)
    assert bool(findings(city, "four_flow")) is found


@pytest.mark.parametrize(("slack", "found"), [(2, False), (1, True)])
def test_date_slack_days_both_sides(city: City, findings, slack: int, found: bool) -> None:
    city.deal("BK1", "A1", inv_date=day(-2))
    assert bool(findings(city, "four_flow", date_slack_days=slack)) is found


@pytest.mark.parametrize(("pay_day", "found"), [(40, False), (41, True)])
def test_payment_window_days_both_sides(city: City, findings, pay_day: int, found: bool) -> None:
    # applied on day 10, window 30 days: last counted payment on day 40
    city.deal("BK1", "A1", pay_date=day(pay_day), applied=day(10))
    rows = findings(city, "four_flow")
    assert bool(rows) is found
    if found:
        assert rows[0]["variant"] == "no_payment"


def test_payment_reported_by_another_bank_counts(city: City, findings) -> None:
    city.deal("BK1", "A1", pay=False)
    city.payment("BK2", "B1", "S1", 5_000, day(3), "settlement")
    assert findings(city, "four_flow") == []


def test_arrival_before_shipping_is_a_date_mismatch(city: City, findings) -> None:
    city.contract("BK1", "C1", "S1", "B1", 100_000, 100, D0)
    city.shipment("BK1", "W1", "C1", "S1", "B1", 100, day(5), day(3))
    city.payment("BK1", "B1", "S1", 30_000, day(1), "C1")
    city.application(
        "BK1",
        "A1",
        "S1",
        "receivables_financing",
        80_000,
        day(6),
        [("contract", "C1"), ("shipment", "W1")],
    )
    assert _variants(findings(city, "four_flow")) == ["date_mismatch"]


def test_framework_contract_at_two_banks_is_not_a_finding(city: City, findings) -> None:
    """Both banks hold the framework's two waybills; the invoices differ and stay within it."""
    for inst in ("BK1", "BK2"):
        city.contract(inst, "FW1", "S1", "B1", 300_000, 300, D0)
        city.shipment(inst, "WF1", "FW1", "S1", "B1", 180, day(3), day(4))
        city.shipment(inst, "WF2", "FW1", "S1", "B1", 120, day(8), day(9))
    for inst, app, num, amt in (
        ("BK1", "A1", "10000001", 120_000),
        ("BK2", "A2", "10000077", 150_000),
    ):
        inv = city.invoice(inst, "3100261130", num, "S1", "B1", amt, day(4), "FW1")
        docs = [("contract", "FW1"), ("invoice", inv), ("shipment", "WF1"), ("shipment", "WF2")]
        city.application(inst, app, "S1", "receivables_financing", amt * 0.8, day(6), docs)
    city.payment("BK3", "B1", "S1", 50_000, day(2), "FW1")
    rows = findings(city)
    assert [r for r in rows if r["check"] in ("duplicate_financing", "four_flow")] == []
