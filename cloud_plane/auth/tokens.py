"""Staff JWTs: one verifier for Cognito access tokens and the self-hosted issuer's tokens.

The verifier pins RS256 (``alg: none`` and HS256 keyed with the public key are refused before
any key is looked at) and checks the signature (key chosen by ``kid`` from a ``KeySource``,
``auth/keys.py``: the local issuer's own key, or Cognito's JWKS fetched over HTTP and cached),
``iss`` (the pool, or the local issuer), ``token_use == "access"`` (an ID token is refused),
``client_id`` (Cognito access tokens carry ``client_id``, not ``aud``) and ``exp``/``nbf``/``iat``
against an injected clock with ``LEEWAY_S`` of skew allowed.

Roles and site scope come from ``cognito:groups``: the strongest of ``admin``, ``manager``,
``viewer`` is the role; each group named ``site:<site_id>`` (``SITE_GROUP_PREFIX``) adds that
site to the scope. Decided for issue 9: site scope is carried by **groups**, not by a custom
attribute, because Cognito access tokens carry groups but not custom attributes (those are in
the ID token only), and the API is called with access tokens. An admin sees every site
whatever its groups (``auth/staff.py``).

``LocalIssuer`` mints tokens of the Cognito access-token shape (``sub``, ``username``,
``cognito:groups``, ``token_use``, ``client_id``, ``iss``, ``iat``, ``exp``, ``jti``) so the
same verifier serves both modes, plus ``edgesync:token_version``: the user's version when the
token was issued (a password reset or disabling bumps it, revoking older tokens; see
``auth/staff.py``). In self-hosted mode the store, not the token, holds role and sites.

Every refusal raises ``NotAuthenticated`` (401) with a short reason; a valid
token without a staff role raises ``Forbidden`` (403).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from cloud_plane.auth.keys import KeySource, StaticKeySource
from cloud_plane.clock import Clock
from cloud_plane.errors import (
    ACCESS_TOKEN_REQUIRED,
    TOKEN_BAD_ALGORITHM,
    TOKEN_EXPIRED,
    TOKEN_FROM_THE_FUTURE,
    TOKEN_INVALID,
    TOKEN_ISSUER_UNTRUSTED,
    TOKEN_MALFORMED,
    TOKEN_NO_KEY_ID,
    TOKEN_NOT_YET_VALID,
    TOKEN_OTHER_CLIENT,
    TOKEN_TIMES_INVALID,
    TOKEN_VERSION_INVALID,
    Forbidden,
    NotAuthenticated,
)
from cloud_plane.records.users import ROLES, Role

ALGORITHM = "RS256"
LEEWAY_S = 30
LOCAL_CLIENT_ID = "edgesync-dashboard"
VERSION_CLAIM = "edgesync:token_version"
SITE_GROUP_PREFIX = "site:"


@dataclass(frozen=True)
class StaffClaims:
    """Who a verified staff token names."""

    sub: str
    username: str
    role: Role
    jti: str | None
    # The local issuer's user token version (0 for its tokens from before versions existed);
    # None for a token without one (Cognito's), which the store cannot revoke this way.
    token_version: int | None = None
    # Sites named by ``site:<id>`` groups (Cognito mode's scope; the local issuer adds none).
    sites: frozenset[str] = frozenset()


class StaffTokenVerifier:
    """Verifies staff access tokens (one verifier for Cognito and the local issuer)."""

    def __init__(self, keys: KeySource, *, issuer: str, client_id: str, clock: Clock) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_id = client_id
        self._clock = clock

    def verify(self, token: str) -> StaffClaims:
        """Return the token's claims; raise NotAuthenticated or Forbidden."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise NotAuthenticated(TOKEN_MALFORMED) from None
        if header.get("alg") != ALGORITHM:
            raise NotAuthenticated(TOKEN_BAD_ALGORITHM.format(algorithm=ALGORITHM))
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise NotAuthenticated(TOKEN_NO_KEY_ID)
        try:
            claims = jwt.decode(
                token,
                self._keys.key_for(kid),
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                options={
                    # client_id is checked below, after token_use: an ID token (aud, no
                    # client_id) is then refused for what it is.
                    "require": ["iss", "exp", "iat", "sub", "token_use"],
                    "verify_aud": False,  # access tokens carry client_id instead
                    "verify_exp": False,  # checked below against the injected clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidIssuerError:
            raise NotAuthenticated(TOKEN_ISSUER_UNTRUSTED) from None
        except jwt.PyJWTError:
            raise NotAuthenticated(TOKEN_INVALID) from None
        now = self._clock().timestamp()
        exp, iat = claims["exp"], claims["iat"]
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise NotAuthenticated(TOKEN_TIMES_INVALID)
        if exp < now - LEEWAY_S:
            raise NotAuthenticated(TOKEN_EXPIRED)
        if iat > now + LEEWAY_S:
            raise NotAuthenticated(TOKEN_FROM_THE_FUTURE)
        nbf = claims.get("nbf")
        if nbf is not None:
            if not isinstance(nbf, int | float) or isinstance(nbf, bool):
                raise NotAuthenticated(TOKEN_TIMES_INVALID)
            if nbf > now + LEEWAY_S:
                raise NotAuthenticated(TOKEN_NOT_YET_VALID)
        if claims["token_use"] != "access":
            raise NotAuthenticated(ACCESS_TOKEN_REQUIRED)
        if "client_id" not in claims:
            raise NotAuthenticated(TOKEN_INVALID)
        if claims["client_id"] != self._client_id:
            raise NotAuthenticated(TOKEN_OTHER_CLIENT)
        username = claims.get("username") or claims.get("cognito:username") or claims["sub"]
        version = claims.get(VERSION_CLAIM)
        if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
            raise NotAuthenticated(TOKEN_VERSION_INVALID)
        groups = _groups(claims.get("cognito:groups"))
        return StaffClaims(
            sub=str(claims["sub"]),
            username=str(username),
            role=_role(groups),
            jti=claims.get("jti"),
            token_version=version,
            sites=site_scope(groups),
        )


def _groups(groups: Any) -> list[str]:
    """Cognito groups as a list (a JSON list, or "[a b]" as API Gateway flattens it)."""
    if isinstance(groups, str):
        groups = groups.strip("[]").replace(",", " ").split()
    if isinstance(groups, list):
        return [g for g in groups if isinstance(g, str)]
    return []


def _role(groups: Any) -> Role:
    """Return the strongest staff role among Cognito groups (list, or "[a b]" from API GW)."""
    names = _groups(groups)
    for role in ROLES:  # strongest first
        if role in names:
            return role
    raise Forbidden("token carries no staff role (admin, manager or viewer)")


def site_scope(groups: Any) -> frozenset[str]:
    """The site ids named by ``site:<site_id>`` groups."""
    return frozenset(
        g[len(SITE_GROUP_PREFIX) :]
        for g in _groups(groups)
        if g.startswith(SITE_GROUP_PREFIX) and len(g) > len(SITE_GROUP_PREFIX)
    )


def site_group(site_id: str) -> str:
    """The Cognito group that puts ``site_id`` in a user's scope."""
    return f"{SITE_GROUP_PREFIX}{site_id}"


class LocalIssuer:
    """The self-hosted token issuer: RS256 tokens shaped like Cognito access tokens."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey,
        *,
        issuer: str,
        client_id: str = LOCAL_CLIENT_ID,
        ttl_s: int,
        clock: Clock,
    ) -> None:
        self._private = private_key
        self.kid = _kid(private_key.public_key())
        self.issuer = issuer
        self.client_id = client_id
        self.ttl_s = ttl_s
        self._clock = clock

    def issue(
        self, username: str, role: Role, *, version: int = 0, now: datetime | None = None
    ) -> str:
        """Return an access token for ``username`` with ``role``, under token ``version``."""
        iat = int((now or self._clock()).timestamp())
        claims = {
            "sub": username,
            "username": username,
            "cognito:groups": [role],
            "token_use": "access",
            "client_id": self.client_id,
            "iss": self.issuer,
            "iat": iat,
            "exp": iat + self.ttl_s,
            "jti": str(uuid.uuid4()),
            VERSION_CLAIM: version,
        }
        return jwt.encode(claims, self._private, algorithm=ALGORITHM, headers={"kid": self.kid})

    def key_source(self) -> StaticKeySource:
        """Return a key source holding this issuer's public key."""
        return StaticKeySource({self.kid: self._private.public_key()})

    def jwks(self) -> dict[str, Any]:
        """Return the public JWKS of this issuer."""
        jwk = json.loads(RSAAlgorithm.to_jwk(self._private.public_key()))
        return {"keys": [{**jwk, "kid": self.kid, "alg": ALGORITHM, "use": "sig"}]}


def load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    """Return the RSA key at ``path``, creating it (mode 0600) on first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return loaded


def _kid(public_key: rsa.RSAPublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def cognito_issuer(region: str, user_pool_id: str) -> str:
    """Return the ``iss`` of a Cognito user pool's tokens."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"
