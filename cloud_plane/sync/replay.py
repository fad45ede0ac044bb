"""The sync replay cache, kept in the store so every cloud process shares it."""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_plane.clock import Clock
from cloud_plane.store.base import CloudStore


class StoreReplayCache:
    """``sync_protocol.signing.ReplayCache`` over ``CloudStore.remember_nonce``."""

    def __init__(self, store: CloudStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def seen(self, jti: str, exp: float) -> bool:
        """Record ``jti`` until ``exp`` (epoch seconds); return True if already recorded."""
        return self._store.remember_nonce(
            jti[:160], datetime.fromtimestamp(exp, UTC), self._clock()
        )
