"""`edgesync node backup` (make one now, `verify FILE`, `list`) and `edgesync node restore`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from local_node.cli.options import data_dir_option, database_url_option, settings_from

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from local_node.config import NodeSettings

_DEST_HELP = (
    "Where the backup goes: a folder (e.g. a NAS mount) or s3://bucket/prefix "
    "(default: EDGESYNC_NODE_BACKUP_DESTINATION, else DATA_DIR/backups)."
)


@click.group(invoke_without_command=True)
@data_dir_option
@database_url_option
@click.option("--to", "dest", metavar="DEST", help=_DEST_HELP)
@click.option(
    "--images",
    is_flag=True,
    help="Also copy the image tree beside the backup (a folder destination only; for a "
    "standing mirror use rsync or rclone: docs/operations/backups.md).",
)
@click.option(
    "--verify/--no-verify",
    default=None,
    help="Restore the new backup into a scratch database and compare row counts before it "
    "is kept (default: EDGESYNC_NODE_BACKUP_VERIFY, on).",
)
@click.pass_context
def backup(
    ctx: click.Context,
    data_dir: Path | None,
    database_url: str | None,
    dest: str | None,
    images: bool,
    verify: bool | None,
) -> None:
    """Make a consistent backup of the node's database now (while it runs).

    SQLite: the online backup API; PostgreSQL: pg_dump -Fc (the client tools must be
    installed). A manifest (FILE.manifest.json: size, SHA-256, row counts per table) goes
    beside the backup; then rotation keeps EDGESYNC_NODE_BACKUP_KEEP_DAILY daily and
    _KEEP_WEEKLY weekly backups at the destination. Prints where the backup went. Every run
    is recorded (`edgesync node backup list`). The scheduled backup runs in the process that
    runs the sync agent (EDGESYNC_NODE_BACKUP_SCHEDULE). Images are not copied unless asked.
    """
    if ctx.invoked_subcommand is not None:
        return
    from local_node.backups.destinations import S3_SCHEME, FolderDestination
    from local_node.backups.job import destination_of, run_backup
    from local_node.backups.sqlite_file import copy_images
    from local_node.clock import utc_now

    overrides: dict[str, object] = {}
    if dest is not None:
        overrides["destination"] = dest
    if verify is not None:
        overrides["verify"] = verify
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    settings = settings.model_copy(update={"backup": settings.backup.model_copy(update=overrides)})
    if images and (settings.backup.destination or "").startswith(S3_SCHEME):
        raise click.UsageError(
            "--images needs a folder destination (mirror images to S3 with rclone)"
        )
    if images and settings.images_in_s3:
        raise click.UsageError(
            "--images copies a local image folder; these images are in S3 "
            f"({settings.image_store}): keep them with the bucket's versioning or replication"
        )
    engine = _open(settings)
    try:
        target = destination_of(settings)
        outcome = run_backup(engine, settings, utc_now, trigger="cli", destination=target)
    finally:
        engine.dispose()
    if outcome.status != "ok":
        raise click.ClickException(f"backup failed: {outcome.error}")
    where = (
        str(target.folder / outcome.file)
        if isinstance(target, FolderDestination) and outcome.file
        else f"{target.label}{outcome.file}"
    )
    click.echo(where)
    if outcome.verified is False:
        click.echo("verified by reading the archive only (no scratch database allowed)", err=True)
    if images and isinstance(target, FolderDestination):
        copied_to = Path(where).with_suffix(".images")
        count = copy_images(settings.images_dir, copied_to)
        click.echo(f"{count} images copied to {copied_to}", err=True)


def _open(settings: NodeSettings) -> Engine:
    """The node's database (migrated), or a clear error if it cannot be reached."""
    from sqlalchemy.exc import OperationalError

    from local_node.cli.options import open_database

    try:
        return open_database(settings)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise click.ClickException(f"cannot open the node's database: {reason}") from None


@backup.command("verify")
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@data_dir_option
@database_url_option
def verify_command(file: Path, data_dir: Path | None, database_url: str | None) -> None:
    """Check a backup FILE against its manifest and by restoring it into scratch.

    The file's SHA-256 and size must match FILE.manifest.json; then the backup is restored
    into a scratch database and its row counts compared with the manifest's.

    A PostgreSQL dump restores into a scratch database created on the node's server
    (--database-url) and dropped afterwards. Exits non-zero, saying what differs, if the
    backup is not sound.
    """
    from local_node.backups.manifest import read_manifest
    from local_node.backups.sqlite_file import BackupError
    from local_node.backups.verify import verify_backup

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    try:
        manifest = read_manifest(file)
        result = verify_backup(file, manifest, settings.resolved_database_url)
    except BackupError as exc:  # no manifest, a checksum or count mismatch, no restore
        raise click.ClickException(str(exc)) from None
    if result.compared:
        tables = len(result.counts or {})
        click.echo(f"{file.name}: checksum ok, restored, row counts match ({tables} tables)")
    else:
        click.echo(f"{file.name}: checksum ok; {result.note}")


@backup.command("list")
@data_dir_option
@database_url_option
@click.option("--limit", default=20, show_default=True, help="Newest runs to show.")
def list_command(data_dir: Path | None, database_url: str | None, limit: int) -> None:
    """The recent backup runs (scheduled and by hand), newest first.

    Each line: when it started (UTC), scheduled or by hand (cli), ok or failed, the
    destination, and the file (verified or not) or the error.
    """
    from local_node.backups.health import recent_runs

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    engine = _open(settings)
    try:
        with engine.connect() as conn:
            runs = recent_runs(conn, limit)
    finally:
        engine.dispose()
    if not runs:
        click.echo("no backups yet")
    for run in runs:
        verified = {True: "verified", False: "archive read", None: "-"}[run.verified]
        detail = run.error if run.status == "failed" else f"{run.file} {verified}"
        click.echo(
            f"{run.started_at:%Y-%m-%d %H:%M:%SZ}  {run.trigger:<8}  {run.status:<7}  "
            f"{run.destination}  {detail}"
        )


@click.command()
# FILE is required except with --new-stream (after a pg_restore by hand), so the usage shows
# it without brackets and the command itself refuses a missing one.
@click.argument(
    "file", required=False, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path)
)
@data_dir_option
@database_url_option
@click.option(
    "--clean",
    is_flag=True,
    help="PostgreSQL: drop the node's tables before restoring (else the database must be "
    "empty of them).",
)
@click.option(
    "--new-stream",
    is_flag=True,
    help="Only start a new stream (after restoring PostgreSQL with pg_restore by hand).",
)
def restore(
    file: Path | None,
    data_dir: Path | None,
    database_url: str | None,
    clean: bool,
    new_stream: bool,
) -> None:
    """Put a backup FILE back (stop the node first) and start a new detection stream.

    FILE is a backup made by `edgesync node backup` or the schedule: a SQLite file (it
    replaces the node's database, which is kept beside it) or a PostgreSQL dump (restored
    with pg_restore into the node's database, which must be empty of node tables unless
    --clean). New reads then go to a new stream, so the cloud never mistakes them for
    reads it already holds.
    """
    from local_node.backups.restore import restore_file
    from local_node.backups.sqlite_file import BackupError
    from local_node.clock import utc_now
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade
    from local_node.sync.backup import start_new_stream
    from local_node.sync.lock import AgentLock, AgentLockHeld

    if file is None and not new_stream:
        raise click.UsageError(
            "Missing argument 'FILE': a backup from `edgesync node backup` "
            "(or --new-stream after a pg_restore by hand)"
        )
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    try:
        lock = AgentLock(settings.data_dir).acquire()  # a running node's agent holds it
    except AgentLockHeld:
        raise click.ClickException("the node (or its agent) is running: stop it first") from None
    try:
        now = utc_now()
        if file is not None:
            try:
                kept = restore_file(file, settings.resolved_database_url, now, clean=clean)
            except BackupError as exc:  # not a backup, damaged, or pg_restore failed
                raise click.ClickException(str(exc)) from None
            if kept is not None:
                click.echo(f"the replaced database is kept as {kept}", err=True)
        engine = make_engine(settings.resolved_database_url)
        try:
            upgrade(engine)
            stream_id = start_new_stream(engine, now)
        finally:
            engine.dispose()
    finally:
        lock.release()
    click.echo(f"restored; new reads go to the new stream {stream_id}")
