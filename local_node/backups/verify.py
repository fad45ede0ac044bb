"""Is a backup sound? Its checksum against its manifest, then a restore into scratch.

SQLite: the file is copied to a temporary file, checked (``PRAGMA quick_check``) and counted.
PostgreSQL: the dump is restored with pg_restore into a scratch database created for it on
the node's server and dropped afterwards (the node's user needs CREATEDB). A server that
refuses CREATE DATABASE gets the weaker check: pg_restore reads the whole archive's table of
contents (``--list``), and the result says the counts were not compared.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from local_node.backups.dump import (
    database_kind,
    file_counts,
    libpq,
    on_database,
    run_tool,
    table_counts,
)
from local_node.backups.manifest import Manifest, sha256_of
from local_node.backups.sqlite_file import BackupError, check_backup


class VerifyError(BackupError):
    """A backup failed verification; the message names what differs."""


@dataclass(frozen=True)
class Verified:
    """A backup verified: the counts restored, or why they could not be compared."""

    counts: dict[str, int] | None
    note: str = ""

    @property
    def compared(self) -> bool:
        """Whether the restored row counts were compared with the manifest's."""
        return self.counts is not None


def check_checksum(path: Path, manifest: Manifest) -> None:
    """Refuse a file whose size or SHA-256 differ from its manifest's."""
    if not path.is_file():
        raise VerifyError(f"no backup file at {path}")
    if path.name != manifest.file:
        raise VerifyError(f"the manifest is of {manifest.file}, not {path.name}")
    size = path.stat().st_size
    if size != manifest.size_bytes:
        raise VerifyError(
            f"checksum mismatch: {path.name} has {size} bytes, its manifest says "
            f"{manifest.size_bytes}"
        )
    digest = sha256_of(path)
    if digest != manifest.sha256:
        raise VerifyError(
            f"checksum mismatch: {path.name} has SHA-256 {digest}, its manifest says "
            f"{manifest.sha256}"
        )


def count_differences(expected: dict[str, int], restored: dict[str, int]) -> list[str]:
    """Return what differs between two sets of row counts (empty: none). Pure."""
    out = []
    for table in sorted(set(expected) | set(restored)):
        want, got = expected.get(table), restored.get(table)
        if want != got:
            out.append(f"{table}: manifest {want}, restored {got}")
    return out


def restore_sqlite_counts(path: Path) -> dict[str, int]:
    """Copy a SQLite backup to a scratch file, check it and count its rows."""
    with tempfile.TemporaryDirectory(prefix="edgesync-verify-") as scratch:
        copy = Path(scratch) / path.name
        shutil.copyfile(path, copy)
        check_backup(copy)
        return file_counts(copy)[0]


def restore_postgresql_counts(path: Path, database_url: str, schema: str | None) -> Verified:
    """pg_restore the dump into a scratch database on the node's server and count its rows."""
    url = make_url(database_url)
    name = f"edgesync_verify_{secrets.token_hex(6)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        except DBAPIError as exc:
            _, env = libpq(url)
            run_tool(["pg_restore", "--list", str(path)], env)  # the archive reads whole
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            return Verified(None, f"archive readable; counts not compared ({reason})")
        try:
            uri, env = libpq(url, database=name)
            run_tool(["pg_restore", "--no-owner", "--exit-on-error", "-d", uri, str(path)], env)
            scratch = create_engine(on_database(url, name))
            try:
                with scratch.connect() as conn:
                    return Verified(table_counts(conn, schema))
            finally:
                scratch.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def verify_backup(path: Path, manifest: Manifest, database_url: str) -> Verified:
    """Check ``path`` against ``manifest`` and by restoring it; VerifyError if it differs.

    ``database_url``: the node's database (PostgreSQL dumps restore into a scratch database
    on its server; SQLite backups need nothing of it).
    """
    check_checksum(path, manifest)
    try:
        if manifest.database == "sqlite":
            result = Verified(restore_sqlite_counts(path))
        else:
            if database_kind(make_url(database_url)) != "postgresql":
                raise VerifyError(
                    f"{path.name} is a PostgreSQL dump: verify it on a PostgreSQL node "
                    "(--database-url)"
                )
            result = restore_postgresql_counts(path, database_url, manifest.schema)
    except VerifyError:
        raise
    except BackupError as exc:  # pg_restore failed, or the SQLite copy is damaged
        raise VerifyError(f"{path.name} does not restore: {exc}") from None
    if result.counts is not None:
        differences = count_differences(manifest.counts, result.counts)
        if differences:
            raise VerifyError(
                f"{path.name} restored with other row counts than its manifest: "
                + "; ".join(differences)
            )
    return result
