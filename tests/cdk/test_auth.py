"""The staff user pool and its client: what the app's Cognito sign-in relies on."""

from __future__ import annotations

from typing import Any

from cloud_plane.records.users import ROLES
from cloud_plane.web.refresh_cookie import REFRESH_COOKIE_MAX_AGE_S
from tests.cdk.conftest import Deployment


def _pool(default: Deployment) -> dict[str, Any]:
    (pool,) = default.resources("AWS::Cognito::UserPool", stack="data").values()
    return pool


def _client(default: Deployment) -> dict[str, Any]:
    (client,) = default.resources("AWS::Cognito::UserPoolClient", stack="data").values()
    return client["Properties"]


def test_password_policy_is_twelve_characters_of_every_class(default: Deployment) -> None:
    policy = _pool(default)["Properties"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12
    for kind in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"):
        assert policy[kind] is True, kind


def test_only_admins_create_users(default: Deployment) -> None:
    config = _pool(default)["Properties"]["AdminCreateUserConfig"]
    assert config["AllowAdminCreateUserOnly"] is True


def test_mfa_is_optional_and_totp_only(default: Deployment) -> None:
    props = _pool(default)["Properties"]
    assert props["MfaConfiguration"] == "OPTIONAL"
    assert props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_usernames_are_free_form(default: Deployment) -> None:
    # With UsernameAttributes the app's admin_create_user(Username=<email>) would be refused.
    props = _pool(default)["Properties"]
    assert "UsernameAttributes" not in props
    assert "AliasAttributes" not in props


def test_accounts_recover_by_email(default: Deployment) -> None:
    recovery = _pool(default)["Properties"]["AccountRecoverySetting"]["RecoveryMechanisms"]
    assert [m["Name"] for m in recovery] == ["verified_email"]


def test_pool_is_retained_and_protected(default: Deployment) -> None:
    pool = _pool(default)
    assert pool["DeletionPolicy"] == "Retain"
    assert pool["Properties"]["DeletionProtection"] == "ACTIVE"


def test_client_signs_in_with_password_and_refresh_token_without_secret(
    default: Deployment,
) -> None:
    client = _client(default)
    assert set(client["ExplicitAuthFlows"]) == {
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client.get("GenerateSecret", False) is False
    assert client["PreventUserExistenceErrors"] == "ENABLED"


def test_refresh_tokens_live_as_long_as_the_dashboard_keeps_them(default: Deployment) -> None:
    client = _client(default)
    units = client["TokenValidityUnits"]
    assert units["RefreshToken"] == "minutes"
    assert client["RefreshTokenValidity"] * 60 == REFRESH_COOKIE_MAX_AGE_S
    assert (client["AccessTokenValidity"], units["AccessToken"]) == (60, "minutes")


def test_client_has_no_hosted_ui_flows(default: Deployment) -> None:
    assert not _client(default).get("AllowedOAuthFlows")


def test_role_groups_exist(default: Deployment) -> None:
    groups = default.resources("AWS::Cognito::UserPoolGroup", stack="data").values()
    assert sorted(g["Properties"]["GroupName"] for g in groups) == sorted(ROLES)
