"""offline fallback: the ledger of alerts the node sent itself

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

import local_node.db.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "local_alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hit_id", sa.Integer(), nullable=False),
        sa.Column("detection_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("recipient", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", local_node.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column(
            "provider_message_id", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True
        ),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "hit_id", "channel", "recipient", "attempt", name="uq_local_alert_attempt"
        ),
    )
    op.create_index(
        "ix_local_alert_deliveries_hit", "local_alert_deliveries", ["hit_id", "ok"], unique=False
    )
    op.create_index(
        op.f("ix_local_alert_deliveries_detection_id"),
        "local_alert_deliveries",
        ["detection_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_local_alert_deliveries_detection_id"), table_name="local_alert_deliveries"
    )
    op.drop_index("ix_local_alert_deliveries_hit", table_name="local_alert_deliveries")
    op.drop_table("local_alert_deliveries")
