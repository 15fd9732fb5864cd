"""Read a submission's located findings back from the lake."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa

from fiveareas.model.template import template
from fiveareas.store import lake
from fiveareas.store.home import Home


def read_findings(home: Home, row: sa.Row, limit: int | None = None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in lake.files(home, "findings", [row]):
        out += pq.read_table(path).to_pylist()
    return out[:limit] if limit else out


def read_quarantine(home: Home, row: sa.Row, limit: int | None = None
                    ) -> dict[str, list[dict[str, Any]]]:
    """A submission's quarantined rows as received, per dataset that has any."""
    out: dict[str, list[dict[str, Any]]] = {}
    for ds in template().datasets:
        rows: list[dict[str, Any]] = []
        for path in lake.files(home, f"quarantine_{ds}", [row]):
            rows += pq.read_table(path).to_pylist()
        if rows:
            out[ds] = rows[:limit] if limit else rows
    return out
