"""The sync replay cache, kept in the store so every cloud process shares it."""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_plane.clock import Clock
from cloud_plane.store.roles import SiteStore


class StoreReplayCache:
    """``sync_protocol.signing.ReplayCache`` over ``SiteStore.remember_nonce``."""

    def __init__(self, sites: SiteStore, clock: Clock) -> None:
        self._sites = sites
        self._clock = clock

    def seen(self, jti: str, exp: float) -> bool:
        """Record ``jti`` until ``exp`` (epoch seconds); return True if already recorded."""
        return self._sites.remember_nonce(
            jti[:160], datetime.fromtimestamp(exp, UTC), self._clock()
        )
