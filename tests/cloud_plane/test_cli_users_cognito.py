"""`edgesync cloud create-user` and `users ...` in Cognito mode act on the user pool (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from click.testing import CliRunner, Result
from moto import mock_aws

from cloud_plane.cli import cloud

REGION = "eu-west-1"


class Pool:
    """A moto user pool, its app client, and the CLI run against it."""

    def __init__(self, tmp_path: Path) -> None:
        self.idp = boto3.client("cognito-idp", region_name=REGION)
        self.pool_id = self.idp.create_user_pool(PoolName="staff")["UserPool"]["Id"]
        self.client_id = self.idp.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="dashboard",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        self.tmp_path = tmp_path
        self.env = {
            "EDGESYNC_CLOUD_AUTH": "cognito",
            "EDGESYNC_CLOUD_COGNITO_USER_POOL_ID": self.pool_id,
            "EDGESYNC_CLOUD_COGNITO_CLIENT_ID": self.client_id,
            "AWS_REGION": REGION,
        }

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        db = f"sqlite:///{self.tmp_path / 'cloud.db'}"
        argv = [*args, "--data-dir", str(self.tmp_path), "--database-url", db]
        return CliRunner().invoke(cloud, argv, env={**self.env, **(env or {})})

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def site(self, name: str) -> str:
        return self.json("create-site", name)["site_id"]

    def groups(self, username: str) -> set[str]:
        found = self.idp.admin_list_groups_for_user(UserPoolId=self.pool_id, Username=username)
        return {g["GroupName"] for g in found["Groups"]}

    def login(self, username: str, password: str) -> dict[str, Any]:
        return self.idp.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )


@pytest.fixture
def pool(aws_credentials: None, tmp_path: Path) -> Iterator[Pool]:
    with mock_aws():
        yield Pool(tmp_path)


def test_create_user_makes_a_confirmed_cognito_user_with_role_and_site_groups(pool) -> None:
    site = pool.site("North gate")
    out = pool.json(
        "create-user", "Ann@Example.com", "--role", "manager", "--sites", site,
        "--password", "Chosen-pass-123",
    )  # fmt: skip
    assert out == {"username": "ann@example.com", "password": "Chosen-pass-123"}
    user = pool.idp.admin_get_user(UserPoolId=pool.pool_id, Username="ann@example.com")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email", "Value": "ann@example.com"} in user["UserAttributes"]
    assert pool.groups("ann@example.com") == {"manager", f"site:{site}"}
    assert "AuthenticationResult" in pool.login("ann@example.com", "Chosen-pass-123")


def test_a_generated_password_signs_in_without_a_challenge(pool) -> None:
    out = pool.json("create-user", "bob@example.com", "--role", "admin")
    assert len(out["password"]) >= 16
    assert "AuthenticationResult" in pool.login("bob@example.com", out["password"])


def test_create_user_refuses_what_local_mode_refuses(pool) -> None:
    unknown_site = pool.run("create-user", "a@b.c", "--role", "viewer", "--sites", "nope")
    assert unknown_site.exit_code != 0 and "no site 'nope'" in unknown_site.stderr
    no_sites = pool.run("create-user", "a@b.c", "--role", "manager")
    assert no_sites.exit_code != 0 and "a manager needs at least one site" in no_sites.stderr
    short = pool.run("create-user", "a@b.c", "--role", "admin", "--password", "short")
    assert short.exit_code != 0 and "at least 8 characters" in short.stderr
    assert pool.idp.list_users(UserPoolId=pool.pool_id)["Users"] == []


def test_create_user_twice_says_the_user_exists(pool) -> None:
    pool.json("create-user", "a@b.c", "--role", "admin")
    again = pool.run("create-user", "a@b.c", "--role", "admin")
    assert again.exit_code != 0 and "already exists in Cognito" in again.stderr


def test_users_list_shows_cognito_users_with_roles_and_sites(pool) -> None:
    site = pool.site("S")
    pool.json("create-user", "v@example.com", "--role", "viewer", "--sites", site)
    (user,) = pool.json("users", "list")["users"]
    assert (user["username"], user["role"], user["sites"]) == ("v@example.com", "viewer", [site])
    assert user["disabled"] is False


def test_disable_stops_sign_in_and_enable_restores_it(pool) -> None:
    password = pool.json("create-user", "a@b.c", "--role", "admin")["password"]
    assert pool.json("users", "disable", "a@b.c")["disabled"] is True
    with pytest.raises(pool.idp.exceptions.NotAuthorizedException, match="disabled"):
        pool.login("a@b.c", password)
    assert pool.json("users", "enable", "a@b.c")["disabled"] is False
    assert "AuthenticationResult" in pool.login("a@b.c", password)


def test_reset_password_sets_a_new_permanent_password(pool) -> None:
    old = pool.json("create-user", "a@b.c", "--role", "admin")["password"]
    new = pool.json("users", "reset-password", "a@b.c")["password"]
    assert new != old and "AuthenticationResult" in pool.login("a@b.c", new)
    with pytest.raises(pool.idp.exceptions.NotAuthorizedException):
        pool.login("a@b.c", old)


def test_set_role_replaces_role_and_site_groups_and_leaves_others(pool) -> None:
    a, b = pool.site("A"), pool.site("B")
    pool.json("create-user", "a@b.c", "--role", "manager", "--sites", a)
    pool.idp.create_group(UserPoolId=pool.pool_id, GroupName="ops")  # not ours: kept
    pool.idp.admin_add_user_to_group(UserPoolId=pool.pool_id, Username="a@b.c", GroupName="ops")
    out = pool.json("users", "set-role", "a@b.c", "--role", "viewer", "--sites", b)
    assert (out["role"], out["sites"]) == ("viewer", [b])
    assert pool.groups("a@b.c") == {"viewer", f"site:{b}", "ops"}


def test_an_unknown_user_is_a_clear_failure(pool) -> None:
    result = pool.run("users", "disable", "nobody@example.com")
    assert result.exit_code != 0 and "no user 'nobody@example.com' in Cognito" in result.stderr


def test_cognito_mode_without_a_pool_names_the_missing_setting(pool) -> None:
    result = pool.run(
        "create-user", "a@b.c", "--role", "admin", env={"EDGESYNC_CLOUD_COGNITO_USER_POOL_ID": ""}
    )
    assert result.exit_code != 0 and "EDGESYNC_CLOUD_COGNITO_USER_POOL_ID" in result.stderr


def test_a_password_the_pool_refuses_leaves_no_half_made_user(pool) -> None:
    pool.idp.update_user_pool(
        UserPoolId=pool.pool_id, Policies={"PasswordPolicy": {"MinimumLength": 20}}
    )
    result = pool.run("create-user", "a@b.c", "--role", "admin", "--password", "Short-pass-1")
    assert result.exit_code != 0 and "Cognito refused the password" in result.stderr
    assert pool.idp.list_users(UserPoolId=pool.pool_id)["Users"] == []


def test_a_user_in_no_role_group_is_listed_without_a_role(pool) -> None:
    pool.idp.admin_create_user(UserPoolId=pool.pool_id, Username="x@b.c", MessageAction="SUPPRESS")
    (user,) = pool.json("users", "list")["users"]
    assert user["role"] is None
    assert "x@b.c  NO ROLE GROUP" in pool.run("users", "list").stdout
