"""The env contract: what the compose file sets is a real setting, and .env.example and the
compose file agree on the variables an operator fills in."""

from __future__ import annotations

import os
import re
from typing import Any

import click
import pytest

from edgesync.cli import main
from local_node.config import NodeSettings
from sync_protocol.grouped_settings import flat_settings


def cli_envvars(command: click.Command, ctx: click.Context | None = None) -> set[str]:
    """Every environment variable an option of ``command`` or of its subcommands reads."""
    ctx = ctx or click.Context(command)
    names: set[str] = set()
    for param in command.params:
        envvar = param.envvar
        names.update([envvar] if isinstance(envvar, str) else envvar or [])
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                names |= cli_envvars(sub, click.Context(sub, parent=ctx, info_name=name))
    return names


def real_settings() -> set[str]:
    """The EDGESYNC_* names the node reads, and those the edgesync CLI's options read."""
    node = {f"EDGESYNC_NODE_{flat.upper()}" for flat in flat_settings(NodeSettings)}
    return node | {n for n in cli_envvars(main) if n.startswith("EDGESYNC_")}


def service_environment(definition: dict[str, Any]) -> dict[str, str]:
    """A service's environment as a mapping, whichever of the two compose forms it uses."""
    env = definition.get("environment", {})
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def compose_strings(node: Any) -> str:
    """Every string (keys and values) of the parsed compose file, one a line: no comments."""
    if isinstance(node, dict):
        return "\n".join(compose_strings(k) + "\n" + compose_strings(v) for k, v in node.items())
    if isinstance(node, list):
        return "\n".join(compose_strings(item) for item in node)
    return str(node)


def test_the_cli_walk_finds_options_of_nested_commands():
    """The contract below is only as good as this walk: it must reach `node serve --port`."""
    names = cli_envvars(main)
    assert {"EDGESYNC_LOG_LEVEL", "EDGESYNC_NODE_PORT", "EDGESYNC_NODE_MQTT_URL"} <= names


def mapping_keys(node: Any) -> set[str]:
    """Every key of every mapping in the parsed file: services, anchors (x-*), all of them."""
    if isinstance(node, dict):
        return set(map(str, node)) | {k for v in node.values() for k in mapping_keys(v)}
    if isinstance(node, list):
        return {k for item in node for k in mapping_keys(item)}
    return set()


def test_every_edgesync_variable_the_compose_file_sets_is_a_real_setting(compose: dict[str, Any]):
    listed = {n for d in compose["services"].values() for n in service_environment(d)}
    set_anywhere = {n for n in mapping_keys(compose) | listed if n.startswith("EDGESYNC_")}
    assert "EDGESYNC_NODE_DATABASE_URL" in set_anywhere  # the walk reaches the anchors
    assert set_anywhere - real_settings() == set()


@pytest.mark.parametrize("service", ["node", "agent"])
def test_the_environment_compose_gives_builds_valid_node_settings(
    service: str, resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch
):
    """The values too, as Compose resolves them with .env.example: NodeSettings accepts them."""
    for name in list(os.environ):
        if name.startswith("EDGESYNC_NODE_"):
            monkeypatch.delenv(name)
    environment = service_environment(resolved["services"][service])
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings = NodeSettings()
    assert str(settings.data_dir) == "/data"
    assert settings.resolved_database_url.startswith("postgresql+psycopg://edgesync:")


def test_every_variable_of_the_env_example_is_used_by_the_compose_file(
    env_example: dict[str, str], compose: dict[str, Any]
):
    text = compose_strings(compose)
    unused = [name for name in env_example if not re.search(r"\$\{" + name + r"\b", text)]
    assert unused == []


def test_every_variable_compose_needs_without_a_default_is_in_the_env_example(
    env_example: dict[str, str], compose: dict[str, Any]
):
    text = compose_strings(compose)
    references = re.findall(r"\$\{(\w+)(:?[-?]?)", text)
    defaulted = {name for name, op in references if op in (":-", "-")}
    needed = {name for name, _ in references} - defaulted
    assert needed - set(env_example) == set()


def test_the_env_example_gives_a_value_to_every_required_variable(
    env_example: dict[str, str], compose: dict[str, Any]
):
    """What compose refuses to start without (`${VAR:?...}`) has an example value."""
    required = set(re.findall(r"\$\{(\w+):\?", compose_strings(compose)))
    assert required and all(env_example[name] for name in required)
