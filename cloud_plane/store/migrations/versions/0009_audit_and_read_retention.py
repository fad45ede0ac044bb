"""issue 13: the audit log, per-site read retention and its run records

Revision ID: 0009
Revises: 0008

- ``cloud_audit_log``: who did what, to what, where and why; append-only (a trigger refuses
  UPDATE, DELETE and, on PostgreSQL, TRUNCATE).
- ``cloud_sites.read_retention_days``: how long this site's reads are kept (NULL: the cloud's
  setting).
- ``cloud_retention_runs``: one row per run that deleted a site's old reads.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cloud_plane.store.types
from sync_protocol import append_only

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _utc(name: str) -> sa.Column:
    return sa.Column(name, cloud_plane.store.types.UTCDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "cloud_audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=True),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cloud_audit_log_at", "cloud_audit_log", ["at"])
    op.create_index("ix_cloud_audit_log_action", "cloud_audit_log", ["action"])
    op.create_index("ix_cloud_audit_log_site_id", "cloud_audit_log", ["site_id"])
    for statement in append_only.create_statements("cloud_audit_log", op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table("cloud_sites") as batch:
        batch.add_column(sa.Column("read_retention_days", sa.Integer(), nullable=True))
    op.create_table(
        "cloud_retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=64), nullable=False),
        _utc("started_at"),
        _utc("finished_at"),
        _utc("cutoff"),
        sa.Column("reads_deleted", sa.Integer(), nullable=False),
        sa.Column("hits_deleted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cloud_retention_runs_site_id", "cloud_retention_runs", ["site_id"])
    op.create_index("ix_cloud_retention_runs_started_at", "cloud_retention_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_cloud_retention_runs_started_at", table_name="cloud_retention_runs")
    op.drop_index("ix_cloud_retention_runs_site_id", table_name="cloud_retention_runs")
    op.drop_table("cloud_retention_runs")
    with op.batch_alter_table("cloud_sites") as batch:
        batch.drop_column("read_retention_days")
    for statement in append_only.drop_statements("cloud_audit_log", op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_cloud_audit_log_site_id", table_name="cloud_audit_log")
    op.drop_index("ix_cloud_audit_log_action", table_name="cloud_audit_log")
    op.drop_index("ix_cloud_audit_log_at", table_name="cloud_audit_log")
    op.drop_table("cloud_audit_log")
