"""camera error counts: refused camera posts and skewed reads, per camera, reason and slot

Revision ID: 0009
Revises: 0008

``camera_error_counts``: (camera id, or "" for posts that named no camera; reason; 5-minute
slot start) → count. The API process adds to it; the sync agent sums the last hour into the
heartbeat.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import local_node.db.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "camera_error_counts",
        sa.Column("camera_id", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("slot_start", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("camera_id", "reason", "slot_start"),
    )


def downgrade() -> None:
    op.drop_table("camera_error_counts")
