"""The first catalog: submissions, files, rule counts, audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("institution_id", sa.String(32)),
        sa.Column("period", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False, index=True),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("decided_at", sa.DateTime, nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("accepted_rows", sa.Integer, nullable=False),
        sa.Column("quarantined_rows", sa.Integer, nullable=False),
        sa.Column("errors", sa.Integer, nullable=False),
        sa.Column("warnings", sa.Integer, nullable=False),
        sa.Column("max_error_rate", sa.Float),
        sa.Column("superseded_by", sa.Integer),
        sa.Column("message", sa.Text),
    )
    op.create_index("ix_submission_inst_period", "submission", ["institution_id", "period"])
    op.create_table(
        "submission_file",
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
    op.create_table(
        "rule_count",
        sa.Column("submission_id", sa.Integer, sa.ForeignKey("submission.id"), primary_key=True),
        sa.Column("dataset", sa.String(32), primary_key=True),
        sa.Column("rule_id", sa.String(8), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64)),
        sa.Column("detail", sa.Text),
    )


def downgrade() -> None:
    for name in ("audit", "rule_count", "submission_file", "submission"):
        op.drop_table(name)
