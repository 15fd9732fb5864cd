"""Computed enterprise size against the size each bank reported, from the `sizes` dataset."""

from __future__ import annotations

from datetime import date
from typing import Any

from fiveareas.rules.job import mismatch
from fiveareas.store import engine, lake
from fiveareas.store.home import Home


class NotClassified(LookupError):
    """The period has not been classified yet."""


def _table(home: Home, period: date) -> tuple[Any, Any]:
    folder = lake.derived(home, "sizes", period)
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise NotClassified(f"period {period.isoformat()} is not classified: run "
                            f"`fiveareas classify --period {period:%Y-%m}`")
    con = engine.connect(home)
    return con, con.read_parquet([str(f) for f in files])


def per_institution(home: Home, period: date) -> list[dict[str, Any]]:
    con, s = _table(home, period)
    q = s.group_by("institution_id").agg(
        borrowers=s.count(), sized=s.size_class.notnull().sum(),
        differ=mismatch(s).sum()).order_by("institution_id")
    return con.to_pyarrow(q).to_pylist()


def mismatches(home: Home, period: date, institution: str | None = None) -> list[dict[str, Any]]:
    con, s = _table(home, period)
    q = s.filter(mismatch(s))
    if institution is not None:
        q = q.filter(q.institution_id == institution)
    return con.to_pyarrow(q.order_by("institution_id", "counterparty_id")).to_pylist()
