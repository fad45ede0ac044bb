"""`edgesync node cameras ...` and `node tokens ...`: day-2 management from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node.config import NodeSettings
from local_node.db import access
from local_node.db.engine import make_engine


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node")}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["node", *args], env=env, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_json(env: dict[str, str], *args: str) -> dict:
    code, out, err = run(env, *args, "--json")
    assert code == 0, err
    return json.loads(out)


def cameras(env: dict[str, str]) -> list[dict]:
    return run_json(env, "cameras", "list")["cameras"]


def test_cameras_list_shows_each_camera_with_its_health(env):
    added = run_json(env, "add-camera", "gate-1")
    [cam] = cameras(env)
    assert cam["camera_id"] == added["camera_id"] and cam["name"] == "gate-1"
    assert cam["enabled"] is True and cam["reads_today"] == 0 and cam["last_read_at"] is None
    assert cam["health"] == "never" and cam["created_at"]


def test_cameras_rename_by_name(env):
    run(env, "add-camera", "gate-1")
    assert run_json(env, "cameras", "rename", "gate-1", "north gate")["name"] == "north gate"
    assert [c["name"] for c in cameras(env)] == ["north gate"]


def test_cameras_rename_to_a_taken_name_fails(env):
    run(env, "add-camera", "gate-1")
    run(env, "add-camera", "gate-2")
    code, _, err = run(env, "cameras", "rename", "gate-1", "gate-2")
    assert code != 0 and "exists already" in err


def test_cameras_disable_and_enable(env):
    cam = run_json(env, "add-camera", "gate-1")["camera_id"]
    assert run_json(env, "cameras", "disable", cam)["enabled"] is False
    assert cameras(env)[0]["health"] == "disabled"
    assert run_json(env, "cameras", "enable", cam)["enabled"] is True


def test_unknown_camera_fails_with_one_line(env):
    code, _, err = run(env, "cameras", "disable", "nope")
    assert code != 0 and "no camera 'nope'" in err and len(err.strip().splitlines()) == 1


def test_rotate_key_prints_a_new_key_and_the_old_keys_end(env):
    old = run_json(env, "add-camera", "gate-1")["api_key"]
    out = run_json(env, "cameras", "rotate-key", "gate-1", "--grace", "2h")
    assert out["api_key"].startswith("esc_") and out["api_key"] != old
    assert out["old_key_valid_until"] is not None


def test_rotate_key_with_no_grace_has_no_old_key_window(env):
    run(env, "add-camera", "gate-1")
    assert (
        run_json(env, "cameras", "rotate-key", "gate-1", "--grace", "0")["old_key_valid_until"]
        is None
    )


def test_rotate_key_refuses_a_bad_duration(env):
    run(env, "add-camera", "gate-1")
    code, _, err = run(env, "cameras", "rotate-key", "gate-1", "--grace", "soon")
    assert code != 0 and "not a duration" in err


def test_deleted_camera_leaves_the_list_and_frees_its_name(env):
    run(env, "add-camera", "gate-1")
    run_json(env, "cameras", "delete", "gate-1")
    assert cameras(env) == []
    assert run(env, "add-camera", "gate-1")[0] == 0


def test_create_token_with_name_and_expiry(env):
    out = run_json(
        env, "create-token", "--role", "viewer", "--name", "grafana", "--expires-in", "30d"
    )
    [token] = run_json(env, "tokens", "list")["tokens"]
    assert token["token_id"] == out["token_id"] and token["name"] == "grafana"
    assert token["expires_at"] == out["expires_at"] and token["status"] == "active"


def test_tokens_list_never_shows_the_secret(env):
    secret = run_json(env, "create-token", "--role", "admin")["token"]
    code, out, _ = run(env, "tokens", "list", "--json")
    _, text, _ = run(env, "tokens", "list")
    assert code == 0 and secret not in out and secret not in text


def test_tokens_revoke_marks_it_revoked(env):
    token_id = run_json(env, "create-token", "--role", "viewer")["token_id"]
    assert run_json(env, "tokens", "revoke", token_id)["status"] == "revoked"
    assert run_json(env, "tokens", "list")["tokens"][0]["revoked_at"] is not None


def test_tokens_revoke_unknown_fails(env):
    code, _, err = run(env, "tokens", "revoke", "nope")
    assert code != 0 and "no token 'nope'" in err


def node_engine(tmp_path: Path):
    """The database the CLI wrote (the env fixture's data dir)."""
    return make_engine(NodeSettings(data_dir=tmp_path / "node").resolved_database_url)


def test_ingest_url_prints_a_url_token_path_once(env):
    run(env, "add-camera", "gate-1")
    out = run_json(env, "cameras", "ingest-url", "gate-1")
    assert out["url_token"].startswith("esu_")
    assert out["path"] == "/api/v1/ingest/{vendor}/k/" + out["url_token"]


def test_ingest_url_text_shows_the_path_to_paste(env):
    run(env, "add-camera", "gate-1")
    code, out, _ = run(env, "cameras", "ingest-url", "gate-1")
    assert code == 0 and "/api/v1/ingest/platerecognizer/k/esu_" in out


def test_a_second_ingest_url_needs_rotate(env):
    run(env, "add-camera", "gate-1")
    run_json(env, "cameras", "ingest-url", "gate-1")
    code, _, err = run(env, "cameras", "ingest-url", "gate-1")
    assert code != 0 and "--rotate" in err


def test_ingest_url_rotate_gives_a_new_token_and_the_old_one_stops(env, tmp_path: Path):
    run(env, "add-camera", "gate-1")
    old = run_json(env, "cameras", "ingest-url", "gate-1")["url_token"]
    new = run_json(env, "cameras", "ingest-url", "gate-1", "--rotate")["url_token"]
    engine = node_engine(tmp_path)
    assert new != old
    assert access.camera_for_url_token(engine, old) is None
    assert access.camera_for_url_token(engine, new) is not None


def test_ingest_url_revoke_stops_the_token(env, tmp_path: Path):
    run(env, "add-camera", "gate-1")
    token = run_json(env, "cameras", "ingest-url", "gate-1")["url_token"]
    assert run_json(env, "cameras", "ingest-url", "gate-1", "--revoke")["name"] == "gate-1"
    engine = node_engine(tmp_path)
    assert access.camera_for_url_token(engine, token) is None


def test_ingest_url_of_an_unknown_camera_fails(env):
    run(env, "add-camera", "gate-1")
    code, _, err = run(env, "cameras", "ingest-url", "nope")
    assert code != 0 and "no camera" in err
