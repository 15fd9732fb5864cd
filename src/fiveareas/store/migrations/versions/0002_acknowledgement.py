"""Warnings acknowledged by the bank: who and when.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("acknowledged_at", sa.DateTime))
        batch.add_column(sa.Column("acknowledged_by", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
