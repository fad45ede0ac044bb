"""Configuration mistakes end in one or two lines naming what to fix, and exit status 2.

Each row: the command, the environment it runs with, and what the message must name (the
variable or option, and the value). `--debug` (or log level DEBUG) adds the traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from tests.conftest import free_port

NO_SUCH_PORT = free_port()
POSTGRES = os.environ.get("EDGESYNC_TEST_POSTGRES_URL", "")

# (command, environment (DATA_DIR is set per test), names in the message, text never shown)
BAD: list[tuple[list[str], dict[str, str], list[str], str | None]] = [
    (
        ["node", "add-camera", "gate"],
        {"EDGESYNC_NODE_MAX_BODY_BYTES": "5 potatoes"},
        ["EDGESYNC_NODE_MAX_BODY_BYTES", "5 potatoes", "5MiB"],
        None,
    ),
    (
        ["node", "add-camera", "gate"],
        {"EDGESYNC_NODE_PORT": "abc"},
        ["EDGESYNC_NODE_PORT", "'abc'", "integer"],
        None,
    ),
    (
        ["node", "export"],
        {"EDGESYNC_NODE_IMAGE_RETENTION_DAYS": "forever"},
        ["EDGESYNC_NODE_IMAGE_RETENTION_DAYS", "forever", "30d"],
        None,
    ),
    (
        ["node", "serve"],
        {"EDGESYNC_NODE_DISK_BUDGET_BYTES": "lots"},
        ["EDGESYNC_NODE_DISK_BUDGET_BYTES", "lots"],
        None,
    ),
    (
        ["node", "add-camera", "gate"],
        {"EDGESYNC_NODE_FALLBACK_EMAIL_TO": "ops@example.com"},
        ["EDGESYNC_NODE_FALLBACK_EMAIL_TO", "JSON"],
        None,
    ),
    (
        ["node", "add-camera", "gate"],
        {"EDGESYNC_NODE_DATABASE_URL": "mysql://app:hunter22@db/edgesync"},
        ["EDGESYNC_NODE_DATABASE_URL", "mysql://app:***@db/edgesync", "postgresql+psycopg"],
        "hunter22",
    ),
    (
        ["node", "add-camera", "gate"],
        {
            "EDGESYNC_NODE_DATABASE_URL": (
                f"postgresql+psycopg://app:hunter22@127.0.0.1:{NO_SUCH_PORT}/edgesync"
            )
        },
        ["EDGESYNC_NODE_DATABASE_URL", f"app:***@127.0.0.1:{NO_SUCH_PORT}/edgesync"],
        "hunter22",
    ),
    (
        ["node", "export", "--since", "yesterday"],
        {},
        ["--since", "yesterday", "RFC 3339", "2h"],
        None,
    ),
    (
        ["cloud", "create-site", "Depot"],
        {"EDGESYNC_CLOUD_OFFLINE_AFTER_S": "5 minutes"},
        ["EDGESYNC_CLOUD_OFFLINE_AFTER_S", "5 minutes", "5m"],
        None,
    ),
    (
        ["cloud", "create-site", "Depot"],
        {"EDGESYNC_CLOUD_ALERT_SMS": "twilio"},
        ["EDGESYNC_CLOUD_ALERT_SMS", "twilio", "'sns'"],
        None,
    ),
    (
        ["cloud", "users", "list"],
        {"EDGESYNC_CLOUD_DATABASE_URL": "mysql://app:hunter22@db/edgesync"},
        ["EDGESYNC_CLOUD_DATABASE_URL", "mysql://app:***@db/edgesync"],
        "hunter22",
    ),
    (
        ["cloud", "create-site", "Depot"],
        {"EDGESYNC_CLOUD_STORE": "dynamodb"},
        ["EDGESYNC_CLOUD_STORE"],
        None,
    ),
]


def run(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, args, env=env)
    return result.exit_code, [line for line in result.stderr.splitlines() if line.strip()]


@pytest.fixture
def data_dirs(tmp_path: Path) -> dict[str, str]:
    return {
        "EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node"),
        "EDGESYNC_CLOUD_DATA_DIR": str(tmp_path / "cloud"),
    }


@pytest.mark.parametrize(
    ("args", "env", "named", "hidden"), BAD, ids=[next(iter(r[1]), r[0][-1]) for r in BAD]
)
def test_a_bad_setting_is_one_or_two_lines_naming_it(args, env, named, hidden, data_dirs):
    code, lines = run(args, {**data_dirs, **env})
    assert code == 2
    assert 1 <= len(lines) <= 2, lines
    assert lines[0].startswith("Error: ")
    for text in named:
        assert text in "\n".join(lines)
    assert "Traceback" not in "\n".join(lines)
    if hidden:
        assert hidden not in "\n".join(lines)


@pytest.mark.parametrize("service", ["node", "cloud"])
def test_a_data_dir_that_cannot_be_a_folder_is_named(service, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    variable = f"EDGESYNC_{service.upper()}_DATA_DIR"
    command = ["node", "add-camera", "gate"] if service == "node" else ["cloud", "users", "list"]
    code, lines = run(command, {variable: str(blocker / "data")})
    assert code == 2 and len(lines) == 2
    assert str(blocker) in lines[0] and variable in lines[1]


def test_an_unwritable_data_dir_is_named(tmp_path):
    # /sys refuses mkdir even to root; elsewhere a read-only folder does for other users.
    target = Path("/sys/edgesync-test/node")
    if Path("/sys").is_dir() is False:
        pytest.skip("no /sys here")
    code, lines = run(["node", "add-camera", "gate"], {"EDGESYNC_NODE_DATA_DIR": str(target)})
    assert code == 2 and len(lines) == 2
    assert "/sys/edgesync-test" in lines[0] and "EDGESYNC_NODE_DATA_DIR" in lines[1]


@pytest.mark.parametrize("service", ["node", "cloud"])
def test_a_sqlite_url_naming_a_directory_is_named_and_the_directory_left_alone(
    service, data_dirs, tmp_path
):
    folder = tmp_path / "a-folder"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    variable = f"EDGESYNC_{service.upper()}_DATABASE_URL"
    command = ["node", "add-camera", "gate"] if service == "node" else ["cloud", "users", "list"]
    code, lines = run(command, {**data_dirs, variable: f"sqlite:///{folder}"})
    assert code == 2 and len(lines) == 2
    assert "is a directory" in lines[0] and variable in lines[1]
    assert folder.stat().st_mode & 0o777 == 0o755


@pytest.mark.skipif(not POSTGRES, reason="set EDGESYNC_TEST_POSTGRES_URL")
def test_a_postgresql_database_that_does_not_exist_is_named(data_dirs):
    url = POSTGRES.rsplit("/", 1)[0] + "/edgesync_no_such_database"
    code, lines = run(
        ["node", "add-camera", "gate"], {**data_dirs, "EDGESYNC_NODE_DATABASE_URL": url}
    )
    assert code == 2 and len(lines) == 2
    assert "edgesync_no_such_database" in lines[0] and "does not exist" in lines[0]
    assert "EDGESYNC_NODE_DATABASE_URL" in lines[1]


def test_two_bad_settings_name_both_in_two_lines(data_dirs):
    env = {**data_dirs, "EDGESYNC_NODE_PORT": "abc", "EDGESYNC_NODE_MAX_PENDING": "many"}
    code, lines = run(["node", "add-camera", "gate"], env)
    assert code == 2 and len(lines) == 2
    assert "EDGESYNC_NODE_PORT" in "\n".join(lines)
    assert "EDGESYNC_NODE_MAX_PENDING" in "\n".join(lines)


@pytest.mark.parametrize(
    ("flag", "env"), [(["--debug"], {}), ([], {"EDGESYNC_LOG_LEVEL": "DEBUG"})]
)
def test_debug_adds_the_traceback(flag, env, data_dirs):
    bad = {**data_dirs, **env, "EDGESYNC_NODE_PORT": "abc"}
    result = CliRunner().invoke(main, [*flag, "node", "add-camera", "gate"], env=bad)
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "ValidationError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("Error: EDGESYNC_NODE_PORT")


def test_a_size_with_a_unit_is_accepted(data_dirs):
    env = {**data_dirs, "EDGESYNC_NODE_MAX_BODY_BYTES": "5MiB"}
    result = CliRunner().invoke(main, ["node", "add-camera", "gate"], env=env)
    assert result.exit_code == 0, result.stderr


def test_export_since_accepts_how_long_ago(data_dirs):
    result = CliRunner().invoke(main, ["node", "export", "--since", "2h"], env=data_dirs)
    assert result.exit_code == 0, result.stderr
