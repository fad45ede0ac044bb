"""One verifier for staff tokens: pinned RS256, issuer, token_use, client_id, expiry."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cloud_plane.auth.tokens import LocalIssuer, StaffTokenVerifier, StaticKeySource, _role
from cloud_plane.errors import Forbidden, NotAuthenticated

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ISS = "https://cloud.example"


@pytest.fixture(scope="module")
def issuer(staff_key_pem: bytes) -> LocalIssuer:
    key = serialization.load_pem_private_key(staff_key_pem, password=None)
    return LocalIssuer(key, issuer=ISS, client_id="dash", ttl_s=600, clock=lambda: NOW)


@pytest.fixture
def verifier(issuer: LocalIssuer) -> StaffTokenVerifier:
    return StaffTokenVerifier(issuer.key_source(), issuer=ISS, client_id="dash", clock=lambda: NOW)


def _claims(issuer: LocalIssuer, **changes) -> dict:
    claims = jwt.decode(
        issuer.issue("ann@example.com", "manager"), options={"verify_signature": False}
    )
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def _sign(issuer: LocalIssuer, claims: dict) -> str:
    return jwt.encode(claims, issuer._private, algorithm="RS256", headers={"kid": issuer.kid})


def test_a_local_token_has_the_cognito_access_token_shape(issuer, verifier) -> None:
    token = issuer.issue("ann@example.com", "manager")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {
        "sub", "username", "cognito:groups", "token_use", "client_id", "iss", "iat", "exp", "jti",
        "edgesync:token_version",
    }  # fmt: skip
    staff = verifier.verify(token)
    assert (staff.username, staff.role) == ("ann@example.com", "manager")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"client_id": "other-app"}, "another client"),
        ({"token_use": "id"}, "access token"),
        ({"exp": int((NOW - timedelta(minutes=5)).timestamp())}, "expired"),
        ({"iat": int((NOW + timedelta(hours=1)).timestamp())}, "future"),
        ({"client_id": None}, "invalid"),
    ],
    ids=["wrong-issuer", "wrong-client", "id-token", "expired", "future", "no-client-id"],
)
def test_tokens_with_bad_claims_are_refused(issuer, verifier, changes, message) -> None:
    with pytest.raises(NotAuthenticated, match=message):
        verifier.verify(_sign(issuer, _claims(issuer, **changes)))


def test_alg_none_is_refused(issuer, verifier) -> None:
    token = f"{_b64({'alg': 'none', 'kid': issuer.kid})}.{_b64(_claims(issuer))}."
    with pytest.raises(NotAuthenticated, match="RS256"):
        verifier.verify(token)


def test_hs256_keyed_with_the_public_key_is_refused(issuer, verifier) -> None:
    # The classic key-confusion attack: an HMAC over the token keyed with the public PEM.
    public_pem = issuer._private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{_b64({'alg': 'HS256', 'kid': issuer.kid})}.{_b64(_claims(issuer))}"
    mac = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"
    with pytest.raises(NotAuthenticated, match="RS256"):
        verifier.verify(token)


def test_a_tampered_or_foreign_token_is_refused(issuer, verifier) -> None:
    token = issuer.issue("ann@example.com", "viewer")
    head, body, sig = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged["cognito:groups"] = ["admin"]
    body = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    with pytest.raises(NotAuthenticated):
        verifier.verify(f"{head}.{body}.{sig}")
    with pytest.raises(NotAuthenticated, match="unknown key"):
        StaffTokenVerifier(
            StaticKeySource({}), issuer=ISS, client_id="dash", clock=lambda: NOW
        ).verify(token)
    with pytest.raises(NotAuthenticated, match="malformed"):
        verifier.verify("not-a-jwt")


def test_the_verifier_accepts_a_jwks_document(issuer) -> None:
    keys = StaticKeySource.from_jwks(issuer.jwks())
    verifier = StaffTokenVerifier(keys, issuer=ISS, client_id="dash", clock=lambda: NOW)
    assert verifier.verify(issuer.issue("b@example.com", "admin")).role == "admin"


def test_roles_come_from_cognito_groups_strongest_first() -> None:
    assert _role(["viewer", "admin"]) == "admin"
    assert _role("[ops manager]") == "manager"  # API Gateway's flattened form
    with pytest.raises(Forbidden):
        _role(["ops"])
    with pytest.raises(Forbidden):
        _role(None)
