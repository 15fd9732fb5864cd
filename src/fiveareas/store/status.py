"""What the catalog says about submissions, shaped for people (CLI tables, API)."""

from __future__ import annotations

import json
from datetime import date

import pyarrow.parquet as pq
import sqlalchemy as sa

from fiveareas.store import lake
from fiveareas.store.catalog import CURRENT, public_id, submission, submission_file
from fiveareas.store.home import Home
from fiveareas.store.submissions import current

s = submission.c


def by_period(conn: sa.Connection, kind: str = "loan_book") -> list[sa.Row]:
    """Per period: institutions in force, submissions, rows accepted/quarantined, superseded."""
    cur = s.state.in_(CURRENT)
    q = (
        sa.select(
            s.period,
            sa.func.count(sa.distinct(sa.case((cur, s.institution_id)))).label("institutions"),
            sa.func.count().label("submissions"),
            sa.func.sum(sa.case((cur, s.accepted_rows), else_=0)).label("accepted"),
            sa.func.sum(sa.case((cur, s.quarantined_rows), else_=0)).label("quarantined"),
            sa.func.sum(sa.case((s.state == "superseded", 1), else_=0)).label("superseded"),
            sa.func.sum(sa.case((s.state == "rejected", 1), else_=0)).label("rejected"),
            sa.func.sum(sa.case((cur, s.warnings), else_=0)).label("warnings"),
        )
        .where(s.kind == kind, s.period.is_not(None))
        .group_by(s.period)
        .order_by(s.period)
    )
    return list(conn.execute(q))


def not_reported(home: Home, conn: sa.Connection) -> dict[date, list[str]]:
    """Per period with a loan book, the institutions of the register in force that have none
    in force for it (a nil return is one), for the statistician who asks who is missing."""
    registered: set[str] = set()
    for path in lake.files(home, "institution", current(conn, "register")):
        registered.update(pq.read_table(path, columns=["institution_id"])[0].to_pylist())
    reporting: dict[date, set[str]] = {}
    for r in current(conn, "loan_book"):
        reporting.setdefault(r.period, set()).add(r.institution_id)
    return {p: sorted(registered - have) for p, have in sorted(reporting.items())
            if registered - have}


def submissions(conn: sa.Connection, period: date | None = None, institution: str | None = None,
                every: bool = False, limit: int | None = None) -> list[sa.Row]:
    """Submissions, newest first; by default only those in force or needing attention."""
    q = sa.select(submission)
    if period is not None:
        q = q.where(s.period == period)
    if institution is not None:
        q = q.where(s.institution_id == institution)
    if not every:
        q = q.where(s.state != "superseded")
    q = q.order_by(s.id.desc())
    if limit:
        q = q.limit(limit)
    return list(conn.execute(q))


def files(conn: sa.Connection, sid: int) -> list[sa.Row]:
    return list(conn.execute(
        sa.select(submission_file).where(submission_file.c.submission_id == sid)))


def get(conn: sa.Connection, sid: int) -> sa.Row | None:
    return conn.execute(sa.select(submission).where(s.id == sid)).first()


def classification(home: Home, conn: sa.Connection, period: date,
                   rules_version: str | None = None) -> str:
    """Whether the period's tags reflect the submissions now in force and the rules now in use:
    `current`, `stale: data` (a submission came or went since), `stale: rules` (the rules or
    their tables changed), or `none` (never classified)."""
    manifest = lake.derived(home, "tags", period) / "manifest.json"
    if not manifest.exists():
        return "none"
    doc = json.loads(manifest.read_text("utf-8"))
    now = {public_id(r.id) for r in conn.execute(sa.select(submission.c.id).where(
        s.kind == "loan_book", s.period == period, s.state.in_(CURRENT)))}
    if set(doc.get("submissions", [])) != now:
        return "stale: data"
    if rules_version is not None and doc.get("rules_version") != rules_version:
        return "stale: rules"
    return "current"
