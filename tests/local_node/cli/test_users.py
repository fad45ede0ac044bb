"""`edgesync node create-user` and `node users ...`: local users of the web app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from edgesync.cli import main
from local_node import users
from local_node.config import NodeSettings
from local_node.db.engine import make_engine

POLICY = users.SessionPolicy(idle=timedelta(hours=12), max_age=timedelta(days=7))


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


def engine(env: dict[str, str]):
    return make_engine(
        NodeSettings(data_dir=Path(env["EDGESYNC_NODE_DATA_DIR"])).resolved_database_url
    )


def can_sign_in(env: dict[str, str], name: str, password: str) -> bool:
    return users.sign_in(engine(env), name, password, datetime.now(UTC), POLICY) is not None


def test_create_user_json_prints_username_password_and_role(env):
    made = run_json(env, "create-user", "alice", "--role", "admin")
    assert set(made) == {"username", "password", "role"}
    assert made["username"] == "alice" and made["role"] == "admin"
    assert len(made["password"]) >= 16
    assert can_sign_in(env, "alice", made["password"])


def test_create_user_with_a_given_password(env):
    made = run_json(env, "create-user", "bob", "--role", "viewer", "--password", "long enough")
    assert made["password"] == "long enough" and can_sign_in(env, "bob", "long enough")


def test_create_user_without_json_shows_the_generated_password_once(env):
    code, out, _ = run(env, "create-user", "alice", "--role", "viewer")
    assert code == 0 and "password (shown once): " in out


def test_create_user_twice_fails(env):
    run_json(env, "create-user", "alice", "--role", "admin")
    code, _, err = run(env, "create-user", "alice", "--role", "viewer")
    assert code != 0 and "exists already" in err


def test_create_user_refuses_a_short_password(env):
    code, _, err = run(env, "create-user", "alice", "--role", "admin", "--password", "short")
    assert code != 0 and "at least 8 characters" in err


def test_create_user_refuses_a_bad_name(env):
    code, _, err = run(env, "create-user", "<script>", "--role", "admin")
    assert code != 0 and "username" in err


def test_the_password_is_stored_hashed(env):
    made = run_json(env, "create-user", "alice", "--role", "admin")
    [stored] = users.store.list_users(engine(env))
    assert made["password"] not in stored.password_hash
    assert stored.password_hash.startswith("scrypt$")


def test_users_list(env):
    run_json(env, "create-user", "alice", "--role", "admin")
    run_json(env, "create-user", "bob", "--role", "viewer")
    listed = run_json(env, "users", "list")["users"]
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("alice", "admin", False),
        ("bob", "viewer", False),
    ]


def test_users_disable_refuses_sign_in_and_enable_allows_it(env):
    made = run_json(env, "create-user", "alice", "--role", "admin")
    assert run_json(env, "users", "disable", "alice")["disabled"] is True
    assert not can_sign_in(env, "alice", made["password"])
    run_json(env, "users", "enable", "alice")
    assert can_sign_in(env, "alice", made["password"])


def test_users_reset_password(env):
    old = run_json(env, "create-user", "alice", "--role", "admin")["password"]
    new = run_json(env, "users", "reset-password", "alice")["password"]
    assert new != old and can_sign_in(env, "alice", new) and not can_sign_in(env, "alice", old)


def test_users_delete(env):
    made = run_json(env, "create-user", "alice", "--role", "admin")
    run_json(env, "users", "delete", "alice")
    assert run_json(env, "users", "list")["users"] == []
    assert not can_sign_in(env, "alice", made["password"])


def test_users_commands_name_a_missing_user(env):
    code, _, err = run(env, "users", "disable", "nobody")
    assert code != 0 and "no user 'nobody'" in err
