"""/api/v1/users in Cognito mode acts on the user pool (moto server), as the CLI does."""

from __future__ import annotations

from tests.cloud_plane.cognito_pool import PASSWORD, CognitoPool
from tests.cloud_plane.conftest import RunningCloud

ADMIN = "boss@example.com"
ANN = "ann@example.com"


def _admin(cloud: RunningCloud, pool: CognitoPool):
    pool.add_user(ADMIN, ["admin"])
    with cloud.http() as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD}
        ).json()["access_token"]
    return cloud.http(token)


def test_list_shows_the_pools_users_with_roles_and_sites(cognito_cloud, cognito_pool) -> None:
    site, _ = cognito_cloud.new_site()
    cognito_pool.add_user(ANN, ["viewer", f"site:{site}"])
    with _admin(cognito_cloud, cognito_pool) as admin:
        users = {u["username"]: u for u in admin.get("/api/v1/users").json()["users"]}
    assert (users[ANN]["role"], users[ANN]["sites"]) == ("viewer", [site])
    assert users[ADMIN]["role"] == "admin"


def test_patch_changes_the_groups_and_disables_in_cognito(cognito_cloud, cognito_pool) -> None:
    a, _ = cognito_cloud.new_site()
    b, _ = cognito_cloud.new_site()
    cognito_pool.add_user(ANN, ["viewer", f"site:{a}"])
    with _admin(cognito_cloud, cognito_pool) as admin:
        r = admin.patch(f"/api/v1/users/{ANN}", json={"role": "manager", "sites": [b]})
        assert r.status_code == 200, r.text
        assert cognito_pool.groups(ANN) == {"manager", f"site:{b}"}
        r = admin.patch(f"/api/v1/users/{ANN}", json={"disabled": True})
    assert r.json()["disabled"] is True
    with cognito_cloud.http() as http:
        login = http.post("/api/v1/auth/login", json={"username": ANN, "password": PASSWORD})
    assert login.status_code == 401 and login.json() == {"detail": "account disabled"}


def test_reset_password_gives_a_password_that_signs_in(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    with _admin(cognito_cloud, cognito_pool) as admin:
        new = admin.post(f"/api/v1/users/{ANN}/reset-password").json()["password"]
    with cognito_cloud.http() as http:
        login = http.post("/api/v1/auth/login", json={"username": ANN, "password": new})
    assert login.status_code == 200


def test_an_unknown_cognito_user_is_404(cognito_cloud, cognito_pool) -> None:
    with _admin(cognito_cloud, cognito_pool) as admin:
        r = admin.patch("/api/v1/users/nobody@example.com", json={"disabled": True})
    assert r.status_code == 404 and "Cognito" in r.json()["detail"]


def test_a_viewer_may_not_manage_users(cognito_cloud, cognito_pool) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    with cognito_cloud.http() as http:
        token = http.post(
            "/api/v1/auth/login", json={"username": ANN, "password": PASSWORD}
        ).json()["access_token"]
    assert cognito_cloud.http(token).get("/api/v1/users").status_code == 403


def test_changing_sites_of_a_user_in_no_role_group_needs_a_role(cognito_cloud, cognito_pool):
    site, _ = cognito_cloud.new_site()
    cognito_pool.add_user(ANN, [])
    with _admin(cognito_cloud, cognito_pool) as admin:
        r = admin.patch(f"/api/v1/users/{ANN}", json={"sites": [site]})
    assert r.status_code == 422 and "no role group" in r.json()["detail"]
    assert cognito_pool.groups(ANN) == set()
