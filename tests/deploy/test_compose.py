"""docker-compose.local.yml is valid, runs only commands that exist, and says what production
needs: restarts, health, bounded logs and resources, start order, separate disks, no stray ports."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from uvicorn.middleware.proxy_headers import _TrustedHosts

from edgesync.cli import main
from local_node.api.server import server_config
from local_node.config import NodeSettings
from local_node.main import create_app
from tests.deploy.conftest import COMPOSE, docker_compose_binary, run_compose


def test_compose_file_validates_against_the_compose_spec():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_config_accepts_the_file_with_the_example_env():
    result = run_compose("--profile", "mqtt", "config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_config_refuses_to_start_without_the_required_settings(tmp_path):
    """A missing .env entry stops `up` with the variable's name instead of an empty path."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    result = subprocess.run(
        [docker_compose_binary(), "-f", str(COMPOSE), "--env-file", str(empty), "config", "-q"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},  # none of the test process's variables
    )
    assert result.returncode != 0
    assert "set " in result.stderr and "in .env" in result.stderr


@pytest.mark.parametrize(
    "service",
    [s for s, d in yaml.safe_load(COMPOSE.read_text())["services"].items() if "command" in d],
)
def test_compose_commands_exist_in_the_cli(service: str):
    command = yaml.safe_load(COMPOSE.read_text())["services"][service]["command"]
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for flag in (a for a in command if a.startswith("--")):
        assert flag in result.output, f"{flag} is not an option of {command}"


def test_every_service_restarts_unless_stopped(long_running: dict[str, Any]):
    assert {s: d.get("restart") for s, d in long_running.items()} == dict.fromkeys(
        long_running, "unless-stopped"
    )


def test_every_service_has_a_healthcheck(long_running: dict[str, Any]):
    missing = [s for s, d in long_running.items() if not d.get("healthcheck", {}).get("test")]
    assert missing == []


def test_every_service_rotates_its_logs(resolved: dict[str, Any]):
    for name, service in resolved["services"].items():
        logging = service.get("logging", {})
        assert logging.get("driver") == "json-file", name
        assert set(logging.get("options", {})) >= {"max-size", "max-file"}, name


def test_every_service_has_cpu_and_memory_limits(resolved: dict[str, Any]):
    for name, service in resolved["services"].items():
        limits = service.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("cpus") and limits.get("memory"), name


def test_every_service_has_a_stop_grace_period(long_running: dict[str, Any]):
    assert [s for s, d in long_running.items() if "stop_grace_period" not in d] == []


def test_services_wait_for_what_they_need_to_be_healthy(long_running: dict[str, Any]):
    waits = {
        (service, needed): spec.get("condition")
        for service, definition in long_running.items()
        for needed, spec in definition.get("depends_on", {}).items()
    }
    assert ("node", "db") in waits and ("agent", "node") in waits and ("proxy", "node") in waits
    assert set(waits.values()) == {"service_healthy"}


def test_depends_on_only_services_with_a_healthcheck(long_running: dict[str, Any]):
    needed = {n for d in long_running.values() for n in d.get("depends_on", {})}
    assert all("healthcheck" in long_running[n] for n in needed)


def test_only_one_sync_agent_and_the_node_runs_without_its_own(long_running: dict[str, Any]):
    commands = [d.get("command", []) for d in long_running.values()]
    assert sum(c[:2] == ["node", "agent"] for c in commands) == 1
    serve = [c for c in commands if c[:2] == ["node", "serve"]]
    assert serve and all("--no-agent" in c for c in serve)


def test_the_node_runs_several_workers_by_default(resolved: dict[str, Any]):
    node = resolved["services"]["node"]
    assert int(node["environment"]["EDGESYNC_NODE_WORKERS"]) >= 2


def test_the_node_believes_the_client_address_the_proxy_forwards(
    resolved: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    """Caddy reaches the node from its own container's address, not loopback: unless the node
    trusts it, the audit log and the sign-in back-off see Caddy instead of the client."""
    env = resolved["services"]["node"]["environment"]
    for name, value in env.items():
        if name.startswith("EDGESYNC_NODE_"):
            monkeypatch.setenv(name, str(value))
    settings = NodeSettings(data_dir=tmp_path)
    config = server_config(create_app(settings, run_jobs=False), settings)
    assert "172.18.0.5" in _TrustedHosts(config.forwarded_allow_ips)  # a Docker bridge address


def test_only_the_proxy_and_the_mqtt_broker_publish_ports(resolved: dict[str, Any]):
    published = {s for s, d in resolved["services"].items() if d.get("ports")}
    assert published == {"proxy", "mqtt"}


def test_the_proxy_publishes_https_the_redirect_and_the_camera_port(resolved: dict[str, Any]):
    targets = {p["target"] for p in resolved["services"]["proxy"]["ports"]}
    assert targets == {80, 443, 8081}


def test_the_database_is_on_an_internal_network_of_node_and_agent(resolved: dict[str, Any]):
    assert resolved["networks"]["data"].get("internal") is True
    on_data = {s for s, d in resolved["services"].items() if "data" in d.get("networks", {})}
    assert on_data == {"db", "node", "agent"}
    assert set(resolved["services"]["db"]["networks"]) == {"data"}


def _bind_sources(definition: dict[str, Any], target: str) -> list[str]:
    """The host sources (as written, before interpolation) bound to ``target``."""
    pairs = [re.sub(r":(ro|rw)$", "", v).rsplit(":", 1) for v in definition.get("volumes", [])]
    return [source for source, bound in pairs if bound == target]


def _variable(source: str) -> str:
    match = re.match(r"\$\{(\w+)", source)
    assert match, f"{source} does not come from .env"
    return match.group(1)


def test_database_and_images_come_from_different_env_variables(compose: dict[str, Any]):
    services = compose["services"]
    (database,) = _bind_sources(services["db"], "/var/lib/postgresql/data")
    (images,) = _bind_sources(services["node"], "/data/images")
    assert _variable(database) == "EDGESYNC_SSD_DIR"
    assert _variable(images) == "EDGESYNC_IMAGES_DIR"


def test_node_and_agent_see_the_same_data_and_images(resolved: dict[str, Any]):
    def mounts(service: str) -> dict[str, str]:
        volumes = resolved["services"][service]["volumes"]
        return {v["target"]: v["source"] for v in volumes if v["target"].startswith("/data")}

    assert mounts("node") == mounts("agent")
    assert set(mounts("node")) == {"/data", "/data/images"}


def test_the_agent_backs_up_to_the_backup_mount(resolved: dict[str, Any]):
    agent = resolved["services"]["agent"]
    targets = {v["target"] for v in agent["volumes"]}
    assert agent["environment"]["EDGESYNC_NODE_BACKUP_DESTINATION"] in targets


def test_the_database_needs_a_password(resolved: dict[str, Any]):
    db = resolved["services"]["db"]
    assert db["environment"].get("POSTGRES_PASSWORD")
    assert "POSTGRES_HOST_AUTH_METHOD" not in db["environment"]
    url = resolved["services"]["node"]["environment"]["EDGESYNC_NODE_DATABASE_URL"]
    assert f":{db['environment']['POSTGRES_PASSWORD']}@db:" in url


def test_the_mqtt_broker_runs_only_in_its_profile(compose: dict[str, Any]):
    assert compose["services"]["mqtt"].get("profiles") == ["mqtt"]
    profiled = {s for s, d in compose["services"].items() if d.get("profiles")}
    assert profiled == {"mqtt"}


def test_without_the_profile_the_stack_has_no_broker():
    result = run_compose("config", "--services")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"proxy", "node", "agent", "db"}


def test_images_are_pinned_to_a_tag_never_latest(resolved: dict[str, Any]):
    for name, service in resolved["services"].items():
        assert ":" in service["image"] and not service["image"].endswith(":latest"), name
