"""The workbook reads back with the input's figures, as numbers, in the units it says."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from fiveareas.report.data import AREAS, YI
from tests.report.conftest import BALANCES, KNOWN, NEW_MEMBER, build, targets


@pytest.fixture(scope="module")
def book(written):
    return openpyxl.load_workbook(written("xlsx"))


def _rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_sheets(book) -> None:
    assert book.sheetnames == ["Summary", *AREAS, "Targets", "Notes"]
    for ws in book:
        assert ws.freeze_panes == "A2"


def test_summary_balance_in_yi_as_number(book) -> None:
    ws = book["Summary"]
    header, rows = _rows(ws)
    assert "Balance / 余额 (亿元)" in header
    by_area = {r[0]: r for r in rows}
    green = by_area["Green finance"]
    col = header.index("Balance / 余额 (亿元)")
    assert green[col] == pytest.approx(BALANCES["green"] / YI)
    assert green[header.index("中文")] == "绿色金融"
    cell = ws.cell(row=rows.index(green) + 2, column=col + 1)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"
    growth = ws.cell(row=rows.index(green) + 2, column=header.index("YoY / 同比") + 1)
    assert growth.data_type == "n" and growth.number_format.endswith("%")
    assert 0 < growth.value < 1  # a fraction shown as %, not 11.6 as text


def test_area_sheet_breakdowns(book) -> None:
    ws = book["green"]
    header, rows = _rows(ws)
    col = header.index("Balance / 余额 (亿元)")
    dims = {r[1] for r in rows}
    assert {"City", "Institution type", "District", "Industry section"} <= dims
    row = next(r for r in rows if r[1] == "District" and r[2] == KNOWN["member"])
    assert row[3] == "黄浦区"
    assert row[col] == pytest.approx(KNOWN["value"] / YI, rel=1e-12)
    assert rows[0][:3] == ("total", "City", "_T")  # the area total leads
    assert {"1", "3", "6"} <= {r[0] for r in rows}  # green categories as sub-areas


def test_null_growth_is_blank_not_zero(book) -> None:
    header, rows = _rows(book["sci_tech"])
    row = next(r for r in rows if r[2] == NEW_MEMBER)
    assert row[header.index("YoY growth / 同比增速")] is None
    assert row[header.index("Loans / 笔数")] > 0


def test_targets_with_citation(book) -> None:
    ws = book["Targets"]
    header, rows = _rows(ws)
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows}
    assert set(by_id) == {t["id"] for t in targets()}
    for t in targets():
        row = by_id[t["id"]]
        assert row["Source / 出处"] == t["source"]
        assert row["Sentence / 原文"] == t["sentence"]
        assert row["Status / 状态"] == t["status"]
    first = by_id["T002-01"]
    assert first["Target / 目标值"] == pytest.approx(2.2e12 / YI)
    assert first["Unit / 单位"].startswith("亿元")
    assert first["Deadline / 期限"] == dt.datetime(2025, 12, 31)
    assert first["Projection low / 预测下限"] == pytest.approx(2.17e12 / YI)
    assert by_id["T006-01"]["Current / 现值"] is None
    assert by_id["T007-01"]["Kind / 来源类型"] == "entered"
    assert by_id["T004-01"]["Target / 目标值"] == pytest.approx(0.03)  # ratios stay fractions
    progress = ws.cell(row=2, column=header.index("Progress / 进度") + 1)
    assert progress.data_type == "n" and progress.number_format == "0.0%"


def test_notes(book) -> None:
    values = dict(book["Notes"].iter_rows(min_row=2, values_only=True))
    assert values["Period / 报告期"] == "2024-12"
    assert values["Rules version / 规则版本"] == "fa45891dca7a"
    assert values["Generated at / 生成时间"] == build().generated_at
    assert "亿元" in values["Units / 单位"] and "internal values in yuan" in values["Units / 单位"]


def test_empty_input_says_no_data(written) -> None:
    book = openpyxl.load_workbook(written("xlsx", empty=True))
    assert book.sheetnames == ["Summary", *AREAS, "Targets", "Notes"]
    assert "No data" in book["Summary"]["A2"].value
    assert "No data" in book["green"]["A2"].value
    assert "No targets" in book["Targets"]["A2"].value
