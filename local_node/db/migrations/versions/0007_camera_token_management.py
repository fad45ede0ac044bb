"""day-2 management: rotated camera keys with a grace period, deleted cameras, named tokens

Revision ID: 0007
Revises: 0006

Cameras: ``previous_key_hash`` stays valid until ``previous_key_expires_at`` after a
rotation; ``deleted_at`` marks a camera whose key no longer works but whose reads are kept
(the detections reference it). Tokens: an optional ``name``, an expiry, a revocation time and
when the token was last used (to within a minute).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import local_node.db.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, local_node.db.types.UTCDateTime(timezone=True), nullable=True)


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("previous_key_hash", sa.String(length=64), nullable=True))
        batch.add_column(_utc("previous_key_expires_at"))
        batch.add_column(_utc("deleted_at"))
        batch.create_index("ix_cameras_previous_key_hash", ["previous_key_hash"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("name", sa.String(length=64), nullable=True))
        batch.add_column(_utc("expires_at"))
        batch.add_column(_utc("revoked_at"))
        batch.add_column(_utc("last_used_at"))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("last_used_at")
        batch.drop_column("revoked_at")
        batch.drop_column("expires_at")
        batch.drop_column("name")
    with op.batch_alter_table("cameras") as batch:
        batch.drop_index("ix_cameras_previous_key_hash")
        batch.drop_column("deleted_at")
        batch.drop_column("previous_key_expires_at")
        batch.drop_column("previous_key_hash")
