"""What every `edgesync cloud` command shares: the store flags, opening the store, output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from cloud_plane.config import CloudSettings

if TYPE_CHECKING:
    from cloud_plane.store.base import CloudStore


def settings_from(**overrides: Any) -> CloudSettings:
    """Settings from the environment, with the flags that were given (None: not given)."""
    return CloudSettings(**{k: v for k, v in overrides.items() if v is not None})


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
        help="Where the cloud keeps its signing key and default SQLite database.",
    )(fn)


def open_store_at(data_dir: Path | None, database_url: str | None) -> CloudStore:
    """The cloud's store, migrated, as the flags and environment name it."""
    from cloud_plane.services import open_store

    return open_store(settings_from(data_dir=data_dir, database_url=database_url))


def fail(message: str) -> NoReturn:
    """Stop the command: a one-line message on stderr, exit code 1."""
    raise click.ClickException(message)


def print_result(as_json: bool, obj: dict[str, Any], text: str) -> None:
    """One JSON object with --json, else the text for people."""
    click.echo(json.dumps(obj) if as_json else text)
