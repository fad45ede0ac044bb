"""local users and web sessions: who signs in to the site's web app

Revision ID: 0008
Revises: 0007

``local_users``: username, role (admin | viewer), scrypt password hash, disabled, and a
``version`` bumped on password reset and disable. ``web_sessions``: the SHA-256 digest of a
session id (never the id), its user and the user's version at sign-in, when it was made,
its absolute end and when it was last used.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import local_node.db.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, local_node.db.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "local_users",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        _utc("created_at"),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_version", sa.Integer(), nullable=False),
        _utc("created_at"),
        _utc("expires_at"),
        _utc("last_seen_at"),
        sa.ForeignKeyConstraint(["username"], ["local_users.username"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_web_sessions_username", "web_sessions", ["username"])
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_web_sessions_expires_at", table_name="web_sessions")
    op.drop_index("ix_web_sessions_username", table_name="web_sessions")
    op.drop_table("web_sessions")
    op.drop_table("local_users")
