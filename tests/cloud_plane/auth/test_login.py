"""POST /api/v1/auth/login: password → token that the API accepts; failures say nothing more."""

from __future__ import annotations

import os
import stat

from sync_protocol.passwords import hash_password, verify_password
from tests.cloud_plane.conftest import RunningCloud


def _user(cloud: RunningCloud, role: str = "viewer") -> tuple[str, str]:
    cloud.store.users.create_user(
        "Ann@Example.com", hash_password("s3cret-pass", n=2**10), role, [], now=cloud.clock()
    )
    return "ann@example.com", "s3cret-pass"


def test_login_with_json_or_form_gives_a_working_token(cloud: RunningCloud) -> None:
    username, password = _user(cloud, "admin")
    with cloud.http() as http:
        for kwargs in (
            {"json": {"username": "ANN@example.com", "password": password}},
            {"data": {"username": username, "password": password}},
        ):
            response = http.post("/api/v1/auth/login", **kwargs)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["token_type"] == "bearer"
            assert body["expires_in"] == cloud.settings.token_ttl_s
            sites = cloud.http(body["access_token"]).get("/api/v1/sites")
            assert sites.status_code == 200


def test_wrong_password_and_unknown_user_fail_the_same_way(cloud: RunningCloud) -> None:
    username, _ = _user(cloud)
    with cloud.http() as http:
        wrong = http.post("/api/v1/auth/login", json={"username": username, "password": "nope"})
        unknown = http.post("/api/v1/auth/login", json={"username": "x@y.z", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "wrong username or password"}


def test_repeated_failures_are_rate_limited_per_username(cloud_factory) -> None:
    cloud = cloud_factory(login_max_failures=3, login_window_s=60)
    username, password = _user(cloud)
    with cloud.http() as http:
        for _ in range(3):
            http.post("/api/v1/auth/login", json={"username": username, "password": "x"})
        limited = http.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert limited.status_code == 429 and "Retry-After" in limited.headers
        cloud.clock.advance(seconds=61)
        ok = http.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert ok.status_code == 200


def test_missing_fields_are_422(cloud: RunningCloud) -> None:
    with cloud.http() as http:
        assert http.post("/api/v1/auth/login", json={"username": "a"}).status_code == 422


def test_requests_without_a_valid_token_are_401(cloud: RunningCloud) -> None:
    for path in ("/api/v1/sites", "/api/v1/detections", "/api/v1/hits", "/api/v1/hotlist"):
        assert cloud.http().get(path).status_code == 401
        assert cloud.http("garbage").get(path).status_code == 401
    assert cloud.http().get("/healthz").json() == {"status": "ok"}


def test_the_signing_key_is_created_private(tmp_path) -> None:
    from cloud_plane.auth.tokens import load_or_create_key

    path = tmp_path / "keys" / "k.pem"
    load_or_create_key(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_password_hashes_are_salted_and_verified() -> None:
    a, b = hash_password("pw", n=2**10), hash_password("pw", n=2**10)
    assert a != b and a.startswith("scrypt$")
    assert verify_password("pw", a) and not verify_password("px", a)
    assert not verify_password("pw", None) and not verify_password("pw", "garbage")


def _login(http, username: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return http.post(
        "/api/v1/auth/login", json={"username": username, "password": password}, headers=headers
    )


def test_an_attack_on_a_username_does_not_lock_its_owner_out(cloud_factory) -> None:
    cloud = cloud_factory(trusted_proxies="127.0.0.1")  # tests reach the cloud as its proxy
    username, password = _user(cloud)
    with cloud.http() as http:
        attacker = [_login(http, username, "guess", "203.0.113.9").status_code for _ in range(20)]
        assert set(attacker) == {401, 429}
        assert _login(http, username, password, "198.51.100.7").status_code == 200


def test_spraying_one_password_over_many_usernames_is_slowed(cloud: RunningCloud) -> None:
    with cloud.http() as http:
        codes = [
            _login(http, f"user{i}@example.com", "Winter2026!").status_code for i in range(100)
        ]
        refused = _login(http, "user100@example.com", "Winter2026!")
    assert codes[: cloud.settings.login_max_failures] == [401] * cloud.settings.login_max_failures
    assert codes.count(401) <= cloud.settings.login_max_failures + 1
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_forwarded_for_is_ignored_without_trusted_proxies(cloud: RunningCloud) -> None:
    with cloud.http() as http:
        codes = [
            _login(http, "ann@example.com", "guess", f"192.0.2.{i}").status_code for i in range(10)
        ]
    assert 429 in codes


def test_a_disabled_user_cannot_log_in_even_with_the_password(cloud: RunningCloud) -> None:
    username, password = _user(cloud)
    cloud.store.users.disable_user(username)
    with cloud.http() as http:
        response = _login(http, username, password)
    assert response.status_code == 401 and response.json() == {"detail": "account disabled"}
