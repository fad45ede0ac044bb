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
def serve(
    data_dir: Path | None,
    database_url: str | None,
    host: str | None,
    port: int | None,
    disk_budget_bytes: int | None,
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
