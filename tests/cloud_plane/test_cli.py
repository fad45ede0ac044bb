"""`edgesync cloud ...`: create sites and users for scripts, revoke, new epoch; clear failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloud_plane.cli import cloud
from cloud_plane.config import CloudSettings
from cloud_plane.errors import ConfigError
from cloud_plane.main import create_app
from cloud_plane.store.sql import SqlStore
from sync_protocol.passwords import verify_password


def _run(args: list[str], data_dir: Path, database_url: str) -> object:
    result = CliRunner().invoke(
        cloud, [*args, "--data-dir", str(data_dir), "--database-url", database_url]
    )
    return result


def test_create_site_and_user_print_one_json_object(tmp_path: Path, database_url: str) -> None:
    site = _run(["create-site", "North gate", "--json"], tmp_path, database_url)
    assert site.exit_code == 0, site.output
    created = json.loads(site.stdout)
    assert set(created) == {"site_id", "enrollment_code"}
    args = ["create-user", "Ann@Example.com", "--role", "manager", "--json"]
    user = _run([*args, "--sites", created["site_id"]], tmp_path, database_url)
    assert user.exit_code == 0, user.output
    out = json.loads(user.stdout)
    assert out["username"] == "ann@example.com" and len(out["password"]) >= 16
    store = SqlStore.open(database_url)
    try:
        stored = store.users.get_user("ann@example.com")
        assert stored.sites == {created["site_id"]}
        assert verify_password(out["password"], stored.password_hash)
    finally:
        store.meta.close()


def test_create_user_failures_exit_non_zero_with_a_message(
    tmp_path: Path, database_url: str
) -> None:
    bad_site = _run(
        ["create-user", "a@b.c", "--role", "viewer", "--sites", "nope"], tmp_path, database_url
    )
    assert bad_site.exit_code != 0 and "no site 'nope'" in bad_site.stderr
    bad_email = _run(["create-user", "not-an-email", "--role", "viewer"], tmp_path, database_url)
    assert bad_email.exit_code != 0 and "email" in bad_email.stderr
    _run(
        ["create-user", "a@b.c", "--role", "admin", "--password", "longenough"],
        tmp_path,
        database_url,
    )
    again = _run(["create-user", "a@b.c", "--role", "admin"], tmp_path, database_url)
    assert again.exit_code != 0 and "already exists" in again.stderr


def test_revoke_site_and_new_epoch(tmp_path: Path, database_url: str) -> None:
    site_id = json.loads(_run(["create-site", "S", "--json"], tmp_path, database_url).stdout)[
        "site_id"
    ]
    store = SqlStore.open(database_url)
    epoch = store.meta.epoch()
    store.meta.close()
    assert _run(["revoke-site", site_id], tmp_path, database_url).exit_code == 0
    missing = _run(["revoke-site", "nope"], tmp_path, database_url)
    assert missing.exit_code != 0 and "no site" in missing.stderr
    assert _run(["new-epoch"], tmp_path, database_url).exit_code == 0
    store = SqlStore.open(database_url)
    try:
        assert store.sites.get_site(site_id).revoked and store.meta.epoch() != epoch
    finally:
        store.meta.close()


def test_help_shows_the_environment_variables() -> None:
    out = CliRunner().invoke(cloud, ["serve", "--help"]).output
    for var in ("EDGESYNC_CLOUD_DATA_DIR", "EDGESYNC_CLOUD_DATABASE_URL", "EDGESYNC_CLOUD_PORT"):
        assert var in out


def test_the_dynamodb_store_needs_its_table_and_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="EDGESYNC_CLOUD_TABLE, EDGESYNC_CLOUD_SECRET_KEY"):
        create_app(CloudSettings(data_dir=tmp_path, store="dynamodb"))


def test_the_dynamodb_store_refuses_a_secret_key_that_is_not_fernet(tmp_path: Path) -> None:
    settings = CloudSettings(data_dir=tmp_path, store="dynamodb", table="t", secret_key="short")
    with pytest.raises(ConfigError, match="must be a Fernet key"):
        create_app(settings)


def test_cognito_mode_needs_its_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="EDGESYNC_CLOUD_COGNITO_USER_POOL_ID"):
        create_app(CloudSettings(data_dir=tmp_path, auth="cognito", aws_region="eu-west-1"))


def test_settings_refuse_unknown_fields_and_default_sensibly(tmp_path: Path) -> None:
    settings = CloudSettings(data_dir=tmp_path)
    assert settings.port == 8090 and settings.enrollment_code_ttl_s == 86_400
    assert settings.resolved_database_url.endswith("cloud.db")
    with pytest.raises(ValueError):
        CloudSettings(data_dir=tmp_path, not_a_setting=1)
    assert all(f.description for f in CloudSettings.model_fields.values())


def _ann(tmp_path: Path, database_url: str, role: str = "admin") -> dict:
    result = _run(
        ["create-user", "ann@example.com", "--role", role, "--json"], tmp_path, database_url
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _stored(database_url: str, username: str = "ann@example.com"):
    store = SqlStore.open(database_url)
    try:
        return store.users.get_user(username)
    finally:
        store.meta.close()


def test_users_list_prints_one_json_object(tmp_path: Path, database_url: str) -> None:
    _ann(tmp_path, database_url)
    result = _run(["users", "list", "--json"], tmp_path, database_url)
    assert result.exit_code == 0, result.output
    (user,) = json.loads(result.stdout)["users"]
    assert user["username"] == "ann@example.com" and user["role"] == "admin"
    assert user["disabled"] is False and "password" not in json.dumps(user)


def test_users_disable_and_enable(tmp_path: Path, database_url: str) -> None:
    _ann(tmp_path, database_url)
    result = _run(["users", "disable", "ANN@example.com", "--json"], tmp_path, database_url)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["disabled"] is True and _stored(database_url).disabled
    assert _run(["users", "enable", "ann@example.com"], tmp_path, database_url).exit_code == 0
    assert not _stored(database_url).disabled


def test_users_reset_password_prints_a_new_password_once(tmp_path: Path, database_url: str) -> None:
    old = _ann(tmp_path, database_url)["password"]
    result = _run(["users", "reset-password", "ann@example.com", "--json"], tmp_path, database_url)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["username"] == "ann@example.com" and len(out["password"]) >= 16
    stored = _stored(database_url)
    assert verify_password(out["password"], stored.password_hash)
    assert not verify_password(old, stored.password_hash) and stored.token_version == 1


def test_users_set_role_checks_the_sites(tmp_path: Path, database_url: str) -> None:
    _ann(tmp_path, database_url)
    site = json.loads(_run(["create-site", "North", "--json"], tmp_path, database_url).stdout)
    args = ["users", "set-role", "ann@example.com", "--role", "viewer"]
    result = _run([*args, "--sites", site["site_id"], "--json"], tmp_path, database_url)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sites"] == [site["site_id"]]
    assert _stored(database_url).role == "viewer"
    bad = _run([*args, "--sites", "nope"], tmp_path, database_url)
    assert bad.exit_code != 0 and "no site 'nope'" in bad.stderr


def test_users_commands_on_an_unknown_user_fail_with_a_message(
    tmp_path: Path, database_url: str
) -> None:
    result = _run(["users", "disable", "nobody@example.com"], tmp_path, database_url)
    assert result.exit_code != 0 and "no user 'nobody@example.com'" in result.stderr
