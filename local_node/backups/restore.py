"""Putting a backup back: a SQLite file in place of the database, or a dump via pg_restore.

The node must be stopped (the CLI holds the agent's lock). A backup with a manifest beside
it is checked against it first, so a damaged file never replaces a working database. The
caller then starts a new detection stream (``local_node.sync.backup.start_new_stream``).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, make_url

from local_node.backups.dump import database_kind, libpq, run_tool, url_schema
from local_node.backups.manifest import manifest_path, read_manifest
from local_node.backups.sqlite_file import BackupError, put_in_place
from local_node.backups.verify import check_checksum

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


class RestoreError(BackupError):
    """A backup cannot be restored here; the message says why."""


def file_kind(path: Path) -> str:
    """Return ``sqlite`` or ``postgresql`` by the file's first bytes (RestoreError: neither)."""
    if not path.is_file():
        raise RestoreError(f"no backup file at {path}")
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise RestoreError(f"{path} is neither a SQLite backup nor a pg_dump -Fc archive")


def _prepare_postgresql(url: URL, *, clean: bool) -> None:
    """Refuse a database that holds a node already (unless ``clean``); clear an empty schema.

    A dump of one schema (a URL with a search_path) creates that schema itself, so an empty
    one of that name is dropped first.
    """
    schema = url_schema(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            names = inspect(conn).get_schema_names()
            if schema is not None and schema not in names:
                return
            tables = inspect(conn).get_table_names(schema=schema)
            if tables and not clean:
                raise RestoreError(
                    f"the database already holds {len(tables)} tables (a node?): restore into "
                    "an empty database, or pass --clean to drop them first"
                )
            if schema is not None and not tables:
                quoted = conn.dialect.identifier_preparer.quote(schema)
                conn.execute(text(f"DROP SCHEMA {quoted}"))  # empty: the dump creates it
    finally:
        engine.dispose()


def pg_restore_into(path: Path, url: URL, *, clean: bool) -> None:
    """pg_restore the dump into the node's database (``clean``: drop its objects first)."""
    _prepare_postgresql(url, clean=clean)
    uri, env = libpq(url)
    args = ["pg_restore", "--no-owner", "--exit-on-error"]
    if clean:
        args += ["--clean", "--if-exists"]
    run_tool([*args, "-d", uri, str(path)], env)


def restore_file(path: Path, database_url: str, now: datetime, *, clean: bool) -> Path | None:
    """Restore ``path`` into the node's database; return where a replaced SQLite file is kept."""
    kind = file_kind(path)
    if manifest_path(path).is_file():
        check_checksum(path, read_manifest(path))
    url = make_url(database_url)
    node_kind = database_kind(url)
    if kind != node_kind:
        raise RestoreError(f"{path.name} is a {kind} backup, but this node uses {node_kind}")
    if kind == "sqlite":
        return put_in_place(path, Path(url.database or ""), now)
    pg_restore_into(path, url, clean=clean)
    return None
