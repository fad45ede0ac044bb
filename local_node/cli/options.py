"""What every `edgesync node` command shares: the data-dir and database flags, and opening them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from local_node.config import NodeSettings

if TYPE_CHECKING:  # sqlalchemy is imported only by the commands that open the database
    from sqlalchemy.engine import Engine

F = TypeVar("F", bound=Callable[..., Any])


def settings_from(**overrides: Any) -> NodeSettings:
    """Settings from the environment, with the flags that were given (None means not given)."""
    return NodeSettings(**{k: v for k, v in overrides.items() if v is not None})


def data_dir_option(fn: F) -> F:
    """--data-dir, shared by every node command."""
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="EDGESYNC_NODE_DATA_DIR",
        show_envvar=True,
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
    from local_node.db.engine import make_engine, private_dir
    from local_node.db.migrate import upgrade

    private_dir(settings.data_dir)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    repo.ensure_state(engine, utc_now())
    return engine
