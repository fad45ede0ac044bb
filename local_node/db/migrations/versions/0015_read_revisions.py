"""read revisions: a better reading of an event replaces the read, its history kept (issue 15)

Revision ID: 0015
Revises: 0013

- ``detections.revision`` (1 + corrections) and ``detections.preview`` (a vendor's preview
  reading, which a final one replaces whatever its confidence);
- ``detection_revisions``: every correction with the reading it replaced (the read's
  history), ordered by id for the sync agent;
- ``sync_state.corrections_acked``: the highest correction the cloud has applied.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from local_node.db.types import UTCDateTime

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "detections", sa.Column("revision", sa.Integer(), nullable=False, server_default="1")
    )
    op.add_column(
        "detections",
        sa.Column("preview", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "sync_state",
        sa.Column("corrections_acked", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_table(
        "detection_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sa.String(length=36), nullable=False),
        sa.Column("detection_seq", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("changed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("plate", sa.String(length=32), nullable=False),
        sa.Column("plate_norm", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("region", sa.String(length=64), nullable=True),
        sa.Column("direction", sa.String(length=64), nullable=True),
        sa.Column("bbox", sa.String(length=64), nullable=True),
        sa.Column("vehicle_type", sa.String(length=64), nullable=True),
        sa.Column("vehicle_make", sa.String(length=64), nullable=True),
        sa.Column("vehicle_model", sa.String(length=64), nullable=True),
        sa.Column("vehicle_color", sa.String(length=64), nullable=True),
        sa.Column("preview", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["detection_id"], ["detections.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_detection_revisions_detection_id", "detection_revisions", ["detection_id"])


def downgrade() -> None:
    op.drop_index("ix_detection_revisions_detection_id", table_name="detection_revisions")
    op.drop_table("detection_revisions")
    with op.batch_alter_table("sync_state") as batch:
        batch.drop_column("corrections_acked")
    with op.batch_alter_table("detections") as batch:
        batch.drop_column("preview")
        batch.drop_column("revision")
