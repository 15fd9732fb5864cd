"""Reading a data home back in tests: catalog rows, rule counts and lake rows of a submission."""

from __future__ import annotations

from typing import Any

import pyarrow.parquet as pq
import sqlalchemy as sa

from fiveareas.store import catalog as cat
from fiveareas.store.home import Home


def catalog(home: Home) -> sa.Engine:
    return cat.open_catalog(home.catalog_url)


def submission_row(home: Home, sid: str) -> sa.Row:
    with catalog(home).connect() as conn:
        return conn.execute(sa.select(cat.submission)
                            .where(cat.submission.c.id == cat.parse_id(sid))).one()


def rule_counts(home: Home, sid: str) -> dict[tuple[str, str], int]:
    c = cat.rule_count.c
    with catalog(home).connect() as conn:
        rows = conn.execute(sa.select(cat.rule_count)
                            .where(c.submission_id == cat.parse_id(sid))).all()
    return {(r.dataset, r.rule_id): r.count for r in rows}


def lake_rows(home: Home, dataset: str, sid: str) -> list[dict[str, Any]]:
    files = sorted((home.lake / dataset).rglob(f"submission={sid}/*.parquet"))
    return [r for f in files for r in pq.read_table(f).to_pylist()]
