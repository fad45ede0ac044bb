"""Failed sign-ins slow down whoever is failing, and never lock the owner out for long.

One rule for the cloud's staff login (JSON route and dashboard form) and the node's local
web app sign-in; each app turns ``LoginThrottled`` into its own 429 answer.

The rule (also in the README, "Staff login"):

- Every attempt counts as a failure when it starts (parallel guesses cannot slip in before
  the first is recorded); a correct password takes its own count back.
- Per client address: the first ``free`` failures cost nothing; after the k-th failure the
  next attempt from that address waits ``base * 2**(k - free)`` seconds, capped at
  ``address_cap_s`` (15 min by default). This is what slows a guesser and a sprayer (one
  password over many usernames from one address).
- Per username: the same ramp capped at ``user_cap_s`` (30 s), and it applies only to
  addresses that have failed recently. An address with no failure on record is *clean*: its
  attempt is always checked, so the owner, signing in from their usual address, is never
  held back by an attack on their username from elsewhere. An attacker's address stops
  being clean at its first failure, so a botnet gets one unthrottled guess per address.
- A correct password forgets the username's failures (the owner proved themselves) but not
  the address's other failures (one valid account must not let a sprayer reset itself).
- A counter is forgotten ``window_s`` after its next allowed attempt.

So the owner waits at most ``user_cap_s`` (plus whatever their own address earned by
failing). Refusals are 429 with ``Retry-After``; refused attempts are not counted.

State is in this process by default, bounded to ``max_tracked`` keys per kind (the least
recently failing are evicted first). Several processes serving one app (the node's
`--workers`, the full cloud's API tasks) share it through ``SharedCounts`` instead, or each
would allow the attacker its own ramp; the node keeps it in its database
(``local_node/web/login_counts.py``). The cloud plane keeps it per process.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

Clock = Callable[[], datetime]

MAX_TRACKED = 10_000  # keys remembered per kind; bounds memory under a spray or a botnet
THROTTLED = "too many failed logins; try again later"


class LoginThrottled(Exception):
    """An attempt refused before the password is checked; ``retry_after_s`` says when to retry."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(THROTTLED)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Backoff:
    """Exponential delay after ``free`` failures: base, 2 base, 4 base, ... up to ``cap_s``."""

    free: int
    base_s: float
    cap_s: float

    def delay(self, failures: int) -> float:
        """Return how long to wait after the ``failures``-th failure."""
        if failures < self.free:
            return 0.0
        exponent = min(failures - self.free, 64)  # 2**64 s is past any cap
        return min(self.base_s * 2**exponent, self.cap_s)


@dataclass
class Count:
    """One key's failures: how many, when it may try again, when they are forgotten (epoch s)."""

    failures: int
    next_at: float  # earliest allowed attempt
    forget_at: float


ADDRESS = "address"
USER = "user"

Records = dict[tuple[str, str], Count | None]
"""Counts by (kind, key), kind ``ADDRESS`` or ``USER``; None: nothing on record."""


class SharedCounts(Protocol):
    """Counts kept where every process of the app sees them (a database)."""

    def locked(self, keys: list[tuple[str, str]], now: float) -> AbstractContextManager[Records]:
        """The keys' live counts, under a lock all processes share; what the mapping holds
        when the block ends is stored (None: forgotten). Counts forgotten by ``now`` go."""
        ...


class FailureCounter:
    """Failures per key with exponential back-off; not thread-safe (the limiter locks)."""

    def __init__(
        self,
        backoff: Backoff,
        *,
        window_s: float,
        max_keys: int,
        counts: OrderedDict[str, Count] | None = None,
    ) -> None:
        self._backoff = backoff
        self._window = window_s
        self._max = max_keys
        self._counts: OrderedDict[str, Count] = OrderedDict() if counts is None else counts

    def record(self, key: str) -> Count | None:
        """The key's count as it stands (None: none)."""
        return self._counts.get(key)

    def failures(self, key: str, now: float) -> int:
        """Return the failures on record for ``key``."""
        count = self._live(key, now)
        return count.failures if count else 0

    def wait(self, key: str, now: float) -> float:
        """Return the seconds until ``key`` may try again (0: now)."""
        count = self._live(key, now)
        return max(0.0, count.next_at - now) if count else 0.0

    def fail(self, key: str, now: float) -> None:
        """Record a failure and push the next allowed attempt back."""
        count = self._live(key, now) or Count(0, now, now)
        count.failures += 1
        count.next_at = now + self._backoff.delay(count.failures)
        count.forget_at = count.next_at + self._window
        self._counts[key] = count
        self._counts.move_to_end(key)
        while len(self._counts) > self._max:
            self._counts.popitem(last=False)

    def take_back(self, key: str) -> None:
        """Undo one failure (an attempt that turned out right); its delay stays."""
        count = self._counts.get(key)
        if count is not None and count.failures > 0:
            count.failures -= 1

    def forget(self, key: str) -> None:
        """Drop the key's failures."""
        self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)

    def _live(self, key: str, now: float) -> Count | None:
        count = self._counts.get(key)
        if count is not None and now > count.forget_at:
            del self._counts[key]
            return None
        return count


class LoginLimiter:
    """Back-off per client address and per username (the rule is the module's docstring)."""

    def __init__(
        self,
        *,
        max_failures: int,
        window_s: float,
        clock: Clock,
        address_cap_s: float = 900.0,
        user_cap_s: float = 30.0,
        base_s: float = 1.0,
        max_tracked: int = MAX_TRACKED,
        shared: SharedCounts | None = None,
    ) -> None:
        self._clock = clock
        self._window = window_s
        self._backoffs = {
            ADDRESS: Backoff(max_failures, base_s, address_cap_s),
            USER: Backoff(max_failures, base_s, user_cap_s),
        }
        self.addresses = self._counter(ADDRESS, max_tracked)
        self.users = self._counter(USER, max_tracked)
        self._shared = shared
        self._lock = threading.Lock()

    def begin(self, address: str, username: str) -> None:
        """Admit one attempt (counted as failed until ``succeeded``); raise LoginThrottled."""
        now = self._clock().timestamp()
        with self._counters(address, username, now) as (addresses, users):
            wait = addresses.wait(address, now)
            if addresses.failures(address, now) > 0:  # not clean: the username's pace too
                wait = max(wait, users.wait(username, now))
            if wait > 0:
                raise LoginThrottled(math.ceil(wait))
            addresses.fail(address, now)
            users.fail(username, now)

    def succeeded(self, address: str, username: str) -> None:
        """Take the attempt back from the address and forget the username's failures."""
        now = self._clock().timestamp()
        with self._counters(address, username, now) as (addresses, users):
            addresses.take_back(address)
            users.forget(username)

    def _counter(
        self, kind: str, max_keys: int, counts: OrderedDict[str, Count] | None = None
    ) -> FailureCounter:
        return FailureCounter(
            self._backoffs[kind], window_s=self._window, max_keys=max_keys, counts=counts
        )

    @contextmanager
    def _counters(
        self, address: str, username: str, now: float
    ) -> Iterator[tuple[FailureCounter, FailureCounter]]:
        """This process's counters under its lock, or the two keys' shared counts under the
        shared lock, written back when the block ends (also when it refuses the attempt)."""
        if self._shared is None:
            with self._lock:
                yield self.addresses, self.users
            return
        keys = [(ADDRESS, address), (USER, username)]
        with self._shared.locked(keys, now) as records:
            views = {
                kind: self._counter(
                    kind, 1, OrderedDict([(key, c)] if (c := records.get((kind, key))) else [])
                )
                for kind, key in keys
            }
            try:
                yield views[ADDRESS], views[USER]
            finally:
                for kind, key in keys:
                    records[(kind, key)] = views[kind].record(key)
