"""Cognito access tokens: real RSA keys, the JWKS fetched over real HTTP, every refusal.

Tokens here are shaped as Cognito signs them (``kid`` from the pool's JWKS, ``client_id``
and no ``aud``, ``cognito:groups``); moto's own tokens are checked in test_cognito_moto.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cloud_plane.auth.keys import JwksUrlKeySource
from cloud_plane.auth.tokens import StaffTokenVerifier, cognito_issuer
from cloud_plane.errors import NotAuthenticated
from tests.cloud_plane.auth.jwks_server import JwksServer, jwk

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
POOL = "eu-west-1_Pool1"
ISS = cognito_issuer("eu-west-1", POOL)
CLIENT = "dashboard-client"
REFETCH_S = 60.0


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    """The pool's signing key and the key it rotates to (real 2048-bit RSA)."""
    return {
        kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)
        for kid in ("kid-1", "kid-2")
    }


@pytest.fixture
def jwks(keys) -> Iterator[JwksServer]:
    server = JwksServer()
    server.keys = [jwk(keys["kid-1"], "kid-1")]
    yield server
    server.close()


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def source(jwks: JwksServer, ticks: Ticks) -> JwksUrlKeySource:
    return JwksUrlKeySource(jwks.url, refetch_interval_s=REFETCH_S, monotonic=ticks)


@pytest.fixture
def verifier(source: JwksUrlKeySource) -> StaffTokenVerifier:
    return StaffTokenVerifier(source, issuer=ISS, client_id=CLIENT, clock=lambda: NOW)


def access_claims(**changes: Any) -> dict[str, Any]:
    """Claims of a Cognito access token for a manager of sites a and b."""
    iat = int(NOW.timestamp()) - 10
    claims: dict[str, Any] = {
        "sub": "5f0c-sub",
        "iss": ISS,
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": iat,
        "iat": iat,
        "exp": iat + 3600,
        "jti": "jti-1",
        "username": "ann@example.com",
        "cognito:groups": ["manager", "site:a", "site:b"],
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def sign(keys, claims: dict[str, Any], kid: str = "kid-1") -> str:
    return jwt.encode(claims, keys[kid], algorithm="RS256", headers={"kid": kid})


def b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_a_cognito_access_token_gives_role_and_sites_from_groups(keys, verifier, jwks) -> None:
    claims = verifier.verify(sign(keys, access_claims()))
    assert (claims.username, claims.role, claims.sites) == (
        "ann@example.com",
        "manager",
        {"a", "b"},
    )
    assert jwks.requests == 1


def test_the_jwks_is_fetched_once_and_then_served_from_the_cache(keys, verifier, jwks) -> None:
    for _ in range(5):
        verifier.verify(sign(keys, access_claims()))
    assert jwks.requests == 1


def test_an_expired_token_is_refused(keys, verifier) -> None:
    expired = access_claims(exp=int((NOW - timedelta(minutes=2)).timestamp()))
    with pytest.raises(NotAuthenticated, match="expired"):
        verifier.verify(sign(keys, expired))


def test_expiry_allows_a_small_clock_skew(keys, verifier) -> None:
    just_expired = access_claims(exp=int(NOW.timestamp()) - 5)
    assert verifier.verify(sign(keys, just_expired)).role == "manager"


def test_a_token_not_valid_yet_is_refused(keys, verifier) -> None:
    later = access_claims(nbf=int((NOW + timedelta(minutes=5)).timestamp()))
    with pytest.raises(NotAuthenticated, match="not valid yet"):
        verifier.verify(sign(keys, later))


def test_a_token_of_another_pool_is_refused(keys, verifier) -> None:
    other = access_claims(iss=cognito_issuer("eu-west-1", "eu-west-1_Other"))
    with pytest.raises(NotAuthenticated, match="issuer is not trusted"):
        verifier.verify(sign(keys, other))


def test_a_token_of_another_app_client_is_refused(keys, verifier) -> None:
    with pytest.raises(NotAuthenticated, match="another client"):
        verifier.verify(sign(keys, access_claims(client_id="someone-elses-client")))


def test_an_id_token_is_refused_where_an_access_token_is_expected(keys, verifier) -> None:
    id_token = access_claims(
        token_use="id", client_id=None, aud=CLIENT, username=None, **{"cognito:username": "ann"}
    )
    with pytest.raises(NotAuthenticated, match="access token is required"):
        verifier.verify(sign(keys, id_token))


def test_alg_none_is_refused(keys, verifier) -> None:
    token = f"{b64({'alg': 'none', 'kid': 'kid-1'})}.{b64(access_claims())}."
    with pytest.raises(NotAuthenticated, match="RS256"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_refused(keys, verifier) -> None:
    # Key confusion: an HMAC keyed with the published public key, hoping it is used as a secret.
    public_pem = (
        keys["kid-1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = f"{b64({'alg': 'HS256', 'kid': 'kid-1'})}.{b64(access_claims())}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(NotAuthenticated, match="RS256"):
        verifier.verify(token)


def test_a_tampered_payload_is_refused(keys, verifier) -> None:
    head, _, sig = sign(keys, access_claims(**{"cognito:groups": ["viewer"]})).split(".")
    forged = b64(access_claims(**{"cognito:groups": ["admin"]}))
    with pytest.raises(NotAuthenticated, match="signature or claims are invalid"):
        verifier.verify(f"{head}.{forged}.{sig}")


def test_a_token_signed_by_another_key_under_a_known_kid_is_refused(keys, verifier) -> None:
    forged = jwt.encode(access_claims(), keys["kid-2"], algorithm="RS256", headers={"kid": "kid-1"})
    with pytest.raises(NotAuthenticated, match="signature or claims are invalid"):
        verifier.verify(forged)


def test_an_unknown_kid_triggers_exactly_one_refetch(keys, verifier, jwks) -> None:
    verifier.verify(sign(keys, access_claims()))
    assert jwks.requests == 1
    with pytest.raises(NotAuthenticated, match="unknown key"):
        verifier.verify(sign(keys, access_claims(), kid="kid-2"))
    assert jwks.requests == 2


def test_unknown_kids_refetch_at_most_once_per_interval(keys, verifier, jwks, ticks) -> None:
    verifier.verify(sign(keys, access_claims()))
    with pytest.raises(NotAuthenticated, match="unknown key"):
        verifier.verify(sign(keys, access_claims(), kid="kid-2"))
    for _ in range(20):  # a flood of made-up kids within the interval fetches nothing more
        ticks.now += 1
        with pytest.raises(NotAuthenticated, match="unknown key"):
            verifier.verify(sign(keys, access_claims(), kid="kid-2"))
    assert jwks.requests == 2
    ticks.now += REFETCH_S
    with pytest.raises(NotAuthenticated, match="unknown key"):
        verifier.verify(sign(keys, access_claims(), kid="kid-2"))
    assert jwks.requests == 3


def test_a_rotated_key_is_picked_up_by_one_refetch(keys, verifier, jwks, ticks) -> None:
    verifier.verify(sign(keys, access_claims()))
    jwks.keys = [jwk(keys["kid-1"], "kid-1"), jwk(keys["kid-2"], "kid-2")]  # the pool rotates
    assert verifier.verify(sign(keys, access_claims(), kid="kid-2")).role == "manager"
    assert verifier.verify(sign(keys, access_claims(), kid="kid-1")).role == "manager"
    assert jwks.requests == 2


def test_a_failed_fetch_keeps_the_keys_already_held(keys, verifier, jwks, ticks) -> None:
    verifier.verify(sign(keys, access_claims()))
    jwks.fail = True
    ticks.now += 10 * 3600  # the cache is stale: a refetch is tried, and fails
    assert verifier.verify(sign(keys, access_claims())).role == "manager"
    assert jwks.requests == 2


def test_keys_that_cannot_be_fetched_are_a_clear_refusal(keys, verifier, jwks) -> None:
    jwks.fail = True
    with pytest.raises(NotAuthenticated, match="keys are unavailable"):
        verifier.verify(sign(keys, access_claims()))
