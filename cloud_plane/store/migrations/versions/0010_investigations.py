"""issue 14: the plate index, historical hits, images on demand

Revision ID: 0010
Revises: 0009

- ``cloud_plate_index``: one row per (site, distinct plate) with its confusion key, read
  count and newest read (indexed by key, and by newest read so broad patterns walk plates
  newest first); ``cloud_plate_rotations``: the permuterm rows of every site's
  distinct keys (``sync_protocol.plate_index``). Built here from the reads already stored.
- ``cloud_hits.historical`` (a hit found in past reads when its entry was added) and an
  index to list an entry's hits.
- ``cloud_image_requests``: images asked of sites through the sync channel.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_plane.store.types
from sync_protocol.plate_index import rotations

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_BATCH = 5_000


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, cloud_plane.store.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "cloud_plate_index",
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("plate_norm", sa.String(length=20), nullable=False),
        sa.Column("plate_key", sa.String(length=20), nullable=False),
        sa.Column("reads", sa.BigInteger(), nullable=False),
        _utc("last_received_at"),
        sa.PrimaryKeyConstraint("site_id", "plate_norm"),
    )
    op.create_index("ix_cloud_plate_index_plate_key", "cloud_plate_index", ["plate_key"])
    op.create_index(
        "ix_cloud_plate_index_recent",
        "cloud_plate_index",
        ["last_received_at", "plate_key", "plate_norm", "site_id"],
    )
    op.create_table(
        "cloud_plate_rotations",
        sa.Column("rotation", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("rotation"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("cloud_hits") as batch:
        batch.add_column(
            sa.Column("historical", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_index("ix_cloud_hits_entry", ["list_name", "plate_norm"], unique=False)
    op.create_table(
        "cloud_image_requests",
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        sa.Column("detection_id", sa.String(length=36), nullable=False),
        sa.Column("requested_by", sa.String(length=254), nullable=False),
        _utc("requested_at"),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        _utc("sent_at", nullable=True),
        _utc("stored_at", nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=64), nullable=True),
        sa.Column("blob_key", sa.String(length=255), nullable=True),
        _utc("expires_at", nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("request_id"),
    )
    op.create_index(
        "ix_cloud_image_requests_site_status", "cloud_image_requests", ["site_id", "status"]
    )
    op.create_index("ix_cloud_image_requests_detection", "cloud_image_requests", ["detection_id"])
    op.create_index("ix_cloud_image_requests_expires", "cloud_image_requests", ["expires_at"])
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO cloud_plate_index (site_id, plate_norm, plate_key, reads, "
            "last_received_at) SELECT site_id, plate_norm, MIN(plate_key), COUNT(*), "
            "MAX(received_at) FROM cloud_detections GROUP BY site_id, plate_norm"
        )
    )
    keys = conn.execute(sa.text("SELECT DISTINCT plate_key FROM cloud_plate_index")).scalars()
    insert = sa.text("INSERT INTO cloud_plate_rotations (rotation) VALUES (:rotation)")
    batch: list[dict[str, str]] = []
    for key in keys.all():
        batch.extend({"rotation": r} for r in rotations(key))
        if len(batch) >= _BATCH:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)


def downgrade() -> None:
    op.drop_index("ix_cloud_image_requests_expires", table_name="cloud_image_requests")
    op.drop_index("ix_cloud_image_requests_detection", table_name="cloud_image_requests")
    op.drop_index("ix_cloud_image_requests_site_status", table_name="cloud_image_requests")
    op.drop_table("cloud_image_requests")
    with op.batch_alter_table("cloud_hits") as batch:
        batch.drop_index("ix_cloud_hits_entry")
        batch.drop_column("historical")
    op.drop_table("cloud_plate_rotations")
    op.drop_index("ix_cloud_plate_index_recent", table_name="cloud_plate_index")
    op.drop_index("ix_cloud_plate_index_plate_key", table_name="cloud_plate_index")
    op.drop_table("cloud_plate_index")
