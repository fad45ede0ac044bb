"""audit log, retention runs, backup runs (issue 13)

Revision ID: 0010
Revises: 0009

- ``audit_log``: who did what, to what, and why; append-only (a trigger refuses UPDATE,
  DELETE and, on PostgreSQL, TRUNCATE).
- ``retention_runs``: one row per retention run that deleted something.
- ``backup_runs``: one row per database backup, with its checksum and verification.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import local_node.db.types
from sync_protocol import append_only

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _utc(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, local_node.db.types.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("at"),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("detail_json", sa.String(length=4000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    for statement in append_only.create_statements("audit_log", op.get_bind().dialect.name):
        op.execute(statement)
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("started_at"),
        _utc("finished_at"),
        sa.Column("images_pruned", sa.Integer(), nullable=False),
        sa.Column("bytes_freed", sa.BigInteger(), nullable=False),
        sa.Column("rows_deleted", sa.Integer(), nullable=False),
        sa.Column("hotlist_tombstones", sa.Integer(), nullable=False),
        _utc("metadata_cutoff", nullable=True),
        _utc("image_cutoff", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_retention_runs_started_at", "retention_runs", ["started_at"])
    op.create_table(
        "backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _utc("started_at"),
        _utc("finished_at", nullable=True),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=500), nullable=False),
        sa.Column("file", sa.String(length=500), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=True),
        sa.Column("counts_json", sa.String(length=4000), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_backup_runs_started_at", "backup_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_backup_runs_started_at", table_name="backup_runs")
    op.drop_table("backup_runs")
    op.drop_index("ix_retention_runs_started_at", table_name="retention_runs")
    op.drop_table("retention_runs")
    for statement in append_only.drop_statements("audit_log", op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_audit_log_action", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
