"""`edgesync node enroll` and `agent`: join a cloud site, and run the sync agent on its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)
from local_node.cli.serve import data_dir_line

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@click.command()
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
@click.option(
    "--force",
    is_flag=True,
    help="Enrol again although this node is enrolled already (it moves to the code's site).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"site_id"} only.')
def enroll(
    cloud_url: str,
    code: str,
    node_name: str | None,
    data_dir: Path | None,
    database_url: str | None,
    force: bool,
    as_json: bool,
) -> None:
    """Join a cloud site: make this node's key pair here and register its public key."""
    import socket

    from local_node.clock import utc_now
    from local_node.sync.client import SyncClient
    from local_node.sync.enroll import EnrollmentFailed
    from local_node.sync.enroll import enroll as do_enroll
    from sync_protocol.zones import host_zone

    if not cloud_url.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--cloud")
    settings = settings_from(data_dir=data_dir, database_url=database_url)
    engine = open_database(settings)
    if not force:
        _refuse_re_enrolment(engine)
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
            timezone=settings.timezone or host_zone(),
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


def _refuse_re_enrolment(engine: Engine) -> None:
    """Stop with what re-enrolling would do, if this node is enrolled in a site already."""
    from local_node.sync import store

    with engine.connect() as conn:
        state = store.load_state(conn)
    if state["site_id"] is None:
        return
    engine.dispose()
    raise click.ClickException(
        f"this node is already enrolled in site {state['site_id']} at {state['cloud_url']}. "
        "Enrolling again with --force moves it to the code's site: its reads are sent to that "
        "site from the start (a new stream there), and the old site keeps the data it has in "
        "the cloud but gets nothing new (retire it with "
        f"`edgesync cloud sites archive {state['site_id']}`)."
    )


@click.command()
@data_dir_option
@database_url_option
def agent(data_dir: Path | None, database_url: str | None) -> None:
    """Run the sync agent alone (beside `node serve --no-agent`); Ctrl-C stops it.

    It also runs the scheduled database backup (EDGESYNC_NODE_BACKUP_SCHEDULE).
    """
    import signal
    import threading

    from local_node.clock import utc_now
    from local_node.images.choose import open_image_store
    from local_node.sync.agent import SyncAgent
    from local_node.sync.lock import AgentLock, AgentLockHeld
    from local_node.sync.runtime import keep_lock, listen_on_database, schedule_backups
    from local_node.sync.scheduler import SyncRunner
    from local_node.sync.wake import WakeListener

    settings = settings_from(data_dir=data_dir, database_url=database_url)
    existed = settings.data_dir.exists()
    engine = open_database(settings)
    click.echo(data_dir_line(settings.data_dir, existed=existed), err=True)
    try:
        lock = AgentLock(settings.data_dir, engine).acquire()
    except AgentLockHeld as exc:
        engine.dispose()
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    agent = SyncAgent(
        engine=engine,
        settings=settings.sync,
        data_dir=settings.data_dir,
        clock=utc_now,
        images=open_image_store(settings, sync_mode="file"),  # it only reads images
    )
    runner = SyncRunner(agent, settings.sync)
    try:
        if not runner.agent.enrolled():
            click.echo("not enrolled yet: waiting for `edgesync node enroll`", err=True)
        runner.start()
        keep_lock(runner, lock)  # PostgreSQL: the lock's session checked now and then
        schedule_backups(runner, engine, settings, utc_now)  # the node's one scheduled backup
        wake = WakeListener(settings.data_dir, runner.wake)  # hits stored by `node serve`
        db_wake = listen_on_database(engine, runner.wake)  # ... on other machines (PostgreSQL)
        click.echo("sync agent running", err=True)
        stop.wait()
        wake.close()
        if db_wake is not None:
            db_wake.close()
    finally:
        runner.stop()
        lock.release()
        engine.dispose()
