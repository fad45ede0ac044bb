"""A small per-username limit on failed logins (one process; enough for self-hosting)."""

from __future__ import annotations

import threading
from collections import deque

from cloud_plane.clock import Clock
from cloud_plane.errors import TooManyRequests

MAX_TRACKED = 10_000  # usernames remembered at once; bounds memory under a spray attack


class LoginLimiter:
    """Refuses a username after ``max_failures`` failed logins within ``window_s``."""

    def __init__(self, *, max_failures: int, window_s: float, clock: Clock) -> None:
        self._max = max_failures
        self._window = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, username: str) -> None:
        """Raise TooManyRequests while ``username`` is locked out."""
        now = self._clock().timestamp()
        with self._lock:
            recent = self._recent(username, now)
            if len(recent) >= self._max:
                raise TooManyRequests(
                    "too many failed logins; try again later",
                    retry_after_s=int(recent[0] + self._window - now) + 1,
                )

    def failed(self, username: str) -> None:
        """Record a failed login."""
        now = self._clock().timestamp()
        with self._lock:
            if len(self._failures) >= MAX_TRACKED and username not in self._failures:
                self._failures.pop(next(iter(self._failures)))
            self._recent(username, now).append(now)

    def succeeded(self, username: str) -> None:
        """Forget the failures of a user who logged in."""
        with self._lock:
            self._failures.pop(username, None)

    def _recent(self, username: str, now: float) -> deque[float]:
        recent = self._failures.setdefault(username, deque())
        while recent and recent[0] <= now - self._window:
            recent.popleft()
        return recent
