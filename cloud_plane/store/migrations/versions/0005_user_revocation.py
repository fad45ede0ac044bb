"""staff users: disabled flag and token version (revoking staff tokens before they expire)

Revision ID: 0005
Revises: 0004

Disabling a user or resetting their password bumps ``token_version``; the self-hosted
issuer's tokens carry the version they were issued under, so older ones are refused at the
next request. Existing users start enabled at version 0, which is what tokens issued before
this migration (they carry no version) are taken to hold: they stay valid until a bump.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cloud_users") as batch:
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column("token_version", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("cloud_users") as batch:
        batch.drop_column("token_version")
        batch.drop_column("disabled")
