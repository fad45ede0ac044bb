"""`edgesync node add-camera` and `create-token`: the keys cameras and scripts present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)

CAMERA_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


@click.command("add-camera")
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
    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    try:
        cred = repo.create_camera(engine, name, utc_now())
    except IntegrityError:
        raise click.ClickException(f"a camera named {name!r} exists already") from None
    if as_json:
        click.echo(json.dumps({"camera_id": cred.id, "api_key": cred.secret}))
    else:
        click.echo(f"camera {name!r} registered as {cred.id}")
        click.echo(f"API key (shown once): {cred.secret}")


@click.command("create-token")
@click.option("--role", type=click.Choice(["viewer", "admin"]), required=True, help="Its role.")
@data_dir_option
@database_url_option
@click.option("--json", "as_json", is_flag=True, help='Print {"token"} only.')
def create_token(role: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Make an API token for scripts and the local UI (shown once, stored hashed)."""
    from local_node.clock import utc_now
    from local_node.db import repo

    engine = open_database(settings_from(data_dir=data_dir, database_url=database_url))
    cred = repo.create_token(engine, role, utc_now())
    if as_json:
        click.echo(json.dumps({"token": cred.secret}))
    else:
        click.echo(f"{role} token (shown once): {cred.secret}")
