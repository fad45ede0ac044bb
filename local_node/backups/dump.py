"""Consistent dumps of the node's database, and what a database holds (row counts).

SQLite: the online backup API (``sqlite_file.backup_sqlite``): one snapshot
while the writer commits. PostgreSQL: ``pg_dump -Fc --no-owner`` run on a snapshot the node
exported (``pg_export_snapshot``) in the transaction that counts the rows, so the counts in
the manifest are exactly what the dump holds. The password goes to pg_dump in PGPASSWORD,
never on its command line (which any user of the host may read) nor in a log.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import URL, Connection, make_url

from local_node.backups.manifest import backup_name
from local_node.backups.sqlite_file import BackupError, backup_sqlite

PG_TIMEOUT_S = 6 * 3600  # a dump or restore that runs longer than this is stuck
_SEARCH_PATH = re.compile(r"search_path\s*=\s*([A-Za-z_][A-Za-z0-9_]*)")


class DumpError(BackupError):
    """A dump, a restore or pg_dump/pg_restore failed; the message says why."""


@dataclass(frozen=True)
class Dumped:
    """A dump made: the file, its rows per table and its migration revision."""

    path: Path
    counts: dict[str, int]
    schema_revision: str | None
    schema: str | None = None


def database_kind(url: URL) -> str:
    """Return ``sqlite`` or ``postgresql`` for a database URL (DumpError for another)."""
    name = url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise DumpError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def url_schema(url: URL) -> str | None:
    """Return the schema a PostgreSQL URL puts first on its search_path (None: default)."""
    options = url.query.get("options")
    values = options if isinstance(options, tuple) else (options or "",)
    for value in values:
        if match := _SEARCH_PATH.search(value):
            return match.group(1)
    return None


def on_database(url: URL, database: str) -> URL:
    """``url`` connecting to another database on the same server.

    Its search_path option goes (it names a schema of the node's database); everything else
    in the query stays, above all the TLS settings (sslmode, sslrootcert: RDS refuses
    connections without TLS, and they must still verify the server).
    """
    return url.set(database=database, query={k: v for k, v in url.query.items() if k != "options"})


def libpq(url: URL, *, database: str | None = None) -> tuple[str, dict[str, str]]:
    """Return a libpq connection URI without the password, and the environment giving it.

    ``database``: connect to that database instead (``on_database``).
    """
    # URL.create, not url.set(password=None): set() takes None as "unchanged", and the
    # password would ride in the tool's command line, readable by any local user in ps.
    plain = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    if database is not None:
        plain = on_database(plain, database)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return plain.render_as_string(hide_password=False), env


def run_tool(args: list[str], env: dict[str, str]) -> str:
    """Run pg_dump/pg_restore; DumpError with its own message if it fails."""
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT_S, check=False
        )
    except FileNotFoundError:
        raise DumpError(f"{args[0]} is not installed (PostgreSQL client tools)") from None
    except subprocess.TimeoutExpired:
        raise DumpError(f"{args[0]} did not finish within {PG_TIMEOUT_S} s") from None
    if done.returncode != 0:
        raise DumpError(f"{args[0]} failed: {done.stderr.strip()[-1000:]}")
    return done.stdout


def table_counts(conn: Connection, schema: str | None = None) -> dict[str, int]:
    """Return the rows of every table (of ``schema``, else the default one), by table name."""
    quote = conn.dialect.identifier_preparer.quote
    prefix = f"{quote(schema)}." if schema else ""
    return {
        name: int(conn.execute(text(f"SELECT count(*) FROM {prefix}{quote(name)}")).scalar_one())
        for name in sorted(inspect(conn).get_table_names(schema=schema))
    }


def schema_revision(conn: Connection, schema: str | None = None) -> str | None:
    """Return the database's migration revision (None if it has none)."""
    if "alembic_version" not in inspect(conn).get_table_names(schema=schema):
        return None
    prefix = f"{conn.dialect.identifier_preparer.quote(schema)}." if schema else ""
    return conn.execute(text(f"SELECT version_num FROM {prefix}alembic_version")).scalar()


def file_counts(path: Path) -> tuple[dict[str, int], str | None]:
    """Return the row counts and revision of a SQLite file (opened read-only)."""
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            return table_counts(conn), schema_revision(conn)
    finally:
        engine.dispose()


def dump_sqlite(db_path: Path, folder: Path, at: datetime) -> Dumped:
    """Copy the live SQLite database into ``folder`` (online backup API)."""
    made = backup_sqlite(db_path, folder, at)  # named as manifest.backup_name names it
    counts, revision = file_counts(made)
    return Dumped(made, counts, revision)


def dump_postgresql(url: URL, target: Path) -> Dumped:
    """``pg_dump -Fc`` the node's database (its schema, if its URL names one) to ``target``."""
    schema = url_schema(url)
    uri, env = libpq(url)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                counts = table_counts(conn, schema)
                revision = schema_revision(conn, schema)
                args = ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(target)]
                if schema:
                    args += ["-n", schema]
                run_tool([*args, "-d", uri], env)  # while the snapshot's transaction is open
    finally:
        engine.dispose()
    return Dumped(target, counts, revision, schema)


def dump(database_url: str, folder: Path, at: datetime) -> Dumped:
    """Dump the database at ``database_url`` into ``folder`` as made at ``at``."""
    url = make_url(database_url)
    folder.mkdir(parents=True, exist_ok=True)
    kind = database_kind(url)
    if kind == "sqlite":
        return dump_sqlite(Path(url.database or ""), folder, at)
    return dump_postgresql(url, folder / backup_name(at, kind))
