"""What every `edgesync cloud` command shares: the store flags, opening the store, output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cloud_plane.aws.secrets import with_secrets
from cloud_plane.clock import utc_now
from cloud_plane.config import CloudSettings
from cloud_plane.records.audit import CLI_ACTOR, Actor
from sync_protocol.settings_errors import DATA_DIR_META, DATABASE_META, check_database_url

if TYPE_CHECKING:
    from cloud_plane.store.base import CloudStore


def settings_from(**overrides: Any) -> CloudSettings:
    """Settings from the environment and the given flags (None: not given); `edgesync` words a
    bad value.

    The data dir and database are noted on the click context so that a failure to open them
    later names the variable to check.
    """
    settings = CloudSettings(**{k: v for k, v in overrides.items() if v is not None})
    # Against a CDK-deployed cloud an operator sets the stack's secret ARN, as the Lambdas do.
    settings = with_secrets(settings)
    if settings.store == "sql":
        check_database_url(settings.resolved_database_url, "EDGESYNC_CLOUD_DATABASE_URL")
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[DATABASE_META] = ("EDGESYNC_CLOUD_DATABASE_URL", settings.resolved_database_url)
        ctx.meta[DATA_DIR_META] = ("EDGESYNC_CLOUD_DATA_DIR", settings.data_dir)
    return settings


def _default_shown(name: str) -> str | bool:
    """A setting's default for `--help`, or False when it has none to show (computed, unset)."""
    default = CloudSettings.model_fields[name].default
    return str(default) if isinstance(default, str | int | Path) else False


def store_options(fn: Callable) -> Callable:
    """--data-dir and --database-url, shared by every cloud command."""
    fn = click.option(
        "--database-url",
        envvar="EDGESYNC_CLOUD_DATABASE_URL",
        show_envvar=True,
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (default: SQLite in data dir).",
    )(fn)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="EDGESYNC_CLOUD_DATA_DIR",
        show_envvar=True,
        show_default=_default_shown("data_dir"),
        help="Where the cloud keeps its signing key and default SQLite database.",
    )(fn)


def open_store_at(data_dir: Path | None, database_url: str | None) -> CloudStore:
    """The cloud's store, migrated, as the flags and environment name it."""
    from cloud_plane.services import open_store

    return open_store(settings_from(data_dir=data_dir, database_url=database_url))


def cli_actor() -> Actor:
    """The audit log's actor of a command run now (``cli``: whoever runs it holds the store)."""
    return Actor(CLI_ACTOR, utc_now(), "cli")


def fail(message: str) -> NoReturn:
    """Stop the command: a one-line message on stderr, exit code 1."""
    raise click.ClickException(message)


def print_result(as_json: bool, obj: dict[str, Any], text: str) -> None:
    """One JSON object with --json, else the text for people."""
    click.echo(json.dumps(obj) if as_json else text)
