"""The staff admin API for sites and users: the CLI's use cases, admin only."""

from __future__ import annotations

import httpx
import pytest

from cloud_plane.staff_admin import MANAGER_NEEDS_SITES
from tests.cloud_plane.conftest import RunningCloud

SITE_ROUTES = [
    ("POST", "/api/v1/sites", {"name": "Yard"}),
    ("PATCH", "/api/v1/sites/{site}", {"name": "Yard"}),
    ("POST", "/api/v1/sites/{site}/enrollment-code", None),
    ("POST", "/api/v1/sites/{site}/archive", None),
]
USER_ROUTES = [
    ("GET", "/api/v1/users", None),
    ("PATCH", "/api/v1/users/{user}", {"disabled": True}),
    ("POST", "/api/v1/users/{user}/reset-password", None),
]


def call(client: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
    if body is None:
        return client.request(method, path)
    return client.request(method, path, json=body)


@pytest.mark.parametrize("role", ["manager", "viewer"])
@pytest.mark.parametrize(("method", "path", "body"), SITE_ROUTES + USER_ROUTES)
def test_only_an_admin_may_manage_sites_and_users(cloud: RunningCloud, role, method, path, body):
    site_id, _ = cloud.new_site()
    cloud.store.users.create_user("x@example.com", None, "viewer", [], now=cloud.clock())
    with cloud.staff(role, sites=[site_id]) as client:
        r = call(client, method, path.format(site=site_id, user="x@example.com"), body)
    assert r.status_code == 403


def test_a_site_created_by_the_api_gets_a_code_once_not_stored(cloud: RunningCloud):
    with cloud.staff() as client:
        r = client.post("/api/v1/sites", json={"name": "Yard"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    assert cloud.store.sites.get_site(r.json()["site_id"]).name == "Yard"


def test_creating_a_site_with_a_taken_name_is_409(cloud: RunningCloud):
    cloud.new_site("Yard")
    with cloud.staff() as client:
        assert client.post("/api/v1/sites", json={"name": "Yard"}).status_code == 409


def test_a_site_is_renamed_by_patch(cloud: RunningCloud):
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.patch(f"/api/v1/sites/{site_id}", json={"name": "North yard"})
    assert r.status_code == 200 and r.json()["name"] == "North yard"


def test_renaming_a_site_to_a_taken_name_is_409(cloud: RunningCloud):
    cloud.new_site("Yard")
    site_id, _ = cloud.new_site("Depot")
    with cloud.staff() as client:
        assert client.patch(f"/api/v1/sites/{site_id}", json={"name": "Yard"}).status_code == 409


def test_a_new_enrollment_code_enrols_and_the_old_one_stops(cloud: RunningCloud):
    site_id, old = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.post(f"/api/v1/sites/{site_id}/enrollment-code")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    from tests.cloud_plane.conftest import NodeClient

    private, public = cloud.node_keys[0]
    node = NodeClient(cloud=cloud, private_pem=private, public_pem=public)
    assert node.enroll_response(old).status_code == 403
    assert node.enroll_response(r.json()["enrollment_code"]).status_code == 200


def test_archiving_a_site_that_never_enrolled_deletes_it(cloud: RunningCloud):
    site_id, _ = cloud.new_site("Yard")
    with cloud.staff() as client:
        r = client.post(f"/api/v1/sites/{site_id}/archive")
        assert r.json() == {"site_id": site_id, "status": "deleted"}
        assert client.get(f"/api/v1/sites/{site_id}").status_code == 404


def test_an_archived_site_keeps_its_data_and_frees_its_name(cloud: RunningCloud):
    node = cloud.node("Yard")
    with cloud.staff() as client:
        r = client.post(f"/api/v1/sites/{node.site_id}/archive")
        assert r.json() == {"site_id": node.site_id, "status": "archived"}
        assert client.get(f"/api/v1/sites/{node.site_id}").json()["archived_at"] is not None
        assert client.post("/api/v1/sites", json={"name": "Yard"}).status_code == 201


def test_users_are_listed_for_an_admin(cloud: RunningCloud):
    cloud.store.users.create_user("x@example.com", None, "viewer", [], now=cloud.clock())
    with cloud.staff() as client:
        users = client.get("/api/v1/users").json()["users"]
    assert "x@example.com" in {u["username"] for u in users}


def test_a_user_made_manager_without_sites_is_422(cloud: RunningCloud):
    cloud.store.users.create_user("x@example.com", None, "viewer", [], now=cloud.clock())
    with cloud.staff() as client:
        r = client.patch("/api/v1/users/x@example.com", json={"role": "manager"})
    assert r.status_code == 422 and r.json()["detail"] == MANAGER_NEEDS_SITES


def test_a_user_gets_a_role_and_sites_by_patch(cloud: RunningCloud):
    site_id, _ = cloud.new_site()
    cloud.store.users.create_user("x@example.com", None, "viewer", [], now=cloud.clock())
    with cloud.staff() as client:
        r = client.patch(
            "/api/v1/users/x@example.com", json={"role": "manager", "sites": [site_id]}
        )
    assert (r.json()["role"], r.json()["sites"]) == ("manager", [site_id])


def test_a_user_disabled_by_patch_is_refused_at_once(cloud: RunningCloud):
    token = cloud.token("x@example.com", "viewer")
    with cloud.staff() as client:
        assert client.patch("/api/v1/users/x@example.com", json={"disabled": True}).json()[
            "disabled"
        ]
    with cloud.http(token) as client:
        assert client.get("/api/v1/sites").status_code == 401


def test_a_reset_password_is_shown_once_and_revokes_the_old_tokens(cloud: RunningCloud):
    token = cloud.token("x@example.com", "viewer")
    with cloud.staff() as client:
        r = client.post("/api/v1/users/x@example.com/reset-password")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert len(r.json()["password"]) >= 12
    with cloud.http(token) as client:
        assert client.get("/api/v1/sites").status_code == 401


def test_an_unknown_user_is_404(cloud: RunningCloud):
    with cloud.staff() as client:
        assert client.patch("/api/v1/users/nobody", json={"disabled": True}).status_code == 404
