"""The one input every export reads, and the labels and units they share.

The report layer does not query the store: `measure` hands it a `ReportInput` (plain Arrow tables
and dicts), so each writer is a pure function of its input and can be tested without a lake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pyarrow as pa

AREAS = ("sci_tech", "green", "inclusive", "pension", "digital")
# English and Chinese names; `all` is the five areas together, each loan counted once.
AREA_NAMES = {
    "all": ("All loans", "全部贷款"),
    "sci_tech": ("Sci-tech finance", "科技金融"),
    "green": ("Green finance", "绿色金融"),
    "inclusive": ("Inclusive finance", "普惠金融"),
    "pension": ("Pension finance", "养老金融"),
    "digital": ("Digital finance", "数字金融"),
}
DIMENSIONS = {
    "city": ("City", "全市"),
    "institution_type": ("Institution type", "机构类型"),
    "institution": ("Institution", "机构"),
    "district": ("District", "区"),
    "industry_section": ("Industry section", "行业门类"),
}
# Indicator -> (English, Chinese, unit). Order is the column order of the workbook.
INDICATORS = {
    "balance": ("Balance", "余额", "yuan"),
    "yoy": ("YoY growth", "同比增速", "ratio"),
    "ytd": ("YTD growth", "比年初增速", "ratio"),
    "loans": ("Loans", "笔数", "count"),
    "borrowers": ("Borrowers", "户数", "count"),
    "new_lending": ("New lending", "当月发放额", "yuan"),
    "new_lending_ytd": ("New lending YTD", "本年累计发放额", "yuan"),
    "first_time_borrowers": ("First-time borrowers", "首贷户数", "count"),
    "first_time_borrowers_ytd": ("First-time borrowers YTD", "本年累计首贷户数", "count"),
    "renewal_amount": ("Renewal amount", "续贷金额", "yuan"),
    "renewal_amount_ytd": ("Renewal amount YTD", "本年累计续贷金额", "yuan"),
    "renewal_count": ("Renewals", "续贷笔数", "count"),
    "renewal_count_ytd": ("Renewals YTD", "本年累计续贷笔数", "count"),
    "rate": ("Rate (% a year)", "加权平均利率(%)", "percent"),
    "npl_balance": ("NPL balance", "不良余额", "yuan"),
    "npl_ratio": ("NPL ratio", "不良率", "ratio"),
}
STATUSES = ("met", "on_track", "off_track", "no_data", "too_few_data", "missed")

YI = 1e8  # 亿元: 100 million yuan, the unit of the tables
WAN_YI = 1e12  # 万亿元: trillion yuan, for headline figures

INDICATOR_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("area", pa.string()),
        ("sub_area", pa.string()),
        ("dimension", pa.string()),
        ("member", pa.string()),
        ("member_name", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ]
)
SERIES_SCHEMA = pa.schema(
    [
        ("period", pa.date32()),
        ("area", pa.string()),
        ("indicator", pa.string()),
        ("value", pa.float64()),
    ]
)


@dataclass(frozen=True)
class ReportInput:
    """Everything one report shows, computed beforehand by `measure`.

    `indicators` is long (one figure a row, `INDICATOR_SCHEMA`), `series` is the history for
    charts (`SERIES_SCHEMA`), `targets` one dict per target with its citation and progress.
    Amounts are yuan throughout; writers convert for display only.
    """

    period: date
    city: str
    indicators: pa.Table
    series: pa.Table
    targets: list[dict[str, Any]]
    generated_at: datetime
    rules_version: str
    notes: tuple[str, ...] = ()  # what a reader must know first (e.g. a synthetic city's scale)


Key = tuple[str, str, str, str]  # (area, sub_area, dimension, member)


def figures(data: ReportInput) -> dict[Key, dict[str, Any]]:
    """Rows of the reporting period pivoted wide: key -> {member_name, indicator: value}.

    NaN counts as no figure (None): Excel cannot store it and a reader should not see "nan".
    Keys keep the input's order, so writers list members as `measure` sorted them.
    """
    wide: dict[Key, dict[str, Any]] = {}
    for row in data.indicators.to_pylist():
        if row["period"] != data.period:
            continue
        key = (row["area"], row["sub_area"], row["dimension"], row["member"])
        entry = wide.setdefault(key, {"member_name": row["member_name"]})
        value = row["value"]
        entry[row["indicator"]] = None if value is None or math.isnan(value) else value
        if entry["member_name"] is None:
            entry["member_name"] = row["member_name"]
    return wide


def city_total(wide: dict[Key, dict[str, Any]], area: str) -> dict[str, Any]:
    """The city-wide total of one area (empty when the area has no figures)."""
    return wide.get((area, "total", "city", "_T"), {})


def month(d: date) -> str:
    """`2024-12`: how periods are named in every export."""
    return f"{d:%Y-%m}"


def area_label(area: str) -> str:
    """English name of an area, or the code itself for one we do not know."""
    return AREA_NAMES.get(area, (area, area))[0]
