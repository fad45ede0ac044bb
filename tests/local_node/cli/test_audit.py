"""The audit log from the CLI: what `edgesync node ...` changes or exports is recorded (actor
`cli`), `node audit list|export` read it, `node retention runs` shows the deletion runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.audit import queries
from local_node.config import NodeSettings
from local_node.db.engine import make_engine


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}


def run(env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(main, ["node", *args], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def entries(env: dict[str, str], action: str | None = None):
    url = NodeSettings(data_dir=Path(env["EDGESYNC_NODE_DATA_DIR"])).resolved_database_url
    engine = make_engine(url)
    try:
        return queries.page(engine, queries.AuditFilter(action=action), limit=1000)[0]
    finally:
        engine.dispose()


def test_a_read_export_is_recorded_with_its_range_format_and_reason(env, tmp_path):
    out = tmp_path / "reads.csv"
    run(
        env,
        "export",
        "--since",
        "2026-01-01",
        "--format",
        "csv",
        "--out",
        str(out),
        "--reason",
        "court order 17",
    )
    [entry] = entries(env, "read.export")
    assert (entry.actor, entry.source, entry.reason) == ("cli", "cli", "court order 17")
    assert entry.detail["format"] == "csv"
    assert entry.detail["since"].startswith("2026-01-01T00:00:00")


def test_user_changes_are_recorded_and_no_password_is(env):
    made = json.loads(run(env, "create-user", "alice", "--role", "viewer", "--json"))
    run(env, "users", "disable", "alice")
    run(env, "users", "enable", "alice")
    reset = json.loads(run(env, "users", "reset-password", "alice", "--json"))
    run(env, "users", "delete", "alice")
    found = [(e.action, e.target) for e in reversed(entries(env))]
    assert found == [
        ("user.create", "user:alice"),
        ("user.disable", "user:alice"),
        ("user.update", "user:alice"),
        ("user.password", "user:alice"),
        ("user.revoke", "user:alice"),
    ]
    dump = run(env, "audit", "export")
    assert made["password"] not in dump and reset["password"] not in dump


def test_token_create_and_revoke_are_recorded_without_the_secret(env):
    made = json.loads(run(env, "create-token", "--role", "admin", "--name", "ops", "--json"))
    run(env, "tokens", "revoke", made["token_id"])
    created, revoked = reversed(entries(env))
    target = f"token:{made['token_id']}"
    assert (created.action, created.target, created.detail["role"]) == (
        "key.create",
        target,
        "admin",
    )
    assert (revoked.action, revoked.target) == ("key.revoke", target)
    assert made["token"] not in run(env, "audit", "export")


def test_camera_key_create_rotate_and_delete_are_recorded(env):
    made = json.loads(run(env, "add-camera", "north", "--json"))
    run(env, "cameras", "rotate-key", "north", "--grace", "0")
    run(env, "cameras", "delete", "north")
    camera = f"camera:{made['camera_id']}"
    assert [(e.action, e.target) for e in reversed(entries(env))] == [
        ("key.create", camera),
        ("key.rotate", camera),
        ("key.revoke", camera),
    ]


def test_audit_list_is_a_table_newest_first(env):
    run(env, "create-user", "alice", "--role", "viewer")
    run(env, "create-user", "bob", "--role", "viewer")
    lines = run(env, "audit", "list").splitlines()
    assert "user:bob" in lines[0] and "user:alice" in lines[1]


def test_audit_list_filters_by_action(env):
    run(env, "create-user", "alice", "--role", "viewer")
    run(env, "users", "disable", "alice")
    lines = run(env, "audit", "list", "--action", "user.disable").splitlines()
    assert len(lines) == 1 and "user.disable" in lines[0]


def test_audit_export_csv_to_a_file_is_recorded_in_it(env, tmp_path):
    run(env, "create-user", "alice", "--role", "viewer")
    out = tmp_path / "audit.csv"
    run(env, "audit", "export", "--format", "csv", "--out", str(out))
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["action"], r["actor"]) for r in rows] == [
        ("user.create", "cli"),
        ("audit.export", "cli"),
    ]


def test_audit_export_refuses_a_bad_time_naming_the_option(env):
    result = CliRunner().invoke(
        main, ["node", "audit", "export", "--since", "yesterday-ish"], env=env
    )
    assert result.exit_code != 0 and "--since" in result.output + result.stderr


def test_retention_runs_says_so_when_none_deleted_anything(env):
    assert "no retention run has deleted anything yet" in run(env, "retention", "runs")


def test_camera_rename_disable_and_enable_are_recorded(env):
    made = json.loads(run(env, "add-camera", "north", "--json"))
    run(env, "cameras", "rename", "north", "south")
    run(env, "cameras", "disable", "south")
    run(env, "cameras", "enable", "south")
    changes = [(e.target, e.detail) for e in reversed(entries(env, "camera.change"))]
    camera = f"camera:{made['camera_id']}"
    assert changes == [
        (camera, {"name": "south"}),
        (camera, {"disabled": True}),
        (camera, {"disabled": False}),
    ]
