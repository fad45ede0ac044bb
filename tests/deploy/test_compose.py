"""docker-compose.local.yml is valid and only runs commands that exist."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from edgesync.cli import main

COMPOSE = Path(__file__).parents[2] / "docker-compose.local.yml"


def test_compose_file_validates_against_the_compose_spec():
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
         str(COMPOSE)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "service", [s for s, d in yaml.safe_load(COMPOSE.read_text())["services"].items()
                if "command" in d]
)
def test_compose_commands_exist_in_the_cli(service: str):
    command = yaml.safe_load(COMPOSE.read_text())["services"][service]["command"]
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for flag in (a for a in command if a.startswith("--")):
        assert flag in result.output, f"{flag} is not an option of {command}"
