"""The `edgesync` command: a thin front door that loads each service's commands lazily.

The services never import each other; this module only names where their commands live,
so `edgesync node ...` never loads the cloud plane and vice versa.

It is also the one place where a configuration mistake becomes one or two lines on stderr
and exit status 2 instead of a traceback (`--debug` shows the traceback as well); see
`explain_error`.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import re
import sys
import traceback

import click
from pydantic import ValidationError
from pydantic_settings import SettingsError

from sync_protocol.log_format import FORMATS, LogFormat
from sync_protocol.log_format import configure as log_format_config
from sync_protocol.settings_errors import (
    DATA_DIR_META,
    DATABASE_META,
    SettingProblem,
    explain_validation_error,
    redact_url,
)

SUBCOMMANDS = {
    "node": ("local_node.cli", "node", "The local node at a site: serve, cameras, tokens."),
    "cloud": ("cloud_plane.cli", "cloud", "The cloud control plane: serve, sites, users."),
    "camera": ("edgesync.camera", "camera", "Simulated cameras for tests and demos."),
    "demo": ("edgesync.demo", "demo", "The whole hybrid system on one machine."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in SUBCOMMANDS:
            return None
        module, attr, _ = SUBCOMMANDS[name]
        try:
            return getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(module.split(".")[0]):
                return _unavailable(name, SUBCOMMANDS[name][2])
            raise

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, _, help_) in sorted(SUBCOMMANDS.items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            lines = None if isinstance(exc, click.ClickException) else explain_error(exc, ctx)
            if lines is None:
                raise
            if ctx.params.get("debug") or str(ctx.params.get("log_level")).upper() == "DEBUG":
                traceback.print_exception(exc)
            raise ConfigurationError("\n".join(lines)) from exc


class ConfigurationError(click.ClickException):
    """A setting, option or environment the command cannot run with (exit status 2)."""

    exit_code = 2


DATA_DIR_ERRNOS = frozenset(
    {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EEXIST, errno.ENOSPC}
)
"""Why a data dir (or a file in it) cannot be created or written."""


def _service_prefix(ctx: click.Context) -> str:
    service = ctx.invoked_subcommand or (ctx.protected_args or ["node"])[0]
    return f"EDGESYNC_{service.upper()}_"


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 240 else text[:237] + "..."


def explain_error(exc: BaseException, ctx: click.Context) -> list[str] | None:
    """The lines that say what to fix, or None for an error that is not a configuration one."""
    prefix = _service_prefix(ctx)
    if isinstance(exc, SettingProblem):
        return [str(exc)]
    if isinstance(exc, ValidationError):
        return explain_validation_error(exc)
    if isinstance(exc, SettingsError):
        # pydantic-settings could not parse a JSON-valued variable (a list or an object).
        field = re.search(r'field "(\w+)"', str(exc))
        variable = prefix + field.group(1).upper() if field else f"{prefix}*"
        return [f"{variable} is not accepted: not valid JSON (lists and objects are JSON)"]
    if isinstance(exc, OSError) and exc.errno in DATA_DIR_ERRNOS and exc.filename:
        variable, path = ctx.meta.get(DATA_DIR_META, (f"{prefix}DATA_DIR", None))
        where = f"{variable}={str(path)!r}" if path is not None else variable
        return [
            f"cannot use {exc.filename}: {exc.strerror or _first_line(exc)}",
            f"check {where} (or --data-dir): a folder this user may create and write",
        ]
    database = _database_error(exc) or _not_a_database_file(exc)
    if database is not None:
        variable, url = ctx.meta.get(DATABASE_META, (f"{prefix}DATABASE_URL", None))
        shown = f"database {redact_url(url)}" if url else "database"
        return [
            f"cannot open the {shown}: {database}",
            f"check {variable} (or --database-url)",
        ]
    config_error = _cloud_config_error(exc)
    if config_error is not None:
        return [config_error]
    return None


def _database_error(exc: BaseException) -> str | None:
    """The reason, if ``exc`` is SQLAlchemy failing to connect or to load the URL's dialect."""
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_exc is None:  # no database was touched
        return None
    if isinstance(exc, sqlalchemy_exc.OperationalError | sqlalchemy_exc.InterfaceError):
        return _first_line(exc.orig) if exc.orig is not None else _first_line(exc)
    if isinstance(exc, sqlalchemy_exc.ArgumentError):  # bad URL, unknown dialect
        return _first_line(exc)
    return None


def _not_a_database_file(exc: BaseException) -> str | None:
    """The reason, if ``exc`` is a SQLite URL naming a directory."""
    private_files = sys.modules.get("sync_protocol.private_files")
    if private_files is not None and isinstance(exc, private_files.NotADatabaseFile):
        return str(exc)
    return None


def _cloud_config_error(exc: BaseException) -> str | None:
    """The detail of the cloud's ConfigError (a setting it cannot serve), if that is ``exc``."""
    errors = sys.modules.get("cloud_plane.errors")  # loaded only by `edgesync cloud`
    if errors is not None and isinstance(exc, errors.ConfigError):
        return str(exc.detail)
    return None


def _unavailable(name: str, help_: str) -> click.Command:
    @click.command(name=name, help=help_ + " (not built yet)")
    def missing() -> None:
        raise click.ClickException(f"`edgesync {name}` is not available in this build")

    return missing


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
@click.option(
    "--debug",
    is_flag=True,
    help="Show the traceback of an error as well (so does --log-level DEBUG).",
)
@click.option(
    "--log-level",
    default="INFO",
    envvar="EDGESYNC_LOG_LEVEL",
    show_envvar=True,
    show_default=True,
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    help="How much to log (to stderr).",
)
@click.option(
    "--log-format",
    default="text",
    envvar="EDGESYNC_LOG_FORMAT",
    show_envvar=True,
    show_default=True,
    type=click.Choice(FORMATS, case_sensitive=False),
    help="text for people; json for a log collector (one object a line, with request ids).",
)
@click.version_option(package_name="edgesync")
def main(log_level: str, log_format: str, debug: bool) -> None:
    """edgesync: licence-plate camera sites synced to one cloud control plane.

    Every option is also an environment variable (shown in each command's --help).
    """
    fmt: LogFormat = "json" if log_format.lower() == "json" else "text"
    log_format_config(log_level, fmt)
    # Processes this one starts (the demo's, a server's workers) log the same way.
    os.environ.setdefault("EDGESYNC_LOG_LEVEL", log_level.upper())
    os.environ.setdefault("EDGESYNC_LOG_FORMAT", fmt)
    if log_level.upper() != "DEBUG":
        # They narrate routine steps at INFO (botocore: where it found credentials and
        # endpoints, every start); our own lines say what matters.
        for noisy in ("alembic", "apscheduler", "httpx", "botocore"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
