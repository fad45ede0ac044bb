"""`-h` works on every command; defaults show in `--help`; a required FILE looks required."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from edgesync.cli import main


def command_paths(group: click.Group = main, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    ctx = click.Context(group)
    paths: list[tuple[str, ...]] = [prefix]
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            paths += command_paths(command, (*prefix, name))
        elif command is not None:
            paths.append((*prefix, name))
    return paths


def help_of(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "-h"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "edgesync")
def test_dash_h_shows_the_help_of_every_command(path):
    assert help_of(*path).startswith("Usage: ")


def test_node_serve_help_shows_the_default_port_and_host():
    text = " ".join(help_of("node", "serve").split())
    assert "default: 8080" in text and "default: 127.0.0.1" in text


def test_cloud_serve_help_shows_the_default_port():
    assert "default: 8090" in " ".join(help_of("cloud", "serve").split())


def test_restore_usage_shows_file_as_required():
    usage = help_of("node", "restore").splitlines()[0]
    assert usage.endswith("[OPTIONS] FILE") and "[FILE]" not in usage


def test_restore_without_file_says_file_is_missing(tmp_path):
    result = CliRunner().invoke(
        main, ["node", "restore"], env={"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}
    )
    assert result.exit_code == 2 and "Missing argument 'FILE'" in result.stderr
