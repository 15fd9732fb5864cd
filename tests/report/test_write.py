"""`write` dispatches on the format name and refuses others clearly."""

from __future__ import annotations

import pytest

from fiveareas.report import write


def test_unknown_format(report_input, tmp_path) -> None:
    with pytest.raises(ValueError, match=r"unknown report format 'csv'.*xlsx, pdf, sdmx"):
        write(report_input, "csv", tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("pdf", b"%PDF"), ("sdmx", b"<?xml")])
def test_dispatch(report_input, tmp_path, fmt, magic) -> None:
    out = write(report_input, fmt.upper(), tmp_path / "sub" / f"out.{fmt}")
    assert out == tmp_path / "sub" / f"out.{fmt}"
    assert out.read_bytes().startswith(magic)


def test_awkward_input_still_writes(report_input, tmp_path) -> None:
    """NaN figures, a time-zoned timestamp, no history and a percent target do not break a format."""
    import dataclasses
    import datetime as dt
    import math

    import openpyxl
    import pyarrow as pa
    import pypdf
    import sdmx

    rows = report_input.indicators.to_pylist()
    rows[0]["value"] = math.nan  # all / total / city / balance
    data = dataclasses.replace(
        report_input,
        indicators=pa.Table.from_pylist(rows, schema=report_input.indicators.schema),
        series=report_input.series.slice(0, 0),
        generated_at=dt.datetime(2025, 1, 20, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        targets=[*report_input.targets, {**report_input.targets[0], "id": "T009-01",
                                          "unit": "percent", "target": 3.5, "current": 3.6,
                                          "progress": 3.6 / 3.5, "comparison": "at_most"}],
    )
    book = openpyxl.load_workbook(write(data, "xlsx", tmp_path / "a.xlsx"))
    assert book["Summary"]["C2"].value is None  # NaN balance left blank
    notes = dict(book["Notes"].iter_rows(min_row=2, values_only=True))
    assert notes["Generated at / 生成时间"] == dt.datetime(2025, 1, 20, 9, 30)  # local time
    assert notes["Time zone"] == "UTC+08:00"
    text = "".join(p.extract_text() for p in pypdf.PdfReader(write(data, "pdf", tmp_path / "a.pdf")).pages)
    assert "nan" not in text.lower().replace("finance", "") and "T009-01" in text
    assert "No history to chart" in text
    message = sdmx.read_sdmx(write(data, "sdmx", tmp_path / "a.xml"))
    assert len(message.data[0].obs) == sum(r["value"] is not None for r in rows) - 1
    assert message.header.prepared.utcoffset() == dt.timedelta(hours=8)
