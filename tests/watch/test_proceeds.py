"""Proceeds round trip: direct and via intermediaries; window, hops and share from both sides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fiveareas.watch.scf import run_baseline
from tests.watch.scf_city import D0, City, day

LOAN = 1_000_000.0


def _prepay(city: City) -> None:
    """Borrower BW (group GB, with sister BW2) prepays supplier SU with a loan on day 5."""
    city.party("BK1", "BW", "借款人", "GB")
    city.party("BK1", "BW2", "借款人关联方", "GB")
    city.party("BK1", "SU", "供应商")
    city.contract("BK1", "C1", "SU", "BW", LOAN, 1000, D0)
    city.payment("BK1", "BW", "SU", 100_000, day(1), "deposit C1")
    city.application(
        "BK1",
        "PA1",
        "BW",
        "prepayment_financing",
        LOAN,
        day(3),
        [("contract", "C1")],
        loan_id="LN-77",
    )
    city.payment("BK1", "BW", "SU", LOAN, day(5), "受托支付 LN-77")


def test_direct_round_trip(city: City, findings) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW", 800_000, day(7), "refund")
    (row,) = findings(city, "proceeds_round_trip")
    assert (row["variant"], row["application_ids"]) == ("direct", ["PA1"])
    ev = json.loads(row["evidence"])
    assert ev["returned_share"] == pytest.approx(0.8)
    assert "haircut" in ev["rule"]


def test_via_intermediary_to_related_party(city: City, findings) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "X1", 900_000, day(6), "goods")
    city.payment("BK3", "X1", "BW2", 850_000, day(8), "loan")
    (row,) = findings(city, "proceeds_round_trip")
    assert row["variant"] == "via_intermediary"
    assert json.loads(row["evidence"])["returned_share"] == pytest.approx(0.85)


@pytest.mark.parametrize(("back_day", "found"), [(35, True), (36, False)])
def test_trace_window_days_both_sides(city: City, findings, back_day: int, found: bool) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW", 800_000, day(back_day), "refund")
    assert bool(findings(city, "proceeds_round_trip")) is found


@pytest.mark.parametrize(("hops", "found"), [(3, True), (2, False)])
def test_trace_max_hops_both_sides(city: City, findings, hops: int, found: bool) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "X1", 900_000, day(6), "goods")
    city.payment("BK3", "X1", "X2", 880_000, day(7), "goods")
    city.payment("BK3", "X2", "BW", 870_000, day(8), "loan")
    assert bool(findings(city, "proceeds_round_trip", trace_max_hops=hops)) is found


@pytest.mark.parametrize(("back", "found"), [(300_000.0, True), (299_000.0, False)])
def test_round_trip_share_both_sides(city: City, findings, back: float, found: bool) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW2", back, day(9), "refund")
    assert bool(findings(city, "proceeds_round_trip")) is found


def test_haircut_dilutes_a_small_refund_from_a_busy_supplier(city: City, findings) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW", 400_000, day(7), "refund")  # below the pass-through band
    city.payment("BK2", "SU", "MILL", 3_000_000, day(8), "raw material")  # above it
    # haircut: 1,000,000 × 400,000 / 3,400,000 ≈ 11.8% back < 30%
    assert findings(city, "proceeds_round_trip") == []


@pytest.mark.parametrize(("share", "found"), [(0.5, True), (0.9, False)])
def test_pass_through_share_both_sides(city: City, findings, share: float, found: bool) -> None:
    """A refund of 80% through a supplier paying 12.5 M elsewhere the same week."""
    _prepay(city)
    for k in range(5):
        city.payment("BK2", "SU", f"M{k}", 2_500_000, day(6 + k), "raw material")
    city.payment("BK2", "SU", "BW2", 800_000, day(9), "往来款")
    assert bool(findings(city, "proceeds_round_trip", pass_through_share=share)) is found


def test_payment_settling_a_documented_contract_is_trade_not_return(city: City, findings) -> None:
    _prepay(city)
    city.contract("BK2", "C-SALE", "BW2", "SU", 900_000, 50, day(2))
    city.payment("BK2", "SU", "BW2", 900_000, day(8), "合同 C-SALE 货款")
    assert findings(city, "proceeds_round_trip") == []


def test_undocumented_payment_of_the_same_size_is_a_return(city: City, findings) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW2", 900_000, day(8), "合同 C-NONE 货款")
    assert [r["variant"] for r in findings(city, "proceeds_round_trip")] == ["direct"]


def test_intermediary_inflows_dilute_the_taint(city: City, findings) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "X1", 900_000, day(6), "goods")
    city.payment("BK3", "BIG", "X1", 9_000_000, day(7), "sales")
    city.payment("BK3", "X1", "BW", 2_500_000, day(8), "loan")  # above the band: haircut
    # 900,000 × 2,500,000 / max(900,000 + 9,000,000, 2,500,000) ≈ 227,000: 22.7% < 30%
    assert findings(city, "proceeds_round_trip") == []


def test_small_later_payment_back_is_not_a_finding_but_baseline_flags_it(
    city: City, findings, tmp_path: Path
) -> None:
    _prepay(city)
    city.payment("BK2", "SU", "BW", 20_000, day(12), "rebate")
    city.payment("BK2", "SU", "BW", 900_000, day(60), "purchase of scrap")
    assert findings(city, "proceeds_round_trip") == []
    base = run_baseline(city.open(tmp_path)).to_pylist()
    assert [r["application_ids"] for r in base if r["check"] == "proceeds_round_trip"] == [["PA1"]]


def test_prepayment_consistent_flows_have_no_four_flow_finding(city: City, findings) -> None:
    _prepay(city)
    assert findings(city, "four_flow") == []
