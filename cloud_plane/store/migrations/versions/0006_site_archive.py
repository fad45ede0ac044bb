"""sites: archived_at (an enrolled site retired: revoked, data kept, its name free again)

Revision ID: 0006
Revises: 0005

Site names are unique among sites not archived; the store checks that when a site is
created or renamed rather than by an index, so a database that already holds two sites of
one name still migrates (rename one with `edgesync cloud sites rename`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_plane.store.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cloud_sites") as batch:
        batch.add_column(
            sa.Column(
                "archived_at", cloud_plane.store.types.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_sites") as batch:
        batch.drop_column("archived_at")
