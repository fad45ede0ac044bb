"""`edgesync node serve`: run the camera API and the local API (and read Frigate's MQTT)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from local_node.cli.options import (
    F,
    data_dir_option,
    database_url_option,
    settings_from,
)
from local_node.config import NodeSettings


def mqtt_options(fn: F) -> F:
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
            show_default="frigate",
            help="Frigate's topic prefix.",
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


@click.command()
@data_dir_option
@database_url_option
@click.option(
    "--host",
    envvar="EDGESYNC_NODE_HOST",
    show_envvar=True,
    default=NodeSettings.model_fields["host"].default,
    help="Bind address.",
)
@click.option(
    "--port",
    type=int,
    envvar="EDGESYNC_NODE_PORT",
    show_envvar=True,
    default=NodeSettings.model_fields["port"].default,
    help="Port.",
)
@click.option(
    "--disk-budget-bytes",
    metavar="SIZE",
    envvar="EDGESYNC_NODE_DISK_BUDGET_BYTES",
    show_envvar=True,
    help="Most bytes the image store may use, e.g. 200GB or 500GiB (oldest images are pruned "
    "first; default: no cap).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    envvar="EDGESYNC_NODE_WORKERS",
    show_envvar=True,
    default=NodeSettings.model_fields["workers"].default,
    show_default=True,
    help="Processes serving HTTP. Above 1, this process holds the port and runs what must "
    "run once per node (sync agent, retention, MQTT, offline alerts) and N worker processes "
    "serve the API on the one port, each writing reads itself (safe together, one disk "
    "budget); a worker that dies is replaced; SIGTERM drains them all. About one per CPU "
    "core is the useful most; with SQLite every commit still takes one file lock.",
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
    disk_budget_bytes: str | None,
    workers: int | None = None,
    no_agent: bool = False,
    **mqtt: Any,
) -> None:
    """Serve the camera API and the local API (default http://127.0.0.1:8080)."""
    import uvicorn

    from local_node.api.server import server_config
    from local_node.main import create_app
    from local_node.serve_lock import ServeLock, ServeLockHeld, several_servers_allowed

    settings = settings_from(
        data_dir=data_dir,
        database_url=database_url,
        host=host,
        port=port,
        disk_budget_bytes=disk_budget_bytes,
        workers=workers,
        sync_agent=False if no_agent else None,
        **_mqtt_settings(**mqtt),
    )
    existed = settings.data_dir.exists()
    lock = ServeLock(settings.data_dir)
    if several_servers_allowed(
        images_in_s3=settings.images_in_s3, database_url=settings.resolved_database_url
    ):
        click.echo(
            "images in S3 and a database server: other servers may share this data dir",
            err=True,
        )
    else:
        try:
            # Held for the process's life (the kernel drops it at exit): a second server on
            # this data dir is refused before it opens the database or binds the port.
            lock.acquire()
        except ServeLockHeld as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(data_dir_line(settings.data_dir, existed=existed), err=True)
    click.echo(f"edgesync node on http://{settings.host}:{settings.port}", err=True)
    try:
        if settings.workers > 1:
            from local_node.workers import CannotListen, serve_workers

            try:
                status = serve_workers(settings, settings.workers)
            except CannotListen as exc:
                raise click.ClickException(str(exc)) from None
            if status:
                raise SystemExit(status)
        else:
            uvicorn.Server(server_config(create_app(settings, freeze_heap=True), settings)).run()
    finally:
        lock.release()


def data_dir_line(data_dir: Path, *, existed: bool) -> str:
    """The start-up line naming where data lives: absolute, and marked when just created."""
    return f"edgesync node data in {data_dir.resolve()}{'' if existed else ' (new)'}"
