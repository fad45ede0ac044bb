"""`edgesync node ...`: run the node and manage its cameras, tokens and database."""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from local_node.config import NodeSettings

CAMERA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


def _settings(**overrides: Any) -> NodeSettings:
    return NodeSettings(**{k: v for k, v in overrides.items() if v is not None})


def data_dir_option(fn):
    """--data-dir, shared by every node command."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="EDGESYNC_NODE_DATA_DIR",
        show_envvar=True,
        help="Where the node keeps images, its SQLite database and keys.",
    )(fn)


def database_url_option(fn):
    """--database-url, shared by every node command."""
    return click.option(
        "--database-url",
        envvar="EDGESYNC_NODE_DATABASE_URL",
        show_envvar=True,
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (default: SQLite in data dir).",
    )(fn)


@click.group()
def node() -> None:
    """The local node at a site: camera API, detection log, hotlist, sync agent."""


def mqtt_options(fn):
    """--mqtt and its camera mapping, for `serve` (Frigate's licence-plate events)."""
    options = [
        click.option(
            "--mqtt",
            "mqtt_url",
            metavar="URL",
            envvar="EDGESYNC_NODE_MQTT_URL",
            show_envvar=True,
            help="Read Frigate's plate events from this broker: mqtt://[USER:PASS@]HOST[:PORT].",
        ),
        click.option(
            "--mqtt-camera",
            "mqtt_cameras",
            metavar="FRIGATE_NAME=NODE_CAMERA",
            multiple=True,
            help="Store this Frigate camera's reads as this node camera (repeat the flag). "
            'Env: EDGESYNC_NODE_MQTT_CAMERAS=\'{"FRIGATE_NAME": "NODE_CAMERA"}\'.',
        ),
        click.option(
            "--mqtt-default-camera",
            metavar="NODE_CAMERA",
            envvar="EDGESYNC_NODE_MQTT_DEFAULT_CAMERA",
            show_envvar=True,
            help="Node camera for Frigate cameras not given with --mqtt-camera.",
        ),
        click.option(
            "--mqtt-topic-prefix",
            envvar="EDGESYNC_NODE_MQTT_TOPIC_PREFIX",
            show_envvar=True,
            help="Frigate's topic prefix (default: frigate).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _mqtt_settings(
    *,
    mqtt_url: str | None,
    mqtt_cameras: tuple[str, ...],
    mqtt_default_camera: str | None,
    mqtt_topic_prefix: str | None,
) -> dict[str, Any]:
    """Settings overrides from the MQTT flags (unset flags leave the environment's value)."""
    cameras: dict[str, str] = {}
    for pair in mqtt_cameras:
        frigate, sep, node_camera = pair.partition("=")
        if not sep or not frigate.strip() or not node_camera.strip():
            raise click.BadParameter(
                f"{pair!r} is not FRIGATE_NAME=NODE_CAMERA", param_hint="--mqtt-camera"
            )
        cameras[frigate.strip()] = node_camera.strip()
    if mqtt_url is not None:
        from local_node.ingest.vendors.mqtt import parse_broker_url

        try:
            parse_broker_url(mqtt_url)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--mqtt") from None
    return {
        "mqtt_url": mqtt_url,
        "mqtt_cameras": cameras or None,
        "mqtt_default_camera": mqtt_default_camera,
        "mqtt_topic_prefix": mqtt_topic_prefix,
    }


@node.command()
@data_dir_option
@database_url_option
@click.option("--host", envvar="EDGESYNC_NODE_HOST", show_envvar=True, help="Bind address.")
@click.option("--port", type=int, envvar="EDGESYNC_NODE_PORT", show_envvar=True, help="Port.")
@click.option(
    "--disk-budget-bytes",
    type=int,
    envvar="EDGESYNC_NODE_DISK_BUDGET_BYTES",
    show_envvar=True,
    help="Most bytes the image store may use (oldest images are pruned first).",
)
@mqtt_options
@click.option(
    "--no-agent",
    is_flag=True,
    help="Do not run the sync agent here (run `edgesync node agent` separately).",
)
def serve(
    data_dir: Path | None,
    database_url: str | None,
    host: str | None,
    port: int | None,
    disk_budget_bytes: int | None,
    no_agent: bool = False,
    **mqtt: Any,
) -> None:
    """Serve the camera API and the local API (default http://127.0.0.1:8080)."""
    import uvicorn

    from local_node.main import create_app

    settings = _settings(
        data_dir=data_dir,
        database_url=database_url,
        host=host,
        port=port,
        disk_budget_bytes=disk_budget_bytes,
        sync_agent=False if no_agent else None,
        **_mqtt_settings(**mqtt),
    )
    click.echo(f"edgesync node on http://{settings.host}:{settings.port}", err=True)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=10,
    )


def _services_engine(settings: NodeSettings):
    from local_node.clock import utc_now
    from local_node.db import repo
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    repo.ensure_state(engine, utc_now())
    return engine


@node.command("add-camera")
@click.argument("name")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help='Print {"camera_id", "api_key"} only.')
def add_camera(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Register a camera NAME and print its API key (shown once, stored hashed)."""
    from sqlalchemy.exc import IntegrityError

    from local_node.clock import utc_now
    from local_node.db import repo

    if not CAMERA_NAME.match(name) or ".." in name:
        raise click.BadParameter(
            "use letters, digits, space, dot, dash or underscore (max 64, no '..')",
            param_hint="NAME",
        )
    engine = _services_engine(_settings(data_dir=data_dir, database_url=database_url))
    try:
        cred = repo.create_camera(engine, name, utc_now())
    except IntegrityError:
        raise click.ClickException(f"a camera named {name!r} exists already") from None
    if as_json:
        click.echo(json.dumps({"camera_id": cred.id, "api_key": cred.secret}))
    else:
        click.echo(f"camera {name!r} registered as {cred.id}")
        click.echo(f"API key (shown once): {cred.secret}")


@node.command("create-token")
@click.option("--role", type=click.Choice(["viewer", "admin"]), required=True, help="Its role.")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help='Print {"token"} only.')
def create_token(role: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Make an API token for scripts and the local UI (shown once, stored hashed)."""
    from local_node.clock import utc_now
    from local_node.db import repo

    engine = _services_engine(_settings(data_dir=data_dir, database_url=database_url))
    cred = repo.create_token(engine, role, utc_now())
    if as_json:
        click.echo(json.dumps({"token": cred.secret}))
    else:
        click.echo(f"{role} token (shown once): {cred.secret}")


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@node.command()
@data_dir_option
@database_url_option
@click.option("--since", help="Received at or after (RFC 3339; naive = UTC).")
@click.option("--until", help="Received before (RFC 3339; naive = UTC).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "csv"]),
    default="jsonl",
    show_default=True,
    help="JSON lines or CSV.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Output file (default: stdout)."
)
def export(
    data_dir: Path | None,
    database_url: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Export detections of a time range, streaming, with a progress bar on stderr."""
    from local_node.export import export_detections

    engine = _services_engine(_settings(data_dir=data_dir, database_url=database_url))
    stream = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
    try:
        count = export_detections(
            engine,
            stream,
            fmt=fmt,
            since=_parse_time(since),
            until=_parse_time(until),
            progress=True,
        )
    finally:
        if out:
            stream.close()
    click.echo(f"exported {count} detections", err=True)


@node.group()
def db() -> None:
    """SQLite maintenance: integrity check, optimize, size per table."""


@db.command("check")
@data_dir_option
@database_url_option
def db_check(data_dir: Path | None, database_url: str | None) -> None:
    """Run SQLite's integrity and foreign-key checks; exit 1 on any problem."""
    from local_node import maintenance

    problems = maintenance.check(_sqlite_db(data_dir, database_url))
    for line in problems:
        click.echo(line)
    if problems:
        raise SystemExit(1)
    click.echo("ok")


@db.command("optimize")
@data_dir_option
@database_url_option
@click.option("--vacuum", is_flag=True, help="Also VACUUM (rewrites the file; needs free space).")
def db_optimize(data_dir: Path | None, database_url: str | None, vacuum: bool) -> None:
    """ANALYZE, PRAGMA optimize, WAL checkpoint (and VACUUM if asked)."""
    from local_node import maintenance

    before, after = maintenance.optimize(_sqlite_db(data_dir, database_url), vacuum=vacuum)
    click.echo(f"database file: {before} -> {after} bytes")


@db.command("sizes")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def db_sizes(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Rows and bytes per table and index."""
    from local_node import maintenance

    sizes = maintenance.sizes(_sqlite_db(data_dir, database_url))
    if as_json:
        click.echo(json.dumps(sizes))
        return
    for row in sizes:
        click.echo(
            f"{row['name']:<40} {row['rows'] if row['rows'] is not None else '':>10} "
            f"{row['bytes']:>14}"
        )


def _sqlite_db(data_dir: Path | None, database_url: str | None) -> Path:
    from sqlalchemy.engine import make_url

    settings = _settings(data_dir=data_dir, database_url=database_url)
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "database maintenance here is for SQLite; for PostgreSQL use VACUUM ANALYZE "
            "and pg_total_relation_size"
        )
    path = Path(url.database or "")
    if not path.exists():
        raise click.ClickException(f"no database at {path}")
    return path


# -- sync: enrolment, the agent alone, backup and restore ------------------------------------


@node.command()
@click.option(
    "--cloud",
    "cloud_url",
    metavar="URL",
    envvar="EDGESYNC_NODE_CLOUD_URL",
    show_envvar=True,
    required=True,
    help="The cloud plane's URL, e.g. https://sync.example.com.",
)
@click.option("--code", required=True, help="One-time enrolment code from `cloud create-site`.")
@click.option("--name", "node_name", help="This node's name in the cloud (default: host name).")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help='Print {"site_id"} only.')
def enroll(
    cloud_url: str,
    code: str,
    node_name: str | None,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Join a cloud site: make this node's key pair here and register its public key."""
    import socket

    from local_node.clock import utc_now
    from local_node.sync.client import SyncClient
    from local_node.sync.enroll import EnrollmentFailed
    from local_node.sync.enroll import enroll as do_enroll

    if not cloud_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--cloud")
    settings = _settings(data_dir=data_dir, database_url=database_url)
    engine = _services_engine(settings)
    client = SyncClient(cloud_url, timeout_s=settings.sync.timeout_s)
    try:
        reply = do_enroll(
            engine,
            data_dir=settings.data_dir,
            cloud_url=cloud_url,
            code=code,
            node_name=node_name or socket.gethostname() or "node",
            client=client,
            now=utc_now(),
        )
    except EnrollmentFailed as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        client.close()
        engine.dispose()
    if as_json:
        click.echo(json.dumps({"site_id": reply.site_id}))
    else:
        click.echo(f"enrolled in site {reply.site_name!r} ({reply.site_id}) at {cloud_url}")


@node.command()
@data_dir_option
@database_url_option
def agent(data_dir: Path | None, database_url: str | None) -> None:
    """Run the sync agent alone (beside `node serve --no-agent`); Ctrl-C stops it."""
    import signal
    import threading

    from local_node.clock import utc_now
    from local_node.sync.agent import SyncAgent
    from local_node.sync.lock import AgentLock, AgentLockHeld
    from local_node.sync.scheduler import SyncRunner
    from local_node.sync.wake import WakeListener

    settings = _settings(data_dir=data_dir, database_url=database_url)
    engine = _services_engine(settings)
    try:
        lock = AgentLock(settings.data_dir).acquire()
    except AgentLockHeld as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    agent = SyncAgent(
        engine=engine, settings=settings.sync, data_dir=settings.data_dir, clock=utc_now
    )
    runner = SyncRunner(agent, settings.sync)
    try:
        if not runner.agent.enrolled():
            click.echo("not enrolled yet: waiting for `edgesync node enroll`", err=True)
        runner.start()
        wake = WakeListener(settings.data_dir, runner.wake)  # hits stored by `node serve`
        click.echo("sync agent running", err=True)
        stop.wait()
        wake.close()
    finally:
        runner.stop()
        lock.release()
        engine.dispose()


@node.command()
@data_dir_option
@database_url_option
@click.option(
    "--to",
    "dest",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the backup (default: DATA_DIR/backups).",
)
@click.option("--images", is_flag=True, help="Also copy the image tree beside the database.")
def backup(data_dir: Path | None, database_url: str | None, dest: Path | None, images: bool):
    """A consistent copy of the database while the node runs (SQLite online backup)."""
    from sqlalchemy.engine import make_url

    from local_node.clock import utc_now
    from local_node.sync.backup import BackupError, backup_sqlite, copy_images

    settings = _settings(data_dir=data_dir, database_url=database_url)
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


@node.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
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
    """Put a backup FILE in place (stop the node first) and start a new detection stream."""
    from sqlalchemy.engine import make_url

    from local_node.clock import utc_now
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade
    from local_node.sync.backup import BackupError, put_in_place, start_new_stream
    from local_node.sync.lock import AgentLock, AgentLockHeld

    settings = _settings(data_dir=data_dir, database_url=database_url)
    url = make_url(settings.resolved_database_url)
    if file is None and not new_stream:
        raise click.UsageError("give a backup FILE (or --new-stream after pg_restore)")
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
