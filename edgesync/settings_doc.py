"""Writes the settings reference (docs/settings.md) from the node's and the cloud's settings models.

`python -m edgesync.settings_doc > docs/settings.md` (or `make docs`);
tests/edgesync/test_settings_doc.py fails when the checked-in file is not what this prints, so
the reference cannot drift from the models. Every variable comes from ``flat_settings`` (the one
rule between flat names and groups), its type, default and description from the field, and its
flags from the `edgesync node` and `edgesync cloud` commands themselves.
"""

from __future__ import annotations

import enum
import sys
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal

import annotated_types
import click
from pydantic import AliasChoices, BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings

from sync_protocol.grouped_settings import SettingsGroup, flat_settings

MiB = 1024 * 1024
MANY_COMMANDS = 3
"""A flag on more commands than this is summarised as "N commands" (--data-dir is on most)."""


@dataclass(frozen=True)
class Setting:
    """One documented variable."""

    variable: str
    type: str
    default: str
    secret: bool
    flags: str
    description: str


# -- values -----------------------------------------------------------------------------------
def _is_secret(annotation: Any) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


def _type_name(annotation: Any) -> str:
    """A reader's name for a field type: ``int``, ``one of: a, b``, ``path or unset``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, UnionType):
        inner = [a for a in args if a is not NoneType]
        name = " or ".join(_type_name(a) for a in inner)
        return f"{name} or unset" if len(inner) < len(args) else name
    if origin is Literal:
        return "one of: " + ", ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])} (JSON)" if args else "list (JSON)"
    if origin is dict:
        return "object (JSON)"
    if annotation is SecretStr:
        return "text"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of: " + ", ".join(f"`{m.value}`" for m in annotation)
    names = {str: "text", int: "integer", float: "number", bool: "true/false", Path: "path"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _bounds(field: FieldInfo) -> str:
    """The field's numeric and length limits as a short phrase (``1–65535``, ``> 0, ≤ 1``)."""
    lower: dict[str, Any] = {}
    upper: dict[str, Any] = {}
    others: list[str] = []
    for item in field.metadata:
        if isinstance(item, annotated_types.Ge):
            lower["≥"] = item.ge
        elif isinstance(item, annotated_types.Gt):
            lower[">"] = item.gt
        elif isinstance(item, annotated_types.Le):
            upper["≤"] = item.le
        elif isinstance(item, annotated_types.Lt):
            upper["<"] = item.lt
        elif isinstance(item, annotated_types.MaxLen):
            others.append(f"at most {item.max_length} long")
        elif isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            others.append(f"at least {item.min_length} long")
        elif getattr(item, "pattern", None):
            others.append(f"`{item.pattern}`")
    if "≥" in lower and "≤" in upper:
        limits = [f"{_number(lower['≥'])}–{_number(upper['≤'])}"]
    else:
        limits = [f"{op} {_number(v)}" for op, v in (*lower.items(), *upper.items())]
    return ", ".join(limits + others)


def _number(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= MiB and value % MiB == 0:
        return f"{value} ({value // MiB} MiB)"
    return str(value)


def _default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return "required"
    else:
        value = field.default
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, list | dict) and not value:
        return "empty"
    if isinstance(value, str) and not value:
        return "empty"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number(int(value) if float(value).is_integer() else value)
    return f"`{value}`"


def _aliases(field: FieldInfo, variable: str) -> list[str]:
    """Other variables the field is read from (e.g. ``AWS_REGION``)."""
    alias = field.validation_alias
    choices = alias.choices if isinstance(alias, AliasChoices) else []
    return [c for c in choices if isinstance(c, str) and c.isupper() and c != variable]


# -- flags ------------------------------------------------------------------------------------
def _commands(group: click.Group, path: str) -> Iterable[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} {name}")
        else:
            yield f"{path} {name}", command


def flags_by_variable(
    group: click.Group, path: str, prefix: str, names: Iterable[str]
) -> dict[str, str]:
    """Variable -> its flag and the commands that take it, from the commands themselves.

    An option is a setting's flag when it reads the setting's variable (``envvar``), or when
    it has no variable but the setting's name (``--mqtt-camera``, gathered into a JSON object).
    """
    variables = {prefix + name.upper() for name in names}
    found: dict[str, dict[str, list[str]]] = {}
    for command_path, command in _commands(group, path):
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            envvars = param.envvar if isinstance(param.envvar, list | tuple) else [param.envvar]
            if not any(envvars) and param.name:
                envvars = [prefix + param.name.upper()]
            for envvar in envvars:
                if envvar in variables:
                    flag = max(param.opts, key=len)
                    found.setdefault(envvar, {}).setdefault(flag, []).append(command_path)
    out: dict[str, str] = {}
    for envvar, flags in found.items():
        parts = []
        for flag, where in sorted(flags.items()):
            place = (
                ", ".join(f"`{w}`" for w in where)
                if len(where) <= MANY_COMMANDS
                else f"{len(where)} `{path}` commands"
            )
            parts.append(f"`{flag}` ({place})")
        out[envvar] = "; ".join(parts)
    return out


# -- the reference ----------------------------------------------------------------------------
def settings_of(
    settings_cls: type[BaseSettings], flags: dict[str, str]
) -> dict[str, list[Setting]]:
    """Group title -> its settings, in the model's order (top-level fields first, as "general")."""
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    groups: dict[str, list[Setting]] = {"general": []}
    for flat, path in flat_settings(settings_cls).items():
        owner: type[BaseModel] = settings_cls
        title = "general"
        if len(path) == 2:
            owner = settings_cls.model_fields[path[0]].annotation  # type: ignore[assignment]
            title = path[0]
        field = owner.model_fields[path[-1]]
        variable = prefix + flat.upper()
        kind = _type_name(field.annotation)
        bounds = _bounds(field)
        description = field.description or ""
        aliases = _aliases(field, variable)
        aliases = [a for a in aliases if a not in description]
        if aliases:
            description += " (also read from " + ", ".join(f"`{a}`" for a in aliases) + ")"
        groups.setdefault(title, []).append(
            Setting(
                variable=variable,
                type=f"{kind}, {bounds}" if bounds else kind,
                default=_default(field),
                secret=_is_secret(field.annotation),
                flags=flags.get(variable, ""),
                description=description,
            )
        )
    return groups


def _group_title(settings_cls: type[BaseSettings], name: str) -> str:
    if name == "general":
        return "general (in no group)"
    field = settings_cls.model_fields[name]
    group = field.annotation
    what = field.description or ""
    if isinstance(group, type) and issubclass(group, SettingsGroup):
        what = (group.__doc__ or what).strip().splitlines()[0]
    return f"`{name}`: {what}"


def _cell(text: str) -> str:
    # `<prefix>` would be read as an HTML tag and vanish from the rendered page.
    return text.replace("|", "\\|").replace("<", "&lt;").replace("\n", " ")


def _sentence(text: str) -> str:
    return text if not text or text.endswith((".", "...")) else text + "."


def _table(settings: list[Setting]) -> list[str]:
    lines = [
        "| variable | type | default | secret | flag | description |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for s in settings:
        lines.append(
            f"| `{s.variable}` | {_cell(s.type)} | {_cell(s.default)} "
            f"| {'**secret**' if s.secret else ''} | {_cell(s.flags)} "
            f"| {_cell(_sentence(s.description))} |"
        )
    return lines


def _section(
    title: str, settings_cls: type[BaseSettings], group: click.Group, path: str
) -> list[str]:
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    flags = flags_by_variable(group, path, prefix, flat_settings(settings_cls))
    lines = [f"## {title} (`{prefix}*`)", ""]
    for name, settings in settings_of(settings_cls, flags).items():
        if settings:
            lines += [f"### {_group_title(settings_cls, name)}", "", *_table(settings), ""]
    return lines


def render() -> str:
    """The whole reference, as docs/settings.md holds it."""
    from cloud_plane.cli import cloud
    from cloud_plane.config import CloudSettings
    from edgesync.cli import main
    from local_node.cli import node
    from local_node.config import NodeSettings

    lines = [
        "# Settings reference",
        "",
        "<!-- Generated by `python -m edgesync.settings_doc > docs/settings.md` (`make docs`)"
        " from the settings models; do not edit by hand. -->",
        "",
        "Every setting is an environment variable; the few that also have a flag show it in",
        "the *flag* column (a flag given on the command line wins over the variable). Each",
        "group is handed to the component that uses it; in code",
        "`EDGESYNC_NODE_SYNC_PUSH_INTERVAL_S` is `settings.sync.push_interval_s`, and",
        "`NodeSettings(...)` / `CloudSettings(...)` take the flat names as keywords",
        "(`sync_push_interval_s=5`). Lists and objects are JSON in",
        "the environment. *Secret* settings are never logged, printed or returned by an API.",
        "",
    ]
    lines += _section("The local node", NodeSettings, node, "node")
    lines += _section("The cloud plane", CloudSettings, cloud, "cloud")
    lines += [
        "## Other variables",
        "",
        "| variable | flag | description |",
        "| --- | --- | --- |",
    ]
    for param in main.params:
        if isinstance(param, click.Option) and isinstance(param.envvar, str):
            default = f" Default `{param.default}`." if param.default is not None else ""
            lines.append(
                f"| `{param.envvar}` | `{max(param.opts, key=len)}` (`edgesync`) "
                f"| {_cell(_sentence(param.help or ''))}{default} |"
            )
    lines += [
        "| `EDGESYNC_CAMERA_*` | every `edgesync camera simulate` flag "
        "| The camera simulator's options (`edgesync camera simulate --help`). |",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    """Print the reference (redirect it to docs/settings.md)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
