"""Disabling a user, changing a role or resetting a password takes effect at the next request."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cloud_plane.auth.staff import current_staff
from cloud_plane.auth.tokens import StaffClaims
from cloud_plane.errors import NotAuthenticated
from cloud_plane.store.sql import SqlStore
from sync_protocol.passwords import hash_password
from tests.cloud_plane.conftest import RunningCloud

ANN = "ann@example.com"


def _signed_in(cloud: RunningCloud, role: str = "admin", sites: list[str] | None = None) -> str:
    cloud.store.users.create_user(
        ANN, hash_password("s3cret-pass", n=2**10), role, sites or [], now=cloud.clock()
    )
    with cloud.http() as http:
        response = http.post(
            "/api/v1/auth/login", json={"username": ANN, "password": "s3cret-pass"}
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_a_disabled_users_valid_token_is_refused_at_the_next_request(cloud: RunningCloud) -> None:
    token = _signed_in(cloud)
    assert cloud.http(token).get("/api/v1/sites").status_code == 200
    cloud.store.users.disable_user(ANN)
    response = cloud.http(token).get("/api/v1/sites")
    assert response.status_code == 401 and response.json() == {"detail": "account disabled"}


def test_re_enabling_does_not_bring_old_tokens_back(cloud: RunningCloud) -> None:
    token = _signed_in(cloud)
    cloud.store.users.disable_user(ANN)
    cloud.store.users.enable_user(ANN)
    assert cloud.http(token).get("/api/v1/sites").status_code == 401


def test_after_set_role_the_same_token_loses_admin_rights(cloud: RunningCloud) -> None:
    token = _signed_in(cloud, "admin")
    assert cloud.http(token).put("/api/v1/hotlist/stolen/AB12CDE", json={}).status_code == 200
    cloud.store.users.set_role(ANN, "viewer", [])
    assert cloud.http(token).put("/api/v1/hotlist/stolen/AB12CDE", json={}).status_code == 403


def test_after_set_role_the_same_token_sees_only_the_new_sites(cloud: RunningCloud) -> None:
    a, b = cloud.node("A"), cloud.node("B")
    token = _signed_in(cloud, "manager", [a.site_id])
    cloud.store.users.set_role(ANN, "manager", [b.site_id])
    sites = cloud.http(token).get("/api/v1/sites").json()
    assert [s["site_id"] for s in sites] == [b.site_id]


def test_after_a_password_reset_the_old_token_is_refused(cloud: RunningCloud) -> None:
    token = _signed_in(cloud)
    cloud.store.users.set_password(ANN, hash_password("new-password", n=2**10))
    response = cloud.http(token).get("/api/v1/sites")
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_token_for_a_user_the_store_does_not_hold_is_refused(cloud: RunningCloud) -> None:
    assert cloud.services.issuer is not None
    token = cloud.services.issuer.issue("ghost@example.com", "admin", now=cloud.clock())
    assert cloud.http(token).get("/api/v1/sites").status_code == 401


# Cognito mode: the token's groups give role and scope; the store can still refuse a user.
def _cognito(store: SqlStore, role: str = "viewer", sites: frozenset[str] = frozenset()):
    claims = StaffClaims(sub="sub-1", username=ANN, role=role, jti=None, sites=sites)  # type: ignore[arg-type]
    return current_staff(claims, store.users, local=False)


@pytest.fixture
def store(tmp_path):
    opened = SqlStore.open(f"sqlite:///{tmp_path / 'cloud.db'}")
    yield opened
    opened.meta.close()


def test_in_cognito_mode_role_and_sites_are_the_tokens_not_the_stores(store) -> None:
    store.users.create_user(ANN, None, "viewer", ["a"], now=datetime.now(UTC))
    staff = _cognito(store, "manager", frozenset({"b"}))
    assert (staff.role, staff.sites) == ("manager", {"b"})


def test_in_cognito_mode_an_admin_sees_every_site_whatever_its_groups(store) -> None:
    assert _cognito(store, "admin", frozenset({"b"})).sites is None


def test_in_cognito_mode_a_user_without_site_groups_sees_no_site(store) -> None:
    assert _cognito(store).sites == frozenset()


def test_in_cognito_mode_a_user_disabled_in_the_store_is_refused(store) -> None:
    store.users.create_user(ANN, None, "viewer", ["a"], now=datetime.now(UTC))
    store.users.disable_user(ANN)
    with pytest.raises(NotAuthenticated, match="account disabled"):
        _cognito(store)
