"""Cognito mode: POST /api/v1/auth/login and /refresh go to Cognito (moto server, real HTTP),
and the tokens Cognito signs are what the API accepts, scoped by site groups."""

from __future__ import annotations

import pytest

from cloud_plane.errors import WRONG_PASSWORD
from tests.cloud_plane.cognito_pool import PASSWORD, CognitoPool
from tests.cloud_plane.conftest import RunningCloud

ANN = "ann@example.com"


def _login(cloud: RunningCloud, username: str = ANN, password: str = PASSWORD, **kw):
    with cloud.http() as http:
        return http.post("/api/v1/auth/login", json={"username": username, "password": password})


def _logins(cloud: RunningCloud, outcome: str) -> float:
    value = cloud.services.metrics.registry.get_sample_value(
        "edgesync_cloud_logins_total", {"outcome": outcome}
    )
    return value or 0.0


def test_login_answers_cognito_tokens_that_the_api_accepts(
    cognito_cloud: RunningCloud, cognito_pool: CognitoPool
) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    response = _login(cognito_cloud)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert body["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    assert cognito_cloud.http(body["access_token"]).get("/api/v1/sites").status_code == 200
    assert _logins(cognito_cloud, "ok") == 1


def test_login_takes_form_fields_too(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    with cognito_cloud.http() as http:
        response = http.post("/api/v1/auth/login", data={"username": ANN, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_a_manager_sees_only_the_sites_of_their_site_groups(cognito_cloud, cognito_pool) -> None:
    mine, _ = cognito_cloud.new_site()
    cognito_cloud.new_site()  # another site, not in the user's groups
    cognito_pool.add_user(ANN, ["manager", f"site:{mine}"])
    token = _login(cognito_cloud).json()["access_token"]
    sites = cognito_cloud.http(token).get("/api/v1/sites").json()
    assert [s["site_id"] for s in sites] == [mine]


def test_an_admin_sees_every_site(cognito_cloud, cognito_pool) -> None:
    cognito_cloud.new_site()
    cognito_cloud.new_site()
    cognito_pool.add_user(ANN, ["admin"])
    token = _login(cognito_cloud).json()["access_token"]
    assert len(cognito_cloud.http(token).get("/api/v1/sites").json()) == 2


def test_wrong_password_and_unknown_user_fail_as_in_local_mode(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    wrong = _login(cognito_cloud, password="Not-the-password-1")
    unknown = _login(cognito_cloud, username="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": WRONG_PASSWORD}
    assert _logins(cognito_cloud, "failed") == 2


def test_repeated_failures_are_slowed_down_as_in_local_mode(cloud_factory, cognito_pool) -> None:
    cloud = cloud_factory(**cognito_pool.settings(), login_max_failures=2, login_window_s=60)
    cognito_pool.add_user(ANN, ["viewer"])
    for _ in range(2):
        assert _login(cloud, password="Wrong-password-1").status_code == 401
    limited = _login(cloud)
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_a_new_password_challenge_is_a_clear_403_naming_it(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"], temporary=True)
    response = _login(cognito_cloud)
    assert response.status_code == 403
    assert "NEW_PASSWORD_REQUIRED" in response.json()["detail"]
    assert _logins(cognito_cloud, "challenge") == 1


def test_a_user_disabled_in_cognito_is_told_so(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    cognito_pool.idp.admin_disable_user(UserPoolId=cognito_pool.pool_id, Username=ANN)
    response = _login(cognito_cloud)
    assert response.status_code == 401 and response.json() == {"detail": "account disabled"}


def test_refresh_gives_a_new_access_token_that_works(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    refresh_token = _login(cognito_cloud).json()["refresh_token"]
    with cognito_cloud.http() as http:
        response = http.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body  # not rotated: keep the one you have
    assert cognito_cloud.http(body["access_token"]).get("/api/v1/sites").status_code == 200


def test_a_bogus_refresh_token_is_refused(cognito_cloud) -> None:
    with cognito_cloud.http() as http:
        response = http.post("/api/v1/auth/refresh", json={"refresh_token": "bogus"})
    assert response.status_code == 401 and "sign in again" in response.json()["detail"]


def test_refresh_without_a_token_is_422(cognito_cloud) -> None:
    with cognito_cloud.http() as http:
        assert http.post("/api/v1/auth/refresh", json={}).status_code == 422


def test_refresh_in_self_hosted_mode_is_404_saying_why(cloud: RunningCloud) -> None:
    with cloud.http() as http:
        response = http.post("/api/v1/auth/refresh", json={"refresh_token": "x"})
    assert response.status_code == 404 and "Cognito mode" in response.json()["detail"]


def test_a_cognito_id_token_is_refused_by_the_api(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    id_token = cognito_pool.tokens(ANN)["IdToken"]
    response = cognito_cloud.http(id_token).get("/api/v1/sites")
    assert response.status_code == 401 and "access token" in response.json()["detail"]


def test_a_token_of_another_pool_is_refused(cloud_factory, cognito_pool) -> None:
    other = cognito_pool.idp.create_user_pool(PoolName="other")["UserPool"]["Id"]
    cloud = cloud_factory(**{**cognito_pool.settings(), "cognito_user_pool_id": other})
    cognito_pool.add_user(ANN, ["admin"])
    token = cognito_pool.tokens(ANN)["AccessToken"]  # signed by moto's key, issued by the pool
    response = cloud.http(token).get("/api/v1/sites")
    assert response.status_code == 401 and "issuer" in response.json()["detail"]


@pytest.mark.parametrize("setting", ["cognito_user_pool_id", "cognito_client_id"])
def test_cognito_mode_without_its_settings_refuses_to_start(cloud_factory, setting) -> None:
    from cloud_plane.errors import ConfigError

    settings = {"auth": "cognito", "cognito_user_pool_id": "p", "cognito_client_id": "c"}
    settings["aws_region"] = "eu-west-1"
    settings.pop(setting)
    with pytest.raises(ConfigError, match=setting.upper()):
        cloud_factory(**settings)
