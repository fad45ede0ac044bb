"""hotlist owners: every entry is the cloud's or one site's; refused ops kept for staff

Revision ID: 0004
Revises: 0003

Existing entries: an entry whose winning op came from a site (its op log row names the
signing site) becomes ``site:<site_id>``, attributed to that site, with the user the node
claimed kept as ``reported_by``; every other entry is the cloud's (staff made it).

Every entry then moves to a new version (shifted past the current one), so each node pulls
all of them once as a delta and learns their owners: without it a node would keep guessing
owners for rows it already holds (node migration 0006) until each entry next changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

WINNING_SITE = (
    "(SELECT o.site_id FROM cloud_hotlist_ops o"
    " WHERE o.op_id = cloud_hotlist.op_id AND o.site_id IS NOT NULL)"
)


def upgrade() -> None:
    op.add_column(
        "cloud_hotlist",
        sa.Column("owner", sa.String(length=80), nullable=False, server_default="cloud"),
    )
    op.add_column("cloud_hotlist", sa.Column("reported_by", sa.String(length=64), nullable=True))
    op.add_column("cloud_hotlist_ops", sa.Column("action", sa.String(length=8), nullable=True))
    op.add_column("cloud_hotlist_ops", sa.Column("list_name", sa.String(length=64), nullable=True))
    op.add_column("cloud_hotlist_ops", sa.Column("plate_norm", sa.String(length=20), nullable=True))
    op.add_column(
        "cloud_hotlist_ops", sa.Column("reported_by", sa.String(length=64), nullable=True)
    )
    op.execute(
        "UPDATE cloud_hotlist SET"
        f" owner = 'site:' || {WINNING_SITE},"
        " reported_by = updated_by,"
        f" updated_by = 'site:' || {WINNING_SITE}"
        f" WHERE {WINNING_SITE} IS NOT NULL"
    )
    # All versions are <= the counter, so adding it keeps them unique at every row.
    op.execute(
        "UPDATE cloud_hotlist SET version = version + COALESCE("
        "(SELECT int_value FROM cloud_meta WHERE name = 'hotlist_version'), 0)"
    )
    op.execute("UPDATE cloud_meta SET int_value = int_value * 2 WHERE name = 'hotlist_version'")


def downgrade() -> None:
    # Versions stay shifted (nodes only ever move forward); attribution stays the site's.
    with op.batch_alter_table("cloud_hotlist_ops") as batch:
        for column in ("reported_by", "plate_norm", "list_name", "action"):
            batch.drop_column(column)
    with op.batch_alter_table("cloud_hotlist") as batch:
        batch.drop_column("reported_by")
        batch.drop_column("owner")
