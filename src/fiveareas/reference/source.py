"""Where a reference table's text comes from: the operator's copy, else the one that ships.

Some classifications could only be shipped from secondary copies (docs/reference-data.md). A
regulator holding the official table puts it, in the same columns and under the same file name,
in the folder named by FIVEAREAS_REFERENCE_DIR; it is then read instead, with the same checks.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path


def table_text(filename: str) -> str:
    folder = os.environ.get("FIVEAREAS_REFERENCE_DIR")
    if folder and (Path(folder) / filename).is_file():
        return (Path(folder) / filename).read_text("utf-8")
    return files("fiveareas.reference").joinpath("data", filename).read_text("utf-8")
