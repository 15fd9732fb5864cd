"""Catalog queries about submissions: what is current, what came before, what is a duplicate."""

from __future__ import annotations

import calendar
from datetime import date

import sqlalchemy as sa

from fiveareas.store.catalog import CURRENT, submission


def by_hash(conn: sa.Connection, kind: str, content_hash: str) -> sa.Row | None:
    q = sa.select(submission).where(
        submission.c.kind == kind, submission.c.content_hash == content_hash
    ).order_by(submission.c.id.desc())
    return conn.execute(q).first()


def current(conn: sa.Connection, kind: str = "loan_book", period: date | None = None,
            institution_id: str | None = None) -> list[sa.Row]:
    """The submissions in force (accepted, not superseded), for a period/institution if given."""
    q = sa.select(submission).where(submission.c.kind == kind, submission.c.state.in_(CURRENT))
    if period is not None:
        q = q.where(submission.c.period == period)
    if institution_id is not None:
        q = q.where(submission.c.institution_id == institution_id)
    return list(conn.execute(q.order_by(submission.c.period, submission.c.institution_id)))


def next_version(conn: sa.Connection, kind: str, institution_id: str | None,
                 period: date | None) -> int:
    q = sa.select(sa.func.count()).select_from(submission).where(
        submission.c.kind == kind,
        submission.c.institution_id.is_(None) if institution_id is None
        else submission.c.institution_id == institution_id,
        submission.c.period.is_(None) if period is None else submission.c.period == period,
        submission.c.state != "malformed",
    )
    return int(conn.execute(q).scalar_one()) + 1


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def previous_month_end(period: date) -> date:
    year, month = (period.year, period.month - 1) if period.month > 1 else (period.year - 1, 12)
    return date(year, month, calendar.monthrange(year, month)[1])
