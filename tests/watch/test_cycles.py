"""Circular trade: rings of related parties, cycle_max_length and cycle_max_gap_days."""

from __future__ import annotations

import json
from pathlib import Path

from fiveareas.watch.scf import run_baseline
from tests.watch.scf_city import City, day


def _ring(
    city: City,
    parties: list[str],
    gap: int = 5,
    group: str | None = "G1",
    goods: list[str] | None = None,
    close: bool = True,
) -> None:
    """A ring of contracts p0→p1→…→p0, each financed at BK1, legs `gap` days apart."""
    for p in parties:
        city.party("BK1", p, p, group)
    n = len(parties) if close else len(parties) - 1
    for i in range(n):
        seller, buyer = parties[i], parties[(i + 1) % len(parties)]
        cid = f"RC{i}"
        amount = 1_000_000 * (1.02**i)
        city.contract(
            "BK1",
            cid,
            seller,
            buyer,
            round(amount, 2),
            100,
            day(i * gap),
            goods=(goods[i] if goods else "copper cathode"),
        )
        city.application(
            "BK1",
            f"RA{i}",
            seller,
            "order_financing",
            amount * 0.7,
            day(i * gap + 1),
            [("contract", cid)],
        )


def test_three_party_ring_is_found(city: City, findings) -> None:
    _ring(city, ["P1", "P2", "P3"])
    (row,) = findings(city, "circular_trade")
    assert row["variant"] == "ring"
    assert row["application_ids"] == ["RA0", "RA1", "RA2"]
    ev = json.loads(row["evidence"])
    assert len(ev["legs"]) == 3
    assert abs(ev["inflation"] - (1.02**2 - 1)) < 1e-4


def test_cycle_max_length_both_sides(city: City, findings) -> None:
    _ring(city, ["P1", "P2", "P3", "P4"])
    assert len(findings(city, "circular_trade", cycle_max_length=4)) == 1
    assert findings(city, "circular_trade", cycle_max_length=3) == []


def test_cycle_max_gap_days_both_sides(city: City, findings) -> None:
    _ring(city, ["P1", "P2", "P3"], gap=12)
    assert len(findings(city, "circular_trade", cycle_max_gap_days=12)) == 1
    assert findings(city, "circular_trade", cycle_max_gap_days=11) == []


def test_chain_that_does_not_close_is_not_a_ring(city: City, findings) -> None:
    _ring(city, ["P1", "P2", "P3", "P4"], close=False)
    assert findings(city, "circular_trade") == []


def test_unrelated_loop_over_months_with_different_goods(city: City, findings) -> None:
    _ring(city, ["U1", "U2", "U3"], gap=70, group=None, goods=["steel", "grain", "timber"])
    assert findings(city, "circular_trade") == []


def test_loop_of_unrelated_parties_is_not_a_ring_even_when_fast(city: City, findings) -> None:
    _ring(city, ["U1", "U2", "U3"], group=None)
    assert findings(city, "circular_trade") == []


def test_different_goods_break_the_ring(city: City, findings) -> None:
    _ring(city, ["P1", "P2", "P3"], goods=["copper cathode", "copper cathode", "soybeans"])
    assert findings(city, "circular_trade") == []


def test_baseline_sees_only_two_party_cycles(city: City, tmp_path: Path) -> None:
    _ring(city, ["P1", "P2", "P3"])
    base = run_baseline(city.open(tmp_path)).to_pylist()
    assert [r for r in base if r["check"] == "circular_trade"] == []
    two = City()
    _ring(two, ["P1", "P2"])
    (tmp_path / "two").mkdir()
    base = run_baseline(two.open(tmp_path / "two")).to_pylist()
    assert [r["application_ids"] for r in base if r["check"] == "circular_trade"] == [
        ["RA0", "RA1"]
    ]
