"""Gather a period's figures, history and targets from the store into one `ReportInput`."""

from __future__ import annotations

from datetime import date, datetime

import pyarrow as pa

from fiveareas.measure import progress, read
from fiveareas.measure.job import tags_manifest
from fiveareas.report.data import AREAS, ReportInput
from fiveareas.store.home import Home

SERIES = ("balance", "borrowers", "npl_ratio")


def report_input(home: Home, period: date, city: str = "Shanghai") -> ReportInput:
    """Everything an export of `period` shows; the targets use the data up to `period`."""
    indicators = read.long(home, period)
    rows = []
    for area in ("all", *AREAS):
        for r in read.series(home, area).to_pylist():
            if r["period"] > period:
                continue
            bal = float(r["balance"])
            values = {"balance": bal, "borrowers": float(r["borrowers"]),
                      "npl_ratio": float(r["npl_balance"]) / bal if bal else None}
            rows += [{"period": r["period"], "area": area, "indicator": k, "value": v}
                     for k, v in values.items()]
    series = pa.Table.from_pylist(rows, schema=pa.schema([
        ("period", pa.date32()), ("area", pa.string()), ("indicator", pa.string()),
        ("value", pa.float64())]))
    targets = [s.as_dict() for s in progress.statuses(home, period)]
    manifest, _ = tags_manifest(home, period)
    scale = progress.target_scale(home)
    notes = () if scale == 1 else (
        f"a synthetic city at scale {scale:g} of Shanghai: absolute measured targets (yuan, "
        f"counts) are shown at {scale:g} of the documents' values; growth rates and entered "
        "figures are not scaled",)
    return ReportInput(period=period, city=city, indicators=indicators, series=series,
                       targets=targets, generated_at=datetime.now().replace(microsecond=0),
                       rules_version=manifest.get("rules_version", ""), notes=notes)
