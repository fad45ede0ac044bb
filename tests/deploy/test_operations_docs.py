"""docs/operations: the commands and files shown are tested where they can be. Every `edgesync`
command exists with the flags shown, shell blocks parse, JSON and YAML blocks load, links
resolve, and the remote-access examples expose the web app only."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from typing import Any

import click
import pytest
import yaml
from click.testing import CliRunner

from edgesync.cli import main
from tests.deploy.conftest import ROOT

DOCS = ROOT / "docs" / "operations"
OWN = ["README.md", "server.md", "network.md", "remote-access.md", "upgrades.md"]
WRITTEN_ELSEWHERE = {"backups.md", "monitoring.md", "metrics.md", "timescale.md"}
"""Pages of this folder tested elsewhere (test_grafana_dashboard, backups' and metrics' tests)."""

SHELL = {"bash", "sh", "shell"}
STOP = {"|", "||", "&&", ";", ">", ">>", "2>&1"}


def blocks(page: str) -> list[tuple[str, str]]:
    """(language, text) of every fenced code block of a page."""
    text = (DOCS / page).read_text()
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


def all_blocks(language: set[str]) -> list[tuple[str, str]]:
    """(page, text) of every block in ``language`` across the pages this part owns."""
    return [(page, code) for page in OWN for lang, code in blocks(page) if lang in language]


def block_params(language: set[str]) -> list[Any]:
    """The blocks in ``language`` as test parameters named page-number."""
    found = all_blocks(language)
    return [pytest.param(page, code, id=f"{page}-{n}") for n, (page, code) in enumerate(found)]


def shell_lines(code: str) -> list[str]:
    """The logical lines of a shell block: continuations joined."""
    return code.replace("\\\n", " ").splitlines()


def edgesync_invocations(line: str) -> list[list[str]]:
    """The edgesync argument lists a shell line runs: `edgesync ARGS`, or `... compose run
    [--flags] SERVICE ARGS` / `site run ...` (the image's entrypoint is `edgesync`)."""
    if "edgesync" not in line and " run " not in line:
        return []
    tokens = shlex.split(line, comments=True)
    for i, token in enumerate(tokens):
        if token in STOP or token.startswith(">"):
            tokens = tokens[:i]
            break
    found = []
    for i, token in enumerate(tokens[:-1]):
        if token == "edgesync" and tokens[i + 1] in SUBCOMMANDS:
            found.append(tokens[i + 1 :])
    if "run" in tokens and (tokens[0] == "site" or "compose" in tokens):
        rest = tokens[tokens.index("run") + 1 :]
        while rest and rest[0].startswith("-"):
            rest = rest[1:]
        if rest and rest[0] in {"node", "agent"}:
            found.append(rest[1:])
    return found


SUBCOMMANDS = set(main.list_commands(click.Context(main)))


def resolve(args: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """(command, its path of names, the arguments after it) for an edgesync argument list."""
    command: click.Command = main
    ctx = click.Context(main)
    path: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group) and rest and rest[0] in command.list_commands(ctx):
        name = rest.pop(0)
        sub = command.get_command(ctx, name)
        assert sub is not None
        command, ctx = sub, click.Context(sub, parent=ctx, info_name=name)
        path.append(name)
    return command, path, rest


def documented_commands() -> list[tuple[str, list[str]]]:
    return [
        (page, args)
        for page, code in all_blocks(SHELL)
        for line in shell_lines(code)
        for args in edgesync_invocations(line)
    ]


def test_the_pages_show_edgesync_commands():
    """Guards the extraction: an empty list would pass the test below."""
    shown = {" ".join(args[:2]) for _, args in documented_commands()}
    assert {"node backup", "node restore", "node add-camera", "node enroll"} <= shown


@pytest.mark.parametrize(
    ("page", "args"), documented_commands(), ids=lambda v: " ".join(v) if isinstance(v, list) else v
)
def test_every_edgesync_command_shown_exists_with_its_flags(page: str, args: list[str]):
    command, path, rest = resolve(args)
    assert path, f"{page}: `edgesync {' '.join(args)}` names no command"
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    options = {opt for param in command.params for opt in [*param.opts, *param.secondary_opts]}
    flags = [arg.split("=")[0] for arg in rest if arg.startswith("-")]
    assert [f for f in flags if f not in options] == [], f"{page}: edgesync {' '.join(args)}"


@pytest.mark.parametrize(("page", "code"), block_params(SHELL))
def test_every_shell_block_parses(page: str, code: str):
    result = subprocess.run(["bash", "-n"], input=code, capture_output=True, text=True)
    assert result.returncode == 0, f"{page}: {result.stderr}"


@pytest.mark.parametrize(("page", "code"), block_params({"json"}))
def test_every_json_block_is_strict_json(page: str, code: str):
    json.loads(code)


@pytest.mark.parametrize(("page", "code"), block_params({"yaml", "yml"}))
def test_every_yaml_block_loads(page: str, code: str):
    assert isinstance(yaml.safe_load(code), dict)


def tailscale_policy() -> dict[str, Any]:
    (code,) = [json.loads(c) for lang, c in blocks("remote-access.md") if lang == "json"]
    return code


def test_the_tailscale_acl_lets_staff_reach_only_the_https_port():
    rules = tailscale_policy()["acls"]
    assert rules and all(r["action"] == "accept" for r in rules)
    destinations = [d for r in rules for d in r["dst"]]
    assert destinations and all(d.rsplit(":", 1)[1] == "443" for d in destinations)
    assert any("group:site-staff" in r["src"] for r in rules)


def cloudflared_ingress() -> list[dict[str, Any]]:
    (config,) = [yaml.safe_load(c) for lang, c in blocks("remote-access.md") if lang == "yaml"]
    return config["ingress"]


def test_the_tunnel_answers_404_for_the_api_before_forwarding_anything():
    ingress = cloudflared_ingress()
    first = ingress[0]
    assert first["service"] == "http_status:404"
    pattern = re.compile(first["path"])
    for path in ("/api/v1/detections", "/api/v1/ingest/openalpr", "/metrics", "/docs"):
        assert pattern.search(path), path
    assert not pattern.search("/search") and not pattern.search("/")


def test_the_tunnel_forwards_only_to_the_https_port_and_ends_with_404():
    ingress = cloudflared_ingress()
    forwarded = [r["service"] for r in ingress if not r["service"].startswith("http_status:")]
    assert forwarded == ["https://localhost:443"]
    assert ingress[-1] == {"service": "http_status:404"}


def relative_links(page: str) -> list[str]:
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", (DOCS / page).read_text())
    return [t for t in targets if "://" not in t]


@pytest.mark.parametrize("page", OWN)
def test_every_relative_link_resolves(page: str):
    broken = [target for target in relative_links(page) if not (DOCS / target).exists()]
    assert broken == []


def test_the_index_links_every_page_of_the_folder():
    linked = set(relative_links("README.md"))
    assert set(OWN) - {"README.md"} | WRITTEN_ELSEWHERE <= linked
