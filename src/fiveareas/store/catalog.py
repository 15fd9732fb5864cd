"""The catalog: submissions, their files and findings counts, and the audit log.

SQLite by default, PostgreSQL for a multi-user server (FIVEAREAS_CATALOG_URL); the schema is
created and upgraded by Alembic migrations in `store/migrations`.
"""

from __future__ import annotations

import json
import os
import threading
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

metadata = sa.MetaData()

submission = sa.Table(
    "submission",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(16), nullable=False),  # loan_book | register
    sa.Column("institution_id", sa.String(32)),
    sa.Column("period", sa.Date),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("submitted_by", sa.String(64), nullable=False),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("decided_at", sa.DateTime, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False, default=0),
    sa.Column("accepted_rows", sa.Integer, nullable=False, default=0),
    sa.Column("quarantined_rows", sa.Integer, nullable=False, default=0),
    sa.Column("errors", sa.Integer, nullable=False, default=0),
    sa.Column("warnings", sa.Integer, nullable=False, default=0),
    sa.Column("max_error_rate", sa.Float),
    sa.Column("superseded_by", sa.Integer),
    sa.Column("message", sa.Text),
    sa.Column("acknowledged_at", sa.DateTime),
    sa.Column("acknowledged_by", sa.String(64)),
    sa.Index("ix_submission_inst_period", "institution_id", "period"),
)

submission_file = sa.Table(
    "submission_file",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "submission_id", sa.Integer, sa.ForeignKey("submission.id"), nullable=False, index=True
    ),
    sa.Column("dataset", sa.String(32), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("format", sa.String(16)),
    sa.Column("encoding", sa.String(16)),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("rows", sa.Integer),
    sa.Column("accepted_rows", sa.Integer),
    sa.Column("rule_id", sa.String(8)),
    sa.Column("error", sa.Text),
)

rule_count = sa.Table(
    "rule_count",
    metadata,
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), primary_key=True),
    sa.Column("dataset", sa.String(32), primary_key=True),
    sa.Column("rule_id", sa.String(8), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("target", sa.String(64)),
    sa.Column("detail", sa.Text),
)

# A figure the regulator enters with its source; a correction supersedes it, history kept.
macro_value = sa.Table(
    "macro_value",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("indicator", sa.String(64), nullable=False, index=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("entered_by", sa.String(64), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
    sa.Column("superseded_by", sa.Integer),
)

# People (password login) and systems (bearer tokens); a bank account is bound to one
# institution. Passwords are argon2 hashes; tokens are stored as SHA-256 of the secret.
account = sa.Table(
    "account",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255)),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("institution_id", sa.String(32)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("disabled_at", sa.DateTime),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False,
              index=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime),
)

CURRENT = ("accepted", "accepted_with_warnings")


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def public_id(sid: int) -> str:
    return f"S{sid:07d}"


def parse_id(text: str) -> int:
    return int(text.lstrip("Ss"))


def open_catalog(url: str) -> sa.Engine:
    """Connect and bring the schema to the newest migration."""
    engine = sa.create_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("fiveareas.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return engine


_OPENING = threading.Lock()


@lru_cache(maxsize=64)
def _shared(url: str) -> sa.Engine:
    return open_catalog(url)


def shared(url: str) -> sa.Engine:
    """One engine per catalog for the life of the process, for reads that happen on every
    request (the migrations check is slow, and not thread-safe: opened under a lock)."""
    with _OPENING:
        return _shared(url)


# Who is acting: the web layer sets it per request; the command line falls back to the
# environment (FIVEAREAS_USER, else the system user).
ACTOR: ContextVar[str | None] = ContextVar("fiveareas_actor", default=None)


def actor() -> str:
    return (ACTOR.get() or os.environ.get("FIVEAREAS_USER") or os.environ.get("USER")
            or "unknown")


def log(conn: sa.Connection, action: str, target: str | None, *, as_actor: str | None = None,
        **detail: Any) -> None:
    conn.execute(
        audit.insert().values(
            at=now(), actor=as_actor or actor(), action=action, target=target,
            detail=json.dumps(detail, default=str, ensure_ascii=False),
        )
    )
