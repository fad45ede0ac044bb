"""What every `edgesync node` command shares: the data-dir and database flags, and opening them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from local_node.config import NodeSettings
from sync_protocol.settings_errors import DATA_DIR_META, DATABASE_META, check_database_url

if TYPE_CHECKING:  # sqlalchemy is imported only by the commands that open the database
    from sqlalchemy.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])


DATABASE_VARIABLE = "EDGESYNC_NODE_DATABASE_URL"
DATA_DIR_VARIABLE = "EDGESYNC_NODE_DATA_DIR"
SECRET_VARIABLE = "EDGESYNC_NODE_DATABASE_SECRET_ARN"


def settings_from(**overrides: Any) -> NodeSettings:
    """Settings from the environment, with the flags that were given (None means not given).

    A bad value raises (pydantic's ValidationError, SettingProblem for the database URL);
    `edgesync` words it. The data dir and database are noted on the click context so that
    a failure to open them later is reported with the variable to check.
    """
    settings = NodeSettings(**{k: v for k, v in overrides.items() if v is not None})
    url = settings.resolved_database_url
    check_database_url(url, DATABASE_VARIABLE)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        from_secret = not settings.database_url and settings.database_secret_arn
        ctx.meta[DATABASE_META] = (SECRET_VARIABLE if from_secret else DATABASE_VARIABLE, url)
        ctx.meta[DATA_DIR_META] = (DATA_DIR_VARIABLE, settings.data_dir)
    return settings


def settings_default(name: str) -> str | bool:
    """A setting's default for `--help` (show_default), or False when it has none to show."""
    default = NodeSettings.model_fields[name].default
    return False if default is None or not isinstance(default, str | int | Path) else str(default)


def data_dir_option(fn: F) -> F:
    """--data-dir, shared by every node command."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="EDGESYNC_NODE_DATA_DIR",
        show_envvar=True,
        show_default=settings_default("data_dir"),
        help="Where the node keeps images, its SQLite database and keys.",
    )(fn)


def database_url_option(fn: F) -> F:
    """--database-url, shared by every node command."""
    return click.option(
        "--database-url",
        envvar="EDGESYNC_NODE_DATABASE_URL",
        show_envvar=True,
        help="sqlite:///PATH or postgresql+psycopg://USER@HOST/DB (default: SQLite in data dir).",
    )(fn)


def open_database(settings: NodeSettings) -> Engine:
    """The node's database, migrated, with its state row (as `node serve` would leave it)."""
    # Imported here so that `--help` and the commands that need no database stay light.
    from local_node.clock import utc_now
    from local_node.db import repo
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade
    from sync_protocol.private_files import private_dir

    private_dir(settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    repo.ensure_state(engine, utc_now())
    return engine
