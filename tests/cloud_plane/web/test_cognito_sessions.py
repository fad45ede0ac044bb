"""Dashboard sessions in Cognito mode: sign-in through Cognito (moto server), the sealed
refresh cookie, renewal when the access token has expired, and the session's end."""

from __future__ import annotations

import gzip
import json
import os
import time
from collections.abc import Iterator

import httpx
import jwt
import moto
import pytest
from jwt.algorithms import RSAAlgorithm

from cloud_plane.errors import WRONG_PASSWORD
from cloud_plane.web.refresh_cookie import unseal
from tests.cloud_plane.cognito_pool import PASSWORD, CognitoPool
from tests.cloud_plane.conftest import RunningCloud
from tests.cloud_plane.web.conftest import Browser

ANN = "ann@example.com"
SESSION = "edgesync_session"
REFRESH = "edgesync_refresh"


@pytest.fixture
def tab(cognito_cloud: RunningCloud) -> Iterator[Browser]:
    client = httpx.Client(base_url=cognito_cloud.url, timeout=30, follow_redirects=False)
    yield Browser(client)
    client.close()


def _set_cookies(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def _moto_signed(claims: dict) -> str:
    """A token signed with moto's own Cognito key (what moto server's JWKS publishes)."""
    path = os.path.join(os.path.dirname(moto.__file__), "cognitoidp/resources/jwks-private.json.gz")
    with gzip.open(path) as f:
        private = RSAAlgorithm.from_jwk(json.dumps(json.load(f)))
    return jwt.encode(claims, private, algorithm="RS256", headers={"kid": "dummy"})


def _replace(tab: Browser, name: str, value: str) -> None:
    """Put ``value`` in the browser's cookie ``name`` (same domain and path)."""
    (old,) = [c for c in tab.http.cookies.jar if c.name == name]
    tab.http.cookies.delete(name)
    tab.http.cookies.set(name, value, domain=old.domain, path=old.path)


def _expire(tab: Browser) -> None:
    """Replace the session cookie by the same token expired an hour ago (moto-signed)."""
    claims = jwt.decode(tab.http.cookies[SESSION], options={"verify_signature": False})
    now = int(time.time())
    claims.update(iat=now - 7200, auth_time=now - 7200, exp=now - 3600)
    _replace(tab, SESSION, _moto_signed(claims))


def test_signing_in_through_cognito_sets_the_session_and_a_sealed_refresh_cookie(
    cognito_cloud: RunningCloud, cognito_pool: CognitoPool, tab: Browser
) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    r = tab.sign_in(ANN, PASSWORD, next="/search")
    assert r.status_code == 303 and r.headers["location"] == "/search"
    for name in (SESSION, REFRESH):
        (cookie,) = _set_cookies(r, name)
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    sealed = tab.http.cookies[REFRESH]
    refresh_token = unseal(cognito_cloud.services.web_key, sealed)
    assert refresh_token and refresh_token not in sealed  # the token itself is never in clear
    assert len(sealed) < 4000  # fits a browser's cookie
    assert tab.get("/search").status_code == 200


def test_a_wrong_password_shows_the_login_wording(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["viewer"])
    r = tab.sign_in(ANN, "Not-the-password-1")
    assert r.status_code == 401 and WRONG_PASSWORD in r.text
    assert not _set_cookies(r, SESSION)


def test_a_cognito_challenge_is_named_on_the_sign_in_page(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["viewer"], temporary=True)
    r = tab.sign_in(ANN, PASSWORD)
    assert r.status_code == 403 and "NEW_PASSWORD_REQUIRED" in r.text


def test_an_expired_access_token_is_renewed_with_the_refresh_token(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    _expire(tab)
    r = tab.get("/search")
    assert r.status_code == 200
    (cookie,) = _set_cookies(r, SESSION)
    assert "HttpOnly" in cookie
    renewed = tab.http.cookies[SESSION]
    assert jwt.decode(renewed, options={"verify_signature": False})["exp"] > time.time()
    assert tab.get("/search").status_code == 200 and not _set_cookies(tab.get("/"), SESSION)


def test_a_session_cookie_the_browser_dropped_is_renewed_too(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    tab.http.cookies.delete(SESSION)  # its max-age (the token's lifetime) passed
    r = tab.get("/search")
    assert r.status_code == 200 and _set_cookies(r, SESSION)


def test_a_fragment_renews_the_session_as_a_page_does(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    _expire(tab)
    r = tab.get("/fragments/overview")
    assert r.status_code == 200 and _set_cookies(r, SESSION)


def test_a_refused_refresh_ends_the_session_and_clears_both_cookies(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    # Signed out everywhere (as `users disable` does): the refresh token stops working.
    cognito_pool.idp.admin_user_global_sign_out(UserPoolId=cognito_pool.pool_id, Username=ANN)
    _expire(tab)
    r = tab.get("/search")
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in?next=/search")
    for name in (SESSION, REFRESH):
        (cookie,) = _set_cookies(r, name)
        assert "Max-Age=0" in cookie


def test_an_altered_refresh_cookie_is_not_used(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    sealed = tab.http.cookies[REFRESH]
    _replace(tab, REFRESH, sealed[:-4] + ("AAAA" if sealed[-4:] != "AAAA" else "BBBB"))
    _expire(tab)
    r = tab.get("/search")
    assert r.status_code == 303 and "session-ended" in r.headers["location"]


def test_signing_out_clears_both_cookies(cognito_pool, tab) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    tab.get("/")
    r = tab.post("/sign-out")
    assert r.status_code == 303
    for name in (SESSION, REFRESH):
        (cookie,) = _set_cookies(r, name)
        assert "Max-Age=0" in cookie
    assert tab.get("/search").status_code == 303


class RevokeRecorder:
    """The cloud's cognito-idp client, recording RevokeToken (moto has none) and passing
    every other call on to moto server."""

    def __init__(self, real: object) -> None:
        self.real = real
        self.revoked: list[dict] = []

    def revoke_token(self, **kwargs: str) -> dict:
        self.revoked.append(kwargs)
        return {}

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_signing_out_revokes_the_refresh_token_at_cognito(
    cognito_cloud: RunningCloud, cognito_pool, tab
) -> None:
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    held = unseal(cognito_cloud.services.web_key, tab.http.cookies[REFRESH])
    cognito = cognito_cloud.services.cognito
    recorder = RevokeRecorder(cognito.idp)
    cognito._client = recorder
    assert tab.post("/sign-out").status_code == 303
    assert recorder.revoked == [{"Token": held, "ClientId": cognito_pool.client_id}]


def test_sign_out_completes_when_cognito_cannot_revoke(
    cognito_pool, tab, caplog: pytest.LogCaptureFixture
) -> None:
    # moto server has no RevokeToken: the call fails, the browser's cookies go all the same.
    cognito_pool.add_user(ANN, ["admin"])
    tab.sign_in(ANN, PASSWORD)
    r = tab.post("/sign-out")
    assert r.status_code == 303 and "signed-out" in r.headers["location"]
    assert "Max-Age=0" in _set_cookies(r, REFRESH)[0]
    assert "was not revoked at Cognito" in caplog.text
