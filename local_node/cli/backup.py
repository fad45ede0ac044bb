"""`edgesync node backup` and `restore`: a consistent copy while running, and putting one back."""

from __future__ import annotations

from pathlib import Path

import click

from local_node.cli.options import data_dir_option, database_url_option, settings_from


@click.command()
@data_dir_option
@database_url_option
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the backup (default: DATA_DIR/backups).",
)
@click.option("--images", is_flag=True, help="Also copy the image tree beside the database.")
def backup(
    data_dir: Path | None, database_url: str | None, dest: Path | None, images: bool
) -> None:
    """A consistent copy of the database while the node runs (SQLite online backup)."""
    from sqlalchemy.engine import make_url

    from local_node.clock import utc_now
    from local_node.sync.backup import BackupError, backup_sqlite, copy_images

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "this node uses PostgreSQL: back it up with pg_dump (pg_dump -Fc DB > node.dump); "
            "after pg_restore run `edgesync node restore --new-stream`"
        )
    dest = dest or settings.data_dir / "backups"
    try:
        path = backup_sqlite(Path(url.database or ""), dest, utc_now())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(str(path))
    if images:
        count = copy_images(settings.images_dir, path.with_suffix(".images"))
        click.echo(f"{count} images copied to {path.with_suffix('.images')}", err=True)


@click.command()
# FILE is required except with --new-stream (after pg_restore), so the usage shows it
# without brackets and the command itself refuses a missing one.
@click.argument(
    "file", required=False, metavar="FILE", type=click.Path(dir_okay=False, path_type=Path)
)
@data_dir_option
@database_url_option
@click.option(
    "--new-stream",
    is_flag=True,
    help="Only start a new stream (after restoring PostgreSQL with pg_restore).",
)
def restore(
    file: Path | None, data_dir: Path | None, database_url: str | None, new_stream: bool
) -> None:
    """Put a backup FILE in place (stop the node first) and start a new detection stream.

    FILE is a backup made by `edgesync node backup`. On PostgreSQL, restore with pg_restore
    and then run this command with --new-stream and no FILE.
    """
    from sqlalchemy.engine import make_url

    from local_node.clock import utc_now
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade
    from local_node.sync.backup import BackupError, put_in_place, start_new_stream
    from local_node.sync.lock import AgentLock, AgentLockHeld

    if file is None and not new_stream:
        raise click.UsageError(
            "Missing argument 'FILE': a backup from `edgesync node backup` "
            "(or, on PostgreSQL, --new-stream after pg_restore)"
        )
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    url = make_url(settings.resolved_database_url)
    try:
        lock = AgentLock(settings.data_dir).acquire()  # a running node's agent holds it
    except AgentLockHeld:
        raise click.ClickException("the node (or its agent) is running: stop it first") from None
    try:
        now = utc_now()
        if file is not None:
            if url.get_backend_name() != "sqlite":
                raise click.ClickException(
                    "this node uses PostgreSQL: restore with pg_restore, then run "
                    "`edgesync node restore --new-stream`"
                )
            try:
                kept = put_in_place(file, Path(url.database or ""), now)
            except BackupError as exc:
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
