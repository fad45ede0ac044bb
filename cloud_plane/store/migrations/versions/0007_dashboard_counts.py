"""dashboard: reads per site, camera and hour; the hotlist version each site holds

Revision ID: 0007
Revises: 0006

``cloud_read_counts`` is filled with every stored batch from now on; existing detections
are counted once here, so the charts cover history too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_plane.store.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cloud_read_counts",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("hour", cloud_plane.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("camera_id", sa.String(length=64), nullable=False),
        sa.Column("reads", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "hour", "camera_id"),
    )
    with op.batch_alter_table("cloud_sites") as batch:
        batch.add_column(sa.Column("hotlist_version", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column(
                "hotlist_seen_at", cloud_plane.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )
    if op.get_bind().dialect.name == "postgresql":
        hour = "date_trunc('hour', received_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
    else:  # SQLAlchemy's SQLite text format, in UTC (store/types.py)
        hour = "strftime('%Y-%m-%d %H:00:00.000000', received_at)"
    op.execute(
        "INSERT INTO cloud_read_counts (site_id, hour, camera_id, reads) "
        f"SELECT site_id, {hour}, camera_id, count(*) FROM cloud_detections "
        f"GROUP BY site_id, {hour}, camera_id"
    )


def downgrade() -> None:
    with op.batch_alter_table("cloud_sites") as batch:
        batch.drop_column("hotlist_seen_at")
        batch.drop_column("hotlist_version")
    op.drop_table("cloud_read_counts")
