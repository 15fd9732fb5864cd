"""Read a submission's located findings back from the lake."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa

from fiveareas.store import lake
from fiveareas.store.home import Home


def read_findings(home: Home, row: sa.Row, limit: int | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in lake.files(home, "findings", [row]):
        out += pq.read_table(path).to_pylist()
    return out[:limit] if limit else out
