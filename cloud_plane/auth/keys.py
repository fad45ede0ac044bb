"""Where the staff token verifier finds public keys: a fixed JWKS, or Cognito's JWKS URL.

``KeySource.key_for(kid)`` returns the RSA public key for a token's ``kid`` or raises
``NotAuthenticated`` (unknown key, or the keys could not be fetched).

``JwksUrlKeySource`` fetches the JWKS over HTTP with httpx (not PyJWT's ``PyJWKClient``: it
uses urllib, which moto's ``mock_aws`` cannot intercept, and gives no say over how often it
refetches) and keeps it:

- a known ``kid`` is answered from the cache, which is refreshed after ``max_age_s``
  (Cognito keeps a pool's keys for years; the refresh only picks up new ones early);
- an unknown ``kid`` triggers **at most one** refetch per ``refetch_interval_s`` (key
  rotation: a token signed by a key published after our fetch verifies after one refetch),
  so a stream of tokens with made-up ``kid``s costs one JWKS request per interval, not one
  per request;
- a failed fetch keeps the keys already held (a Cognito hiccup does not sign everyone out),
  is retried no sooner than ``JWKS_RETRY_AFTER_FAILURE_S`` later (an unreachable endpoint is
  not hammered once per request), and answers "keys are unavailable" only when no key for
  the ``kid`` is held.

Only RSA keys are taken from a JWKS: the verifier pins RS256.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

import httpx
from jwt.algorithms import RSAAlgorithm

from cloud_plane.errors import TOKEN_KEYS_UNAVAILABLE, TOKEN_UNKNOWN_KEY, NotAuthenticated

JWKS_MAX_AGE_S = 3600.0
JWKS_REFETCH_INTERVAL_S = 60.0
JWKS_RETRY_AFTER_FAILURE_S = 5.0
JWKS_TIMEOUT_S = 5.0
MAX_JWKS_BYTES = 256 * 1024


class KeySource(Protocol):
    """Finds the public key that signed a token."""

    def key_for(self, kid: str) -> Any:
        """Return the verification key for ``kid``; raise NotAuthenticated if unknown."""
        ...


def rsa_keys(jwks: Any) -> dict[str, Any]:
    """The RSA public keys of a JWKS document (``{"keys": [...]}``) by ``kid``; others skipped."""
    keys: dict[str, Any] = {}
    entries = jwks.get("keys") if isinstance(jwks, dict) else None
    for jwk in entries if isinstance(entries, list) else []:
        if isinstance(jwk, dict) and jwk.get("kty") == "RSA" and isinstance(jwk.get("kid"), str):
            try:
                keys[jwk["kid"]] = RSAAlgorithm.from_jwk(json.dumps(jwk))
            except (ValueError, KeyError, TypeError):
                continue  # one broken entry must not hide the good ones
    return keys


class StaticKeySource:
    """A fixed set of public keys (the local issuer's own key, or a JWKS held in memory)."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self._keys = dict(keys)

    @classmethod
    def from_jwks(cls, jwks: dict[str, Any]) -> StaticKeySource:
        """Build from a JWKS document (``{"keys": [...]}``), RSA keys only."""
        return cls(rsa_keys(jwks))

    def key_for(self, kid: str) -> Any:
        """Return the key for ``kid``."""
        try:
            return self._keys[kid]
        except KeyError:
            raise NotAuthenticated(TOKEN_UNKNOWN_KEY) from None


class JwksUrlKeySource:
    """Keys fetched from a JWKS URL and cached; unknown kids refetch at most once an interval."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.Client | None = None,
        max_age_s: float = JWKS_MAX_AGE_S,
        refetch_interval_s: float = JWKS_REFETCH_INTERVAL_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._http = http
        self._max_age_s = max_age_s
        self._refetch_interval_s = refetch_interval_s
        self._monotonic = monotonic
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._failed_at: float | None = None  # last failed fetch (retried after a pause)
        self._unknown_at: float | None = None  # last refetch an unknown kid caused
        self._lock = threading.Lock()  # verifiers run in the threadpool: one fetch at a time
        self.fetches = 0  # JWKS requests made (metrics and tests)

    def key_for(self, kid: str) -> Any:
        """Return the key for ``kid``, fetching the JWKS when it is stale or lacks the kid."""
        with self._lock:
            now = self._monotonic()
            failed = False
            if self._due(now):
                failed = not self._fetch(now)
            elif kid not in self._keys and _after(self._unknown_at, now, self._refetch_interval_s):
                self._unknown_at = now  # rotation: one refetch, then none for the interval
                failed = not self._fetch(now)
            key = self._keys.get(kid)
        if key is not None:
            return key
        if failed or not self._keys:
            raise NotAuthenticated(TOKEN_KEYS_UNAVAILABLE)
        raise NotAuthenticated(TOKEN_UNKNOWN_KEY)

    def _due(self, now: float) -> bool:
        """True when the keys were never fetched or are stale (and no attempt just failed)."""
        stale = self._fetched_at is None or now - self._fetched_at >= self._max_age_s
        return stale and _after(self._failed_at, now, JWKS_RETRY_AFTER_FAILURE_S)

    def _fetch(self, now: float) -> bool:
        """Replace the cached keys from the URL; False (cache kept) if that failed."""
        self.fetches += 1
        keys = self._download()
        if not keys:  # an error, or an empty or foreign document: keep the keys we hold
            self._failed_at = now
            return False
        self._keys, self._fetched_at, self._failed_at = keys, now, None
        return True

    def _download(self) -> dict[str, Any]:
        try:
            response = self._client().get(self.url, timeout=JWKS_TIMEOUT_S)
            response.raise_for_status()
            if len(response.content) > MAX_JWKS_BYTES:
                return {}
            return rsa_keys(response.json())
        except (httpx.HTTPError, ValueError):
            return {}

    def _client(self) -> httpx.Client:
        if self._http is None:  # made on first use, not at import or start-up
            self._http = httpx.Client(follow_redirects=False)
        return self._http


def _after(then: float | None, now: float, interval_s: float) -> bool:
    """True if ``then`` never happened or lies at least ``interval_s`` before ``now``."""
    return then is None or now - then >= interval_s
