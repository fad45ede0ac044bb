"""Settings in groups (nested models) read from and given by their flat names.

A group's field ``push_interval_s`` in group ``sync`` is also the flat setting
``sync_push_interval_s``: the environment variable PREFIX + its upper-case form and a keyword
of the settings constructor, so grouping settings renames no documented variable.
``flat_settings`` is the one table between flat names and attribute paths.

It lives here because the naming rule is a promise both services keep (``EDGESYNC_NODE_*``
and ``EDGESYNC_CLOUD_*`` are formed the same way, ``shared/INTERFACES.md``) and the services
may share code only through ``sync_protocol``. It uses pydantic-settings, pydantic's own
settings package; reading the environment happens only when a service builds its settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, create_model, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource


class SettingsGroup(BaseModel):
    """A group of settings; each field is also the flat setting ``flat_prefix`` + its name."""

    model_config = ConfigDict(extra="forbid")

    flat_prefix: ClassVar[str] = ""
    flat_renames: ClassVar[Mapping[str, str]] = {}
    """Fields whose flat name is not ``flat_prefix`` + their name (names from before groups)."""

    @classmethod
    def flat_names(cls) -> dict[str, str]:
        """Flat setting name -> field name."""
        return {cls.flat_renames.get(n, cls.flat_prefix + n): n for n in cls.model_fields}


@lru_cache
def flat_settings(settings_cls: type[BaseSettings]) -> dict[str, tuple[str, ...]]:
    """Every flat setting name (the variable without its prefix) -> its attribute path.

    ``{"port": ("port",), "sync_push_interval_s": ("sync", "push_interval_s"), ...}``
    """
    paths: dict[str, tuple[str, ...]] = {}
    for name, field in settings_cls.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, SettingsGroup):
            paths.update({flat: (name, sub) for flat, sub in group.flat_names().items()})
        else:
            paths[name] = (name,)
    return paths


def nest_flat_names(settings_cls: type[BaseSettings], data: Mapping[str, Any]) -> dict[str, Any]:
    """Move flat names into their groups: ``{"sync_timeout_s": 5}`` -> ``{"sync": {...}}``.

    A flat name wins over the same field given in its group (init kwargs over the environment).
    """
    paths = flat_settings(settings_cls)
    out: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        path = paths.get(key, ())
        if len(path) == 2:
            nested.setdefault(path[0], {})[path[1]] = value
        else:
            out[key] = value
    for group, values in nested.items():
        given = out.get(group)
        if isinstance(given, BaseModel):
            given = {k: getattr(given, k) for k in given.model_fields_set}
        out[group] = {**(given if isinstance(given, Mapping) else {}), **values}
    return out


@lru_cache
def _flat_model(settings_cls: type[BaseSettings]) -> type[BaseSettings]:
    """A model with one field per flat name, as the environment spells the settings.

    Each field keeps its group field's type (so lists and dicts are JSON in the env, as
    before) and aliases; only the real model validates what is read through this one.
    """
    flat_fields: dict[str, Any] = {}
    for flat, path in flat_settings(settings_cls).items():
        owner: type[BaseModel] = settings_cls
        if len(path) == 2:
            owner = settings_cls.model_fields[path[0]].annotation  # type: ignore[assignment]
        field = owner.model_fields[path[-1]]
        flat_fields[flat] = (field.annotation, field)
    return create_model(f"Flat{settings_cls.__name__}", __base__=BaseSettings, **flat_fields)


class FlatEnvSource(EnvSettingsSource):
    """Reads the documented flat variables and hands them over nested into their groups."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        self._target = settings_cls
        config = settings_cls.model_config
        super().__init__(
            _flat_model(settings_cls),
            env_prefix=config.get("env_prefix"),
            case_sensitive=config.get("case_sensitive"),
        )

    def __call__(self) -> dict[str, Any]:
        return nest_flat_names(self._target, super().__call__())


class GroupedSettings(BaseSettings):
    """Settings whose groups are read from (and accept) the flat names."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # No .env file or secrets dir is configured; the environment is read by flat name only.
        return init_settings, FlatEnvSource(settings_cls)

    @model_validator(mode="before")
    @classmethod
    def _nest_flat_names(cls, data: Any) -> Any:
        return nest_flat_names(cls, data) if isinstance(data, Mapping) else data


def default_data_dir(kind: str) -> Path:
    """Where data lives when no data dir is set: a per-user place, or the system's for root.

    Not the current directory: a service started from another folder would silently start
    over with an empty database. XDG_DATA_HOME, when set, wins (the user said where data goes).
    """
    xdg = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "edgesync" / kind
    if os.geteuid() == 0:
        return Path("/var/lib/edgesync") / kind
    try:
        return Path.home() / ".local" / "share" / "edgesync" / kind
    except RuntimeError:  # no HOME, no passwd entry (some containers): the start-up line names it
        return Path("edgesync-data") / kind
