"""Request signing: a signed request verifies; every forgery or misuse is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from sync_protocol.signing import (
    AUDIENCE,
    ExpiredRequest,
    InMemoryReplayCache,
    ReplayedRequest,
    SignatureError,
    TamperedRequest,
    UnknownKey,
    body_hash,
    generate_keypair,
    key_thumbprint,
    sign_request,
    verify_request,
)

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)
BODY = b"compressed exchange body"
PRIVATE, PUBLIC = generate_keypair()


def _lookup(site_id: str, key_id: str) -> str | None:
    return PUBLIC if (site_id, key_id) == ("site-1", "k1") else None


def _sign(**changes: object) -> str:
    args: dict[str, object] = {
        "site_id": "site-1",
        "key_id": "k1",
        "body": BODY,
        "now": NOW,
        "nonce": "n-1",
    }
    args.update(changes)
    return sign_request(PRIVATE, **args)  # type: ignore[arg-type]


def _verify(token: str, body: bytes = BODY, **changes: object) -> object:
    args: dict[str, object] = {
        "public_key_pem_lookup": _lookup,
        "now": NOW,
        "replay_cache": InMemoryReplayCache(),
    }
    args.update(changes)
    return verify_request(token, body, **args)  # type: ignore[arg-type]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, object], claims: dict[str, object], signature: bytes) -> str:
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    return head + "." + _b64(signature)


def _claims() -> dict[str, object]:
    iat = int(NOW.timestamp())
    return {
        "iss": "site-1",
        "aud": AUDIENCE,
        "iat": iat,
        "exp": iat + 60,
        "jti": "x",
        "bh": body_hash(BODY),
    }


def test_signed_request_verifies_and_names_the_signer() -> None:
    verified = _verify(_sign())
    assert verified.site_id == "site-1"  # type: ignore[attr-defined]
    assert verified.key_id == "k1"  # type: ignore[attr-defined]
    assert verified.jti == "n-1"  # type: ignore[attr-defined]


def test_token_header_pins_eddsa_and_names_the_key() -> None:
    header = jwt.get_unverified_header(_sign())
    assert header["alg"] == "EdDSA"
    assert header["kid"] == "k1"


def test_tampered_body_is_refused() -> None:
    with pytest.raises(TamperedRequest, match="body hash"):
        _verify(_sign(), body=BODY + b"!")


def test_tampered_claims_are_refused() -> None:
    head, claims, sig = _sign().split(".")
    payload = json.loads(base64.urlsafe_b64decode(claims + "=="))
    payload["iss"] = "site-1"
    payload["exp"] += 3600
    forged = f"{head}.{_b64(json.dumps(payload).encode())}.{sig}"
    with pytest.raises(TamperedRequest, match="Signature verification failed"):
        _verify(forged)


def test_expired_request_is_refused_after_the_leeway() -> None:
    token = _sign()
    _verify(token, now=NOW + timedelta(seconds=65))  # within 10 s leeway
    with pytest.raises(ExpiredRequest, match="expired"):
        _verify(token, now=NOW + timedelta(seconds=75))


def test_request_from_the_future_is_refused() -> None:
    with pytest.raises(ExpiredRequest, match="in the future"):
        _verify(_sign(now=NOW + timedelta(minutes=5)))


def test_long_lived_token_is_refused() -> None:
    claims = _claims() | {"exp": int(NOW.timestamp()) + 3600}
    token = jwt.encode(claims, PRIVATE, algorithm="EdDSA", headers={"kid": "k1"})
    with pytest.raises(ExpiredRequest, match="lifetime 3600s exceeds 300s"):
        _verify(token)
    with pytest.raises(ValueError, match=r"ttl_s must be in 1\.\.300"):
        _sign(ttl_s=3600)


def test_replayed_request_is_refused() -> None:
    cache = InMemoryReplayCache(clock=lambda: NOW.timestamp())
    token = _sign()
    _verify(token, replay_cache=cache)
    with pytest.raises(ReplayedRequest, match="'n-1' of site 'site-1'"):
        _verify(token, replay_cache=cache)


def test_rejected_token_does_not_burn_its_nonce() -> None:
    cache = InMemoryReplayCache(clock=lambda: NOW.timestamp())
    with pytest.raises(TamperedRequest):
        _verify(_sign(), body=b"other", replay_cache=cache)
    _verify(_sign(), replay_cache=cache)


def test_replay_cache_forgets_expired_nonces() -> None:
    now = [1000.0]
    cache = InMemoryReplayCache(clock=lambda: now[0])
    assert cache.seen("a", 1010) is False
    assert cache.seen("a", 1010) is True
    now[0] = 1011.0
    assert cache.seen("b", 1070) is False
    assert len(cache) == 1


def test_wrong_key_is_refused() -> None:
    other_private, _ = generate_keypair()
    token = sign_request(
        other_private, site_id="site-1", key_id="k1", body=BODY, now=NOW, nonce="n"
    )
    with pytest.raises(TamperedRequest, match="Signature verification failed"):
        _verify(token)


def test_unknown_key_or_another_sites_key_is_refused() -> None:
    with pytest.raises(UnknownKey, match="no key 'k2' registered for site 'site-1'"):
        _verify(_sign(key_id="k2"))
    with pytest.raises(UnknownKey, match="site 'site-2'"):
        _verify(_sign(site_id="site-2"))


def test_alg_none_is_refused() -> None:
    token = _forge({"alg": "none", "kid": "k1"}, _claims(), b"")
    with pytest.raises(TamperedRequest, match="algorithm 'none' refused"):
        _verify(token)


def test_hs256_signed_with_the_public_key_is_refused() -> None:
    # The classic algorithm confusion: HMAC keyed with the (public) verification key.
    header = {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    head = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(_claims()).encode())
    signature = hmac.new(PUBLIC.encode(), head.encode(), hashlib.sha256).digest()
    with pytest.raises(TamperedRequest, match="algorithm 'HS256' refused"):
        _verify(f"{head}.{_b64(signature)}")


def test_wrong_audience_is_refused() -> None:
    token = jwt.encode(
        _claims() | {"aud": "staff"}, PRIVATE, algorithm="EdDSA", headers={"kid": "k1"}
    )
    with pytest.raises(TamperedRequest, match=r"(?i)audience"):
        _verify(token)


def test_missing_claim_is_refused() -> None:
    claims = _claims()
    del claims["jti"]
    token = jwt.encode(claims, PRIVATE, algorithm="EdDSA", headers={"kid": "k1"})
    with pytest.raises(TamperedRequest, match="jti"):
        _verify(token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(SignatureError):
        _verify(token)


def test_key_thumbprint_is_stable_and_distinct() -> None:
    assert key_thumbprint(PUBLIC) == key_thumbprint(PUBLIC)
    assert key_thumbprint(PUBLIC) != key_thumbprint(generate_keypair()[1])
    assert len(key_thumbprint(PUBLIC)) == 22
