"""A configuration mistake said in one line: the variable or option, the value, what is accepted.

The command line turns these into its error lines (``edgesync.cli``); this module only words
them, so both services say them the same way:

- ``explain_validation_error`` words a pydantic ``ValidationError`` of a ``GroupedSettings``
  model by the documented variable (``EDGESYNC_NODE_MAX_BODY_BYTES``), never the nested path;
- ``SettingProblem`` is raised by the commands for what the settings model does not judge
  (a database URL's scheme, a ``--since`` time);
- ``redact_url`` keeps a password out of every line.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, SecretStr, ValidationError
from pydantic_settings import BaseSettings

from sync_protocol.grouped_settings import GroupedSettings, flat_settings

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

DATABASE_SCHEMES = ("sqlite", "postgresql")
"""What ``database_url`` may name: SQLite or PostgreSQL (any driver, e.g. ``+psycopg``)."""

DATABASE_META = "edgesync.database"
"""Click ``ctx.meta`` key: (variable, URL) of the database a command opens."""
DATA_DIR_META = "edgesync.data_dir"
"""Click ``ctx.meta`` key: (variable, path) of a command's data dir."""

_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@/\s]*@")


class SettingProblem(ValueError):
    """A setting or option the command cannot use; ``str()`` is the line to show."""

    def __init__(self, name: str, value: str | None, accepted: str) -> None:
        shown = "" if value is None else f"={redact_url(value)!r}"
        super().__init__(f"{name}{shown} is not accepted: {accepted}")
        self.name = name
        self.value = value
        self.accepted = accepted


def redact_url(value: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``."""
    return _PASSWORD.sub(r"\1***@", value)


def check_database_url(url: str, variable: str) -> None:
    """Raise SettingProblem unless ``url`` names SQLite or PostgreSQL."""
    scheme = url.partition("://")[0].partition("+")[0].lower() if "://" in url else ""
    if scheme not in DATABASE_SCHEMES:
        raise SettingProblem(
            variable,
            url,
            "use sqlite:///PATH or postgresql+psycopg://USER[:PASSWORD]@HOST[:PORT]/DB",
        )


def _settings_class(title: str) -> type[GroupedSettings] | None:
    """The GroupedSettings subclass a ValidationError's title names (NodeSettings...)."""
    todo: list[type[GroupedSettings]] = [GroupedSettings]
    while todo:
        cls = todo.pop()
        if cls.__name__ == title:
            return cls
        todo.extend(cls.__subclasses__())
    return None


def _is_secret(owner: type[BaseModel], field: str) -> bool:
    info = owner.model_fields.get(field)
    return info is not None and "SecretStr" in repr(info.annotation)


def _variable(cls: type[BaseSettings], loc: tuple[Any, ...]) -> tuple[str, bool]:
    """The documented variable for an error location, and whether its value is secret."""
    prefix = str(cls.model_config.get("env_prefix") or "")
    by_path = {path: flat for flat, path in flat_settings(cls).items()}
    path = tuple(str(part) for part in loc[:2])
    for candidate in (path, path[:1]):
        flat = by_path.get(candidate)
        if flat is None:
            continue
        owner: type[BaseModel] = cls
        if len(candidate) == 2:
            owner = cls.model_fields[candidate[0]].annotation  # type: ignore[assignment]
        return prefix + flat.upper(), _is_secret(owner, candidate[-1])
    group = path[0] if path else ""
    annotation = cls.model_fields[group].annotation if group in cls.model_fields else None
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        # A whole group refused (a rule across its fields): name the group's variables.
        flat_prefix = str(getattr(annotation, "flat_prefix", "")) or f"{group}_"
        return f"{prefix}{flat_prefix.upper()}*", False
    return prefix + group.upper(), False


def _message(error: ErrorDetails) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def explain_validation_error(exc: ValidationError) -> list[str] | None:
    """One or two lines naming each refused variable, or None if not a settings model's error.

    The first refused setting gets its own line (variable, value, what is accepted); any
    others are named on a second line so the output stays two lines at most.
    """
    cls = _settings_class(exc.title)
    if cls is None:
        return None
    named: list[str] = []
    first = ""
    for error in exc.errors():
        variable, secret = _variable(cls, tuple(error.get("loc", ())))
        if variable in named:
            continue
        named.append(variable)
        if first:
            continue
        value = error.get("input")
        shown = ""
        if len(error.get("loc", ())) and not isinstance(value, dict | BaseModel):
            hidden = secret or isinstance(value, SecretStr)
            shown = "=***" if hidden else f"={redact_url(str(value))!r}"
        if variable.endswith("*"):
            first = f"{variable} do not fit together: {_message(error)}"
            continue
        source = "" if variable in os.environ else " (or its option)"
        first = f"{variable}{shown}{source} is not accepted: {_message(error)}"
    lines = [first]
    if len(named) > 1:
        lines.append(f"also not accepted: {', '.join(named[1:])} (--debug shows every error)")
    return lines
