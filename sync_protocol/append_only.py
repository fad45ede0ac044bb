"""Triggers that make a table append-only (the audit logs of node and cloud, issue 13).

The database itself refuses UPDATE and DELETE, so a bug or a hostile code path cannot
rewrite the record; only dropping the trigger (a schema change, visible in migrations)
could. Written for SQLite and PostgreSQL, the two SQL engines both planes run on.
"""

from __future__ import annotations

APPEND_ONLY_MESSAGE = "is append-only"


def create_statements(table: str, dialect: str) -> list[str]:
    """DDL refusing UPDATE and DELETE on ``table`` for the ``dialect`` (sqlite, postgresql)."""
    message = f"{table} {APPEND_ONLY_MESSAGE}"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {table}_refuse_change() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_refuse_change()",
        ]
    raise ValueError(f"no append-only trigger for the {dialect} dialect")


def drop_statements(table: str, dialect: str) -> list[str]:
    """DDL undoing ``create_statements`` (for a migration's downgrade)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_{v}" for v in ("update", "delete")]
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"DROP FUNCTION IF EXISTS {table}_refuse_change()",
        ]
    raise ValueError(f"no append-only trigger for the {dialect} dialect")
