"""Excel workbook for the regulator's statisticians: numbers they can sort, filter and sum.

Every figure is a real number cell with a number format, never text, so it can be summed and
charted. Amounts are converted to 亿元 (100 million yuan) at full precision and only *shown*
with two decimals; growth and ratios stay fractions shown as percentages. Headers are
bilingual, the header row is frozen and filtered.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from fiveareas.report.data import (
    AREA_NAMES,
    AREAS,
    DIMENSIONS,
    INDICATORS,
    YI,
    ReportInput,
    city_total,
    figures,
    month,
)

FORMATS = {
    "yuan": "#,##0.00",  # shown in 亿元
    "count": "#,##0",
    "ratio": "0.00%",
    "percent": "0.00",
}
DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
DIMENSION_ORDER = list(DIMENSIONS)
NOTE_UNITS = "amounts in 100 million yuan (亿元) unless stated; internal values in yuan"


def _scaled(value: float | None, unit: str) -> float | None:
    """A value in the unit the workbook shows: yuan become 亿元; everything else as is."""
    if value is None:
        return None
    return value / YI if unit == "yuan" else value


def _unit_label(unit: str) -> str:
    return {"yuan": "亿元 (100 million yuan)", "count": "count / 个", "ratio": "%",
            "percent": "% a year"}.get(unit, unit)


def _header(label: str, unit: str | None = None) -> str:
    if unit == "yuan":
        return f"{label} (亿元)"
    return label


def _sheet(wb: Workbook, title: str, headers: Sequence[str],
           rows: Iterable[Sequence[Any]], formats: Sequence[str | None],
           widths: Sequence[int], empty: str | None = None) -> Worksheet:
    """A sheet with one header row (frozen, filtered), typed cells and set column widths."""
    ws = wb.create_sheet(title)
    ws.append(list(headers))
    for cell in ws[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    count = 0
    for row in rows:
        ws.append(list(row))
        count += 1
        for cell, fmt in zip(ws[ws.max_row], formats, strict=False):
            if fmt and cell.value is not None:
                cell.number_format = fmt
    if count == 0 and empty:
        ws.append([empty])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    if count:
        ws.auto_filter.ref = ws.dimensions
    return ws


def _summary(wb: Workbook, data: ReportInput, wide: dict) -> None:
    headers = ["Area / 领域", "中文", "Balance / 余额 (亿元)", "YoY / 同比", "YTD / 比年初",
               "Borrowers / 户数", "Loans / 笔数", "New lending / 当月发放 (亿元)",
               "NPL ratio / 不良率"]
    rows = []
    for area in ("all", *AREAS):
        total = city_total(wide, area)
        if not total:
            continue
        rows.append([AREA_NAMES[area][0], AREA_NAMES[area][1],
                     _scaled(total.get("balance"), "yuan"), total.get("yoy"), total.get("ytd"),
                     total.get("borrowers"), total.get("loans"),
                     _scaled(total.get("new_lending"), "yuan"), total.get("npl_ratio")])
    formats = [None, None, FORMATS["yuan"], FORMATS["ratio"], FORMATS["ratio"],
               FORMATS["count"], FORMATS["count"], FORMATS["yuan"], FORMATS["ratio"]]
    _sheet(wb, "Summary", headers, rows, formats, [22, 16, 20, 12, 12, 16, 16, 22, 14],
           empty=f"No data for {month(data.period)} / 本期无数据")


def _area(wb: Workbook, data: ReportInput, wide: dict, area: str, indicators: list[str]) -> None:
    headers = ["Sub-area / 子领域", "Dimension / 维度", "Member / 代码", "Name / 名称"]
    headers += [_header(f"{INDICATORS[i][0]} / {INDICATORS[i][1]}", INDICATORS[i][2])
                for i in indicators]
    keys = [k for k in wide if k[0] == area]
    # Area total first, then its sub-areas; within each, city first, then each breakdown.
    subs = list(dict.fromkeys(k[1] for k in keys))
    subs.sort(key=lambda s: s != "total")
    keys.sort(key=lambda k: (subs.index(k[1]), DIMENSION_ORDER.index(k[2])
                             if k[2] in DIMENSION_ORDER else len(DIMENSION_ORDER)))
    rows = []
    for key in keys:
        entry = wide[key]
        dim = DIMENSIONS.get(key[2], (key[2],))[0]
        rows.append([key[1], dim, key[3], entry.get("member_name"),
                     *(_scaled(entry.get(i), INDICATORS[i][2]) for i in indicators)])
    formats = [None] * 4 + [FORMATS[INDICATORS[i][2]] for i in indicators]
    widths = [22, 18, 18, 30] + [16] * len(indicators)
    _sheet(wb, area, headers, rows, formats, widths,
           empty=f"No data for {AREA_NAMES[area][0]} in {month(data.period)} / 本期无数据")


TARGET_COLUMNS = [
    # (header, key, kind): kind says how the value is shown. `title_zh` and `probability` are
    # optional keys (blank when a target lacks them).
    ("ID / 编号", "id", None), ("Title / 目标", "title", None), ("标题 (中文)", "title_zh", None),
    ("Area / 领域", "area", None),
    ("Sub-area / 子领域", "sub_area", None), ("Indicator / 指标", "indicator", None),
    ("Kind / 来源类型", "kind", None), ("Comparison / 比较", "comparison", None),
    ("Target / 目标值", "target", "value"), ("Unit / 单位", "unit", "unit"),
    ("Deadline / 期限", "deadline", "date"), ("Current / 现值", "current", "value"),
    ("As of / 截至", "as_of", "date"), ("Gap / 差距", "gap", "value"),
    ("Progress / 进度", "progress", "progress"), ("Status / 状态", "status", None),
    ("Projection / 预测值", "projection", "value"),
    ("Projection low / 预测下限", "projection_low", "value"),
    ("Projection high / 预测上限", "projection_high", "value"),
    ("Probability / 达成概率", "probability", "progress"),
    ("Note / 说明", "note", None), ("Scope / 范围", "scope", None),
    ("Source / 出处", "source", None), ("Sentence / 原文", "sentence", None),
]
WRAPPED = {i for i, c in enumerate(TARGET_COLUMNS, start=1)
           if c[1] in ("title", "title_zh", "note", "sentence")}
TARGET_WIDTHS = [10, 44, 30, 12, 20, 22, 10, 11, 14, 22, 12, 14, 12, 14, 11, 13, 14, 14, 14,
                 12, 36, 24, 28, 60]


def _targets(wb: Workbook, data: ReportInput) -> None:
    rows, formats_per_row = [], []
    for t in data.targets:
        unit = t.get("unit", "")
        row, fmts = [], []
        for _, key, kind in TARGET_COLUMNS:
            value = t.get(key)
            fmt = None
            if kind == "value":
                value = _scaled(value, unit)
                fmt = FORMATS.get(unit, "General")
            elif kind == "unit":
                value = _unit_label(unit)
            elif kind == "date":
                fmt = DATE_FORMAT
            elif kind == "progress":
                fmt = "0.0%"
            row.append(value)
            fmts.append(fmt)
        rows.append(row)
        formats_per_row.append(fmts)
    ws = _sheet(wb, "Targets", [c[0] for c in TARGET_COLUMNS], rows, [], TARGET_WIDTHS,
                empty="No targets / 无目标")
    # Formats depend on each target's unit, so they are set row by row.
    for r, fmts in enumerate(formats_per_row, start=2):
        for c, fmt in enumerate(fmts, start=1):
            cell = ws.cell(row=r, column=c)
            if fmt and cell.value is not None:
                cell.number_format = fmt
            if c in WRAPPED:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


def _notes(wb: Workbook, data: ReportInput) -> None:
    generated = data.generated_at
    if isinstance(generated, datetime) and generated.tzinfo is not None:
        generated = generated.replace(tzinfo=None)  # Excel cannot store a time zone
    rows = [
        ("City / 城市", data.city, None),
        ("Period / 报告期", month(data.period), None),
        ("Period end / 期末日", data.period, DATE_FORMAT),
        ("Generated at / 生成时间", generated, "yyyy-mm-dd hh:mm:ss"),
        ("Time zone", str(data.generated_at.tzinfo or "not stated"), None),
        ("Rules version / 规则版本", data.rules_version, None),
        ("Units / 单位", NOTE_UNITS, None),
        ("Growth / 增速", "YoY: vs the same month last year; YTD: vs last December; "
         "shown as %, stored as fractions", None),
        ("Rate / 利率", "balance-weighted average, percent a year", None),
        ("Rounding / 舍入", "cells keep full precision; 2 decimals are display only", None),
        ("Targets / 目标", "target, current, gap and projection in the target's unit "
         "(yuan targets in 亿元); progress = current / target", None),
        ("Blank cells / 空白", "no figure (e.g. growth with no base a year ago)", None),
        *(("Note / 说明", note, None) for note in data.notes),
    ]
    ws = _sheet(wb, "Notes", ["Item / 项目", "Value / 内容"], [r[:2] for r in rows], [],
                [26, 90])
    for r, (_, _, fmt) in enumerate(rows, start=2):
        if fmt:
            ws.cell(row=r, column=2).number_format = fmt
            ws.cell(row=r, column=2).alignment = Alignment(horizontal="left")


def write_xlsx(data: ReportInput, out: Path) -> Path:
    """Write Summary, one sheet per area, Targets and Notes to `out`; return `out`."""
    wide = figures(data)
    present = {i for entry in wide.values() for i in entry}
    indicators = [i for i in INDICATORS if i in present] or ["balance"]
    wb = Workbook()
    wb.remove(wb.active)
    _summary(wb, data, wide)
    for area in AREAS:
        _area(wb, data, wide, area, indicators)
    _targets(wb, data)
    _notes(wb, data)
    wb.properties.title = f"{data.city} five major areas of finance, {month(data.period)}"
    wb.properties.creator = "fiveareas"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out

