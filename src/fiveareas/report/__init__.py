"""Exports of one reporting period: an Excel workbook, a PDF report, an SDMX-ML data message.

Each writer takes a `ReportInput` and writes one file. They are imported only when used, so the
CLI does not load matplotlib and reportlab to write a workbook.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

from fiveareas.report.data import ReportInput

__all__ = ["FORMATS", "ReportInput", "write"]

# format -> (module, function)
FORMATS = {
    "xlsx": ("fiveareas.report.xlsx", "write_xlsx"),
    "pdf": ("fiveareas.report.pdf", "write_pdf"),
    "sdmx": ("fiveareas.report.sdmx", "write_sdmx"),
}


def write(data: ReportInput, fmt: str, out: Path) -> Path:
    """Write `data` as `fmt` (xlsx, pdf or sdmx) to `out`; return the path written."""
    key = fmt.strip().lower() if isinstance(fmt, str) else fmt
    if key not in FORMATS:
        raise ValueError(
            f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}"
        )
    module, function = FORMATS[key]
    return getattr(import_module(module), function)(data, Path(out))
