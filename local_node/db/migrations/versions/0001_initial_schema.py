"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import local_node.db.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "api_tokens",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "cameras",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "hotlist",
        sa.Column("list_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("plate_norm", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("expires_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("updated_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("list_name", "plate_norm"),
    )
    op.create_table(
        "node_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_seq", sa.Integer(), nullable=False),
        sa.Column("hotlist_rev", sa.Integer(), nullable=False),
        sa.Column("created_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "detections",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("camera_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_camera", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("captured_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("plate", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("plate_norm", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("plate_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("bbox", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("vehicle_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("vehicle_make", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("vehicle_model", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("vehicle_color", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("image_path", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("image_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("image_bytes", sa.Integer(), nullable=True),
        sa.Column("image_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("image_pruned_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("has_hit", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["camera_id"],
            ["cameras.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("camera_id", "event_id", name="uq_detections_camera_event"),
        sa.UniqueConstraint("seq"),
    )
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.create_index("ix_detections_camera_seq", ["camera_id", "seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_detections_has_hit"), ["has_hit"], unique=False)
        batch_op.create_index(batch_op.f("ix_detections_plate_key"), ["plate_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_detections_plate_norm"), ["plate_norm"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_detections_received_at"), ["received_at"], unique=False
        )

    op.create_table(
        "hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("detection_seq", sa.Integer(), nullable=False),
        sa.Column("list_name", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("entry_plate", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("match_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("created_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["detection_id"],
            ["detections.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "detection_id", "list_name", "entry_plate", name="uq_hits_detection_entry"
        ),
    )
    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hits_detection_id"), ["detection_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hits_detection_seq"), ["detection_seq"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hits_detection_seq"))
        batch_op.drop_index(batch_op.f("ix_hits_detection_id"))

    op.drop_table("hits")
    with op.batch_alter_table("detections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detections_received_at"))
        batch_op.drop_index(batch_op.f("ix_detections_plate_norm"))
        batch_op.drop_index(batch_op.f("ix_detections_plate_key"))
        batch_op.drop_index(batch_op.f("ix_detections_has_hit"))
        batch_op.drop_index("ix_detections_camera_seq")

    op.drop_table("detections")
    op.drop_table("node_state")
    op.drop_table("hotlist")
    op.drop_table("cameras")
    op.drop_table("api_tokens")
