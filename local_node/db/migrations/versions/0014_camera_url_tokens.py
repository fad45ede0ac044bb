"""cameras' ingest URL tokens (issue 15): a secret in the path for senders that set no header

Revision ID: 0014
Revises: 0013

``url_token_hash`` is the SHA-256 digest of the camera's one live URL token (``esu_...``), the
credential in ``/api/v1/ingest/<vendor>/k/<token>``; null when the camera has none. Unique, so
one lookup by digest finds the camera, as for its API key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.add_column(sa.Column("url_token_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_cameras_url_token_hash", ["url_token_hash"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("cameras") as batch:
        batch.drop_index("ix_cameras_url_token_hash")
        batch.drop_column("url_token_hash")
