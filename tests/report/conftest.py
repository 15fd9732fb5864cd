"""A realistic `ReportInput` for one month-end, built in code so tests know every figure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from fiveareas.report.data import INDICATOR_SCHEMA, INDICATORS, SERIES_SCHEMA, ReportInput

PERIOD = dt.date(2024, 12, 31)
GENERATED = dt.datetime(2025, 1, 20, 9, 30, 0)
# City totals in yuan, near the scale Shanghai reports.
BALANCES = {"all": 6.2e12, "sci_tech": 1.92e12, "green": 1.35e12, "inclusive": 1.02e12,
            "pension": 4.8e10, "digital": 8.6e11}
SUB_AREAS = {
    "all": {},
    "sci_tech": {"high_tech": 0.46, "tech_sme": 0.21, "ip_pledge": 0.035},
    "green": {"1": 0.22, "3": 0.31, "6": 0.08},
    "inclusive": {"small_micro_enterprise": 0.78},
    "pension": {"elderly_care": 0.64},
    "digital": {"digital_industry": 0.55},
}
# dimension -> [(member, member_name, share of the area's balance)]
BREAKDOWNS = {
    "institution_type": [("state_owned_bank", "国有大型商业银行", 0.46),
                         ("joint_stock_bank", "股份制商业银行", 0.31),
                         ("city_commercial_bank", "城市商业银行", 0.23)],
    "institution": [("B00001", "上海某国有银行分行", 0.27), ("B00002", "上海某股份制银行分行", 0.18),
                    ("B00003", "上海某城市商业银行", 0.09)],
    "district": [("310115", "浦东新区", 0.41), ("310101", "黄浦区", 0.19), ("310104", "徐汇区", 0.12)],
    "industry_section": [("C", "制造业", 0.37), ("I", "信息传输、软件和信息技术服务业", 0.22),
                         ("M", "科学研究和技术服务业", 0.14)],
}
# The one known figure tests check in every format.
KNOWN = {"area": "green", "sub_area": "total", "dimension": "district", "member": "310101",
         "indicator": "balance", "value": round(1.35e12 * 0.19, 2)}
# A member with no base a year ago: its growth is null.
NEW_MEMBER = "B00003"


def _figures(balance: float, area_index: int, no_growth: bool) -> dict[str, float | None]:
    """Every indicator of one key, derived from its balance so the numbers hang together."""
    loans = round(balance / (4.2e6 + 3e5 * area_index))
    borrowers = round(loans * 0.71)
    npl_ratio = round(0.0085 + 0.0011 * area_index, 6)
    return {
        "balance": round(balance, 2),
        "yoy": None if no_growth else round(0.142 - 0.013 * area_index, 6),
        "ytd": None if no_growth else round(0.131 - 0.012 * area_index, 6),
        "loans": float(loans),
        "borrowers": float(borrowers),
        "new_lending": round(balance * 0.061, 2),
        "new_lending_ytd": round(balance * 0.58, 2),
        "first_time_borrowers": float(round(borrowers * 0.012)),
        "first_time_borrowers_ytd": float(round(borrowers * 0.13)),
        "renewal_amount": round(balance * 0.011, 2),
        "renewal_amount_ytd": round(balance * 0.12, 2),
        "renewal_count": float(round(loans * 0.009)),
        "renewal_count_ytd": float(round(loans * 0.1)),
        "rate": round(3.35 + 0.21 * area_index, 4),
        "npl_balance": round(balance * npl_ratio, 2),
        "npl_ratio": npl_ratio,
    }


def indicator_rows() -> list[dict[str, Any]]:
    rows = []

    def add(area: str, sub: str, dim: str, member: str, name: str | None, balance: float,
            index: int, no_growth: bool = False) -> None:
        for indicator, value in _figures(balance, index, no_growth).items():
            rows.append({"period": PERIOD, "area": area, "sub_area": sub, "dimension": dim,
                         "member": member, "member_name": name, "indicator": indicator,
                         "value": value, "unit": INDICATORS[indicator][2]})

    for index, (area, total) in enumerate(BALANCES.items()):
        add(area, "total", "city", "_T", None, total, index)
        for sub, share in SUB_AREAS[area].items():
            add(area, sub, "city", "_T", None, total * share, index)
        for dim, members in BREAKDOWNS.items():
            for member, name, share in members:
                add(area, "total", dim, member, name, total * share, index, member == NEW_MEMBER)
    return rows


def series_rows() -> list[dict[str, Any]]:
    """13 month-ends ending at PERIOD; balance grows to the city total."""
    rows = []
    months = [dt.date(2023, 12, 31)] + [
        dt.date(2024, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 12)] + [PERIOD]
    for index, (area, total) in enumerate(BALANCES.items()):
        growth = 0.131 - 0.012 * index
        for i, period in enumerate(months):
            wobble = 1 + 0.004 * ((i * 7 + index) % 3 - 1) if 0 < i < 12 else 1
            balance = total / (1 + growth) * (1 + growth * i / 12) * wobble
            rows.append({"period": period, "area": area, "indicator": "balance",
                         "value": round(balance, 2)})
            rows.append({"period": period, "area": area, "indicator": "new_lending",
                         "value": round(balance * 0.061, 2)})
    return rows


def _target(id_: str, title: str, indicator: str, area: str, sub_area: str, comparison: str,
            target: float, unit: str, deadline: dt.date, sentence: str, current: float | None,
            status: str, **over: Any) -> dict[str, Any]:
    t = {"id": id_, "title": title, "indicator": indicator, "area": area, "sub_area": sub_area,
         "comparison": comparison, "target": target, "unit": unit, "deadline": deadline,
         "scope": "banking institutions in Shanghai", "source": f"{id_[1:4]}_7edf0b8ac675735a.txt",
         "sentence": sentence, "kind": "measured", "current": current,
         "as_of": PERIOD if current is not None else None,
         "gap": None if current is None else target - current,
         "progress": None if current is None else current / target,
         "status": status, "projection": None, "projection_low": None, "projection_high": None,
         "note": "", "history": []}
    t.update(over)
    return t


def targets() -> list[dict[str, Any]]:
    hist = [(dt.date(2024, m, 1) + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
            for m in range(1, 13)]
    return [
        _target("T002-01", "Sci-tech loans reach 2.2 trillion yuan by end-2025", "balance",
                "sci_tech", "total", "at_least", 2.2e12, "yuan", dt.date(2025, 12, 31),
                "到2025年末，全市科技贷款余额力争达到2.2万亿元。", 1.92e12, "on_track",
                projection=2.26e12, projection_low=2.17e12, projection_high=2.35e12,
                note="12 months of data: linear trend",
                history=[(d, 1.7e12 + 2e10 * i) for i, d in enumerate(hist)]),
        _target("T002-02", "High-tech enterprise borrowers at least 30,000", "borrowers",
                "sci_tech", "high_tech", "at_least", 30000.0, "count", dt.date(2025, 12, 31),
                "高新技术企业贷款户数达到3万户以上。", 21500.0, "off_track",
                projection=24800.0, projection_low=23100.0, projection_high=26500.0,
                note="12 months of data: linear trend"),
        _target("T003-01", "Green loans above 1.2 trillion yuan", "balance", "green", "total",
                "at_least", 1.2e12, "yuan", dt.date(2025, 12, 31),
                "绿色贷款余额突破1.2万亿元。", 1.35e12, "met"),
        _target("T003-02", "Green loan growth about 20% a year", "yoy", "green", "total",
                "about", 0.20, "ratio", dt.date(2025, 12, 31),
                "绿色贷款年均增速保持在20%左右。", 0.129, "off_track",
                projection=0.13, projection_low=0.11, projection_high=0.15,
                note="12 months of data: linear trend"),
        _target("T004-01", "Inclusive small and micro NPL ratio within 3%", "npl_ratio",
                "inclusive", "small_micro_enterprise", "at_most", 0.03, "ratio",
                dt.date(2025, 12, 31), "普惠小微贷款不良率控制在3%以内。", 0.0118, "met"),
        _target("T005-01", "Elderly-care loans reach 50 billion yuan", "balance", "pension",
                "elderly_care", "at_least", 5e10, "yuan", dt.date(2026, 12, 31),
                "养老产业贷款余额达到500亿元。", 3.07e10, "too_few_data",
                note="3 months of data: too few to project"),
        _target("T006-01", "First-time digital-industry borrowers 5,000 this year",
                "first_time_borrowers_ytd", "digital", "digital_industry", "at_least", 5000.0,
                "count", dt.date(2025, 12, 31), "数字经济核心产业首贷户年内新增5000户。", None,
                "no_data", note="no figure for this sub-area yet"),
        _target("T007-01", "Green bonds underwritten 150 billion yuan", "green_bonds", "green",
                "total", "at_least", 1.5e11, "yuan", dt.date(2025, 12, 31),
                "全年承销绿色债券1500亿元。", 1.12e11, "on_track", kind="entered",
                note="entered by the operator from the bond register"),
    ]


def build(empty: bool = False) -> ReportInput:
    ind = [] if empty else indicator_rows()
    ser = [] if empty else series_rows()
    return ReportInput(
        period=PERIOD, city="Shanghai",
        indicators=pa.Table.from_pylist(ind, schema=INDICATOR_SCHEMA),
        series=pa.Table.from_pylist(ser, schema=SERIES_SCHEMA),
        targets=[] if empty else targets(),
        generated_at=GENERATED, rules_version="fa45891dca7a")


@pytest.fixture
def report_input() -> ReportInput:
    return build()


@pytest.fixture
def empty_input() -> ReportInput:
    return build(empty=True)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, bool], Path]:
    """Write a format once per test module (the PDF takes a second) and return its path."""
    from fiveareas.report import write

    done: dict[tuple[str, bool], Path] = {}

    def get(fmt: str, empty: bool = False) -> Path:
        if (fmt, empty) not in done:
            name = f"report{'_empty' if empty else ''}.{'xml' if fmt == 'sdmx' else fmt}"
            done[fmt, empty] = write(build(empty), fmt, tmp_path_factory.mktemp(fmt) / name)
        return done[fmt, empty]

    return get
