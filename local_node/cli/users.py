"""`edgesync node create-user` and `node users ...`: who may sign in to the site's web app."""

from __future__ import annotations

import json
from pathlib import Path

import click

from local_node.cli.options import (
    data_dir_option,
    database_url_option,
    open_database,
    settings_from,
)

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object on stdout."
)


def _engine(data_dir: Path | None, database_url: str | None):
    return open_database(settings_from(data_dir=data_dir, database_url=database_url))


def _auditor(engine):
    """Every change made here is recorded in the audit log with the actor `cli`."""
    from local_node.audit.recorder import cli_auditor
    from local_node.clock import utc_now

    return cli_auditor(engine, utc_now)


def _run(action):
    """Run a use case, turning its domain error into a one-line CLI error."""
    from local_node.errors import NodeError

    try:
        return action()
    except NodeError as e:
        raise click.ClickException(e.detail) from None


@click.command("create-user")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "viewer"]), required=True, help="Its role.")
@click.option(
    "--password",
    help="Its password (at least 8 characters); generated and shown once if not given.",
)
@data_dir_option
@database_url_option
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"username", "password", "role"} only.'
)
def create_user(
    name: str,
    role: str,
    password: str | None,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
) -> None:
    """Add a user NAME who signs in to the web app at the node's `/` (password stored hashed)."""
    from local_node import users
    from local_node.clock import utc_now

    engine = _engine(data_dir, database_url)
    made = _run(
        lambda: users.create_user(engine, name, role, utc_now(), password, _auditor(engine))
    )
    if as_json:
        click.echo(json.dumps({"username": made.username, "password": made.password, "role": role}))
        return
    click.echo(f"{role} {made.username!r} created")
    if password is None:
        click.echo(f"password (shown once): {made.password}")


@click.group()
def users() -> None:
    """List, disable, enable, reset the password of, delete web app users."""


@users.command("list")
@data_dir_option
@database_url_option
@json_option
def list_users(data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """List users: name, role, whether disabled, created."""
    from local_node import users as use

    rows = use.list_users(_engine(data_dir, database_url))
    if as_json:
        click.echo(json.dumps({"users": list(rows)}))
        return
    if not rows:
        click.echo("no users (add one with: edgesync node create-user NAME --role admin)")
    for r in rows:
        state = "disabled" if r["disabled"] else "active"
        click.echo(f"{r['username']:<24} {r['role']:<6} {state:<8} created {r['created_at']}")


def _set_disabled(name: str, disabled: bool, data_dir, database_url, as_json: bool) -> None:
    from local_node import users as use

    engine = _engine(data_dir, database_url)
    row = _run(lambda: use.set_disabled(engine, name, disabled, _auditor(engine)))
    if as_json:
        click.echo(json.dumps(row))
    else:
        click.echo(
            f"user {name!r} " + ("disabled; their sessions ended" if disabled else "enabled")
        )


@users.command("disable")
@click.argument("name")
@data_dir_option
@database_url_option
@json_option
def disable(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Refuse NAME's sign-in; their open sessions end at once."""
    _set_disabled(name, True, data_dir, database_url, as_json)


@users.command("enable")
@click.argument("name")
@data_dir_option
@database_url_option
@json_option
def enable(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Let NAME sign in again."""
    _set_disabled(name, False, data_dir, database_url, as_json)


@users.command("reset-password")
@click.argument("name")
@click.option("--password", help="The new password; generated and shown once if not given.")
@data_dir_option
@database_url_option
@json_option
def reset_password(
    name: str, password: str | None, data_dir: Path | None, database_url: str | None, as_json: bool
) -> None:
    """Give NAME a new password; their open sessions end at once."""
    from local_node import users as use

    engine = _engine(data_dir, database_url)
    made = _run(lambda: use.reset_password(engine, name, password, _auditor(engine)))
    if as_json:
        click.echo(
            json.dumps({"username": made.username, "password": made.password, "role": made.role})
        )
        return
    click.echo(f"user {name!r} has a new password; their sessions ended")
    if password is None:
        click.echo(f"password (shown once): {made.password}")


@users.command("delete")
@click.argument("name")
@data_dir_option
@database_url_option
@json_option
def delete(name: str, data_dir: Path | None, database_url: str | None, as_json: bool) -> None:
    """Delete NAME; their open sessions end at once."""
    from local_node import users as use

    engine = _engine(data_dir, database_url)
    _run(lambda: use.delete_user(engine, name, _auditor(engine)))
    click.echo(
        json.dumps({"username": name, "deleted": True}) if as_json else f"user {name!r} deleted"
    )
