"""login failures: the web sign-in back-off shared by every process serving the node

Revision ID: 0016
Revises: 0015

Each serving process kept its own counts, so `--workers N` (and the full cloud's API tasks)
gave a guesser N ramps; ``login_failures`` keeps them in the database they all share.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("forget_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_hash"),
    )
    op.create_index("ix_login_failures_forget_at", "login_failures", ["forget_at"])


def downgrade() -> None:
    op.drop_index("ix_login_failures_forget_at", table_name="login_failures")
    op.drop_table("login_failures")
