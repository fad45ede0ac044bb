"""sync agent: enrolment state and detection streams

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import local_node.db.types

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("cloud_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("cloud_epoch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("enrolled_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("hotlist_version", sa.Integer(), nullable=False),
        sa.Column("hits_acked", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_streams",
        sa.Column("stream_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq_base", sa.Integer(), nullable=False),
        sa.Column("acked", sa.Integer(), nullable=False),
        sa.Column("created_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream_id"),
        sa.UniqueConstraint("seq_base"),
    )


def downgrade() -> None:
    op.drop_table("sync_streams")
    op.drop_table("sync_state")
