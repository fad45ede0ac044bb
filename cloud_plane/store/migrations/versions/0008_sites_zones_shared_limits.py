"""issue 18: site time zones, backlog samples, shared rate limits, resolutions, delivery purpose

Revision ID: 0008
Revises: 0007

- ``cloud_sites.timezone``: the site's IANA zone (NULL: the cloud's ``alert_timezone``);
  ``cloud_sites.backlog_json``: the recent backlog samples the trend alert reads.
- ``cloud_rate_buckets``: one GCRA "theoretical arrival time" per rate-limit bucket, shared
  by every dispatcher worker.
- ``cloud_alerts.resolution``: why the alert resolved, shown on it.
- ``cloud_deliveries.purpose``: "alert" (the alert itself) or "resolution" (the message that it
  resolved); the queue's key becomes (alert, recipient, channel, purpose).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_plane.store.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cloud_sites") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("backlog_json", sa.Text(), nullable=True))
    op.create_table(
        "cloud_rate_buckets",
        sa.Column("bucket", sa.String(length=200), nullable=False),
        sa.Column("tat", cloud_plane.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bucket"),
    )
    op.create_index("ix_cloud_rate_buckets_tat", "cloud_rate_buckets", ["tat"])
    with op.batch_alter_table("cloud_alerts") as batch:
        batch.add_column(sa.Column("resolution", sa.Text(), nullable=True))
    with op.batch_alter_table("cloud_deliveries") as batch:
        batch.add_column(
            sa.Column("purpose", sa.String(length=16), nullable=False, server_default="alert")
        )
        batch.drop_constraint("uq_cloud_deliveries_key", type_="unique")
        batch.create_unique_constraint(
            "uq_cloud_deliveries_key", ["alert_id", "recipient_id", "channel", "purpose"]
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_deliveries") as batch:
        batch.drop_constraint("uq_cloud_deliveries_key", type_="unique")
        batch.create_unique_constraint(
            "uq_cloud_deliveries_key", ["alert_id", "recipient_id", "channel"]
        )
        batch.drop_column("purpose")
    with op.batch_alter_table("cloud_alerts") as batch:
        batch.drop_column("resolution")
    op.drop_index("ix_cloud_rate_buckets_tat", table_name="cloud_rate_buckets")
    op.drop_table("cloud_rate_buckets")
    with op.batch_alter_table("cloud_sites") as batch:
        batch.drop_column("backlog_json")
        batch.drop_column("timezone")
