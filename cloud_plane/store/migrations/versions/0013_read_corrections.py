"""cloud_detections: a read's revision and the plate it had before its latest correction

Revision ID: 0013
Revises: 0012

Issue 15: a camera may send a better reading of an event the node already stored; the node
replaces the read's values under the same id and sends the cloud a correction
(``sync_protocol.corrections``). The cloud updates its row in place and keeps
``revision`` (1 as first stored; a correction applies only when it is newer) and
``previous_plate`` (what the read was before, shown as "corrected").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cloud_detections") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("previous_plate", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cloud_detections") as batch:
        batch.drop_column("previous_plate")
        batch.drop_column("revision")
