"""Macro indicators entered by the regulator (market turnover, direct financing, ...).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "macro_value",
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


def downgrade() -> None:
    op.drop_table("macro_value")
