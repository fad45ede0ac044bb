"""Request signing: each node signs every sync request with its own Ed25519 key.

The node makes its key pair (``generate_keypair``) and registers the public key
at enrolment. Each request carries a short-lived JWT (``sign_request``) in
``Authorization: Bearer``; the JWT is bound to the exact body by its SHA-256
(``bh`` claim) and to one use by its ``jti`` nonce. The cloud verifies with
``verify_request``: pinned algorithm (EdDSA only: never ``none``, never an HMAC
keyed with the public key), the key registered for ``(iss, kid)``, audience,
expiry with a small leeway, a bounded lifetime, the body hash, and finally the
replay cache (last, so that a rejected token never burns its nonce).

Exceptions::

    SignatureError              any reason to refuse a signed request (HTTP 401)
     ├── UnknownKey             no key registered for (site, kid)
     ├── TamperedRequest        malformed token, wrong algorithm, bad signature,
     │                          wrong audience, missing claim, body hash mismatch
     ├── ExpiredRequest         expired, issued in the future, or lifetime too long
     └── ReplayedRequest        the jti was already used

A ``ReplayCache`` must be shared by every process that verifies for the same
sites; ``InMemoryReplayCache`` serves one process (tests, self-hosted). A
multi-instance cloud needs a shared implementation (e.g. a conditional put
with a TTL) behind the same Protocol.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ALGORITHM = "EdDSA"
AUDIENCE = "edgesync-sync"  # keeps node tokens apart from staff tokens
TOKEN_TYPE = "edgesync-req+jwt"
DEFAULT_TTL_S = 60
MAX_TTL_S = 300
DEFAULT_LEEWAY_S = 10
REQUIRED_CLAIMS = ("iss", "aud", "iat", "exp", "jti", "bh")


class SignatureError(Exception):
    """A signed request must be refused."""


class UnknownKey(SignatureError):
    """No public key is registered for the token's site and key id."""


class TamperedRequest(SignatureError):
    """The token or the body is not what the key holder signed."""


class ExpiredRequest(SignatureError):
    """The token is outside its validity window."""


class ReplayedRequest(SignatureError):
    """The token's nonce was already used."""


class ReplayCache(Protocol):
    """Remembers nonces until they expire."""

    def seen(self, jti: str, exp: float) -> bool:
        """Record ``jti`` (valid until ``exp``, epoch seconds); return True if already seen."""
        ...


class InMemoryReplayCache:
    """A one-process ``ReplayCache``; memory is bounded by the requests made within one TTL."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []

    def seen(self, jti: str, exp: float) -> bool:
        """Record ``jti`` until ``exp``; return True if it is already recorded."""
        now = self._clock()
        # Forget expired nonces: an expired token is refused before the cache is asked.
        while self._heap and self._heap[0][0] < now:
            _, old = heapq.heappop(self._heap)
            if self._expiry.get(old, now) < now:
                del self._expiry[old]
        if jti in self._expiry:
            return True
        self._expiry[jti] = exp
        heapq.heappush(self._heap, (exp, jti))
        return False

    def __len__(self) -> int:
        return len(self._expiry)


@dataclass(frozen=True)
class VerifiedRequest:
    """Who signed a verified request; the caller checks the body's site_id equals ``site_id``."""

    site_id: str
    key_id: str
    jti: str
    issued_at: int
    expires_at: int


def generate_keypair() -> tuple[str, str]:
    """Return a new Ed25519 ``(private_pem, public_pem)``; the private key never leaves the node."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return private_pem, public_pem_of(private_pem)


def public_pem_of(private_pem: str) -> str:
    """Return the public key PEM of ``private_pem``."""
    private = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def key_thumbprint(public_pem: str) -> str:
    """Return a stable id for ``public_pem``: base64url SHA-256 of its DER, 22 characters."""
    der = serialization.load_pem_public_key(public_pem.encode()).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _b64(hashlib.sha256(der).digest())[:22]


def body_hash(body: bytes) -> str:
    """Return the ``bh`` claim for ``body``: base64url SHA-256, unpadded."""
    return _b64(hashlib.sha256(body).digest())


def sign_request(
    private_pem: str,
    *,
    site_id: str,
    key_id: str,
    body: bytes,
    now: datetime,
    nonce: str,
    ttl_s: int = DEFAULT_TTL_S,
) -> str:
    """Return a JWT that authorises sending ``body`` as ``site_id`` for ``ttl_s`` seconds."""
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl_s must be in 1..{MAX_TTL_S}, got {ttl_s}")
    iat = int(now.timestamp())
    claims = {
        "iss": site_id,
        "aud": AUDIENCE,
        "iat": iat,
        "exp": iat + ttl_s,
        "jti": nonce,
        "bh": body_hash(body),
    }
    headers = {"kid": key_id, "typ": TOKEN_TYPE}
    return jwt.encode(claims, private_pem, algorithm=ALGORITHM, headers=headers)


def verify_request(
    token: str,
    body: bytes,
    *,
    public_key_pem_lookup: Callable[[str, str], str | None],
    now: datetime,
    replay_cache: ReplayCache,
    leeway_s: int = DEFAULT_LEEWAY_S,
) -> VerifiedRequest:
    """Verify ``token`` for ``body``; return the signer or raise a ``SignatureError``.

    ``public_key_pem_lookup(site_id, key_id)`` returns the PEM registered for
    that site under that id, or None.
    """
    try:
        header = jwt.get_unverified_header(token)
        # Unverified claims only pick the key; everything is re-read after verification.
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TamperedRequest(f"malformed token: {exc}") from exc
    if header.get("alg") != ALGORITHM:
        raise TamperedRequest(f"token algorithm {header.get('alg')!r} refused; only {ALGORITHM}")
    site_id, key_id = unverified.get("iss"), header.get("kid")
    if not isinstance(site_id, str) or not isinstance(key_id, str):
        raise TamperedRequest("token must name its site (iss) and key (kid)")
    public_pem = public_key_pem_lookup(site_id, key_id)
    if public_pem is None:
        raise UnknownKey(f"no key {key_id!r} registered for site {site_id!r}")
    claims = _verified_claims(token, public_pem)
    _check_times(claims, now.timestamp(), leeway_s)
    if not hmac.compare_digest(str(claims["bh"]), body_hash(body)):
        raise TamperedRequest("body does not match the signed body hash (bh)")
    if replay_cache.seen(f"{site_id}:{claims['jti']}", claims["exp"] + leeway_s):
        raise ReplayedRequest(f"nonce {claims['jti']!r} of site {site_id!r} was already used")
    return VerifiedRequest(site_id, key_id, str(claims["jti"]), claims["iat"], claims["exp"])


def _verified_claims(token: str, public_pem: str) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            public_pem,
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            # Times are checked against the injected `now` in _check_times.
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TamperedRequest(f"token refused: {exc}") from exc


def _check_times(claims: dict[str, Any], now: float, leeway_s: int) -> None:
    iat, exp = claims["iat"], claims["exp"]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (iat, exp)):
        raise TamperedRequest("iat and exp must be integers")
    if exp - iat > MAX_TTL_S:
        raise ExpiredRequest(f"token lifetime {exp - iat}s exceeds {MAX_TTL_S}s")
    if iat > now + leeway_s:
        raise ExpiredRequest(f"token issued {iat - now:.0f}s in the future (leeway {leeway_s}s)")
    if exp < now - leeway_s:
        raise ExpiredRequest(f"token expired {now - exp:.0f}s ago (leeway {leeway_s}s)")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
