"""Macro indicators a regulator enters by hand, each with its source and who entered it.

Targets such as market turnover or Panda bonds are not computed from loans; their values come
from the exchanges and statistics offices. Entering a value for an indicator and date that
already has one supersedes it (kept, with `superseded_by`), so every figure can be traced.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from fiveareas.store import catalog as cat


@dataclass(frozen=True)
class Entry:
    id: int
    indicator: str
    as_of: date
    value: float
    unit: str
    source: str
    entered_by: str


def enter(engine: sa.Engine, indicator: str, as_of: date, value: float, unit: str,
          source: str) -> Entry:
    if not source.strip():
        raise ValueError("a macro value needs its source (publication, table, date)")
    t = cat.macro_value
    with engine.begin() as conn:
        new_id = conn.execute(t.insert().values(
            indicator=indicator, as_of=as_of, value=float(value), unit=unit, source=source,
            entered_by=cat.actor(), entered_at=cat.now())).inserted_primary_key[0]
        conn.execute(t.update().where(t.c.indicator == indicator, t.c.as_of == as_of,
                                      t.c.id != new_id, t.c.superseded_by.is_(None))
                     .values(superseded_by=new_id))
        cat.log(conn, "macro_value", indicator, as_of=as_of, value=value, unit=unit,
                source=source, id=new_id)
    _IN_FORCE.pop(str(engine.url), None)
    return Entry(new_id, indicator, as_of, float(value), unit, source, cat.actor())


def values(engine: sa.Engine, indicator: str | None = None,
           history: bool = False) -> list[Entry]:
    """Values in force (or every value ever entered, with `history`), oldest first."""
    t = cat.macro_value
    q = sa.select(t).order_by(t.c.indicator, t.c.as_of, t.c.id)
    if indicator is not None:
        q = q.where(t.c.indicator == indicator)
    if not history:
        q = q.where(t.c.superseded_by.is_(None))
    with engine.connect() as conn:
        return [Entry(r.id, r.indicator, r.as_of, r.value, r.unit, r.source, r.entered_by)
                for r in conn.execute(q)]


# Values in force per catalog, as last read: (when, values).
_IN_FORCE: dict[str, tuple[float, tuple[Entry, ...]]] = {}
FRESH_SECONDS = 1.0


def in_force(engine: sa.Engine) -> tuple[Entry, ...]:
    """The values in force, read again at most once a second: a dashboard asks for them on
    every page, and they change a few times a year. An entry made by this process is seen at
    once; one made by another (the CLI, another worker) within a second."""
    key = str(engine.url)
    hit = _IN_FORCE.get(key)
    now = time.monotonic()
    if hit is None or now - hit[0] > FRESH_SECONDS:
        hit = (now, tuple(values(engine)))
        _IN_FORCE[key] = hit
    return hit[1]
