"""When to try a failed delivery again, and when to give up. Pure.

The delays are ``sync_protocol.rules.backoff_delays`` (exponential with full
jitter), the same schedule nodes use towards the cloud: alerts that failed
together during a provider outage spread out instead of returning in lockstep.
A delivery's attempt count lives in the store, so the delay is computed from
the attempt number alone; no iterator state has to survive a worker restart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from sync_protocol.rules import backoff_delays


def retry_delay(attempt: int, *, base: float, cap: float, rng: random.Random) -> float:
    """Return seconds to wait after failed attempt number ``attempt`` (1 for the first try).

    Drawn from ``uniform(0, min(cap, base·2^(attempt-1)))``.
    """
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    return next(islice(backoff_delays(base, cap, rng), attempt - 1, None))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a delivery is retried before it gives up."""

    max_attempts: int = 8
    base_s: float = 2.0
    cap_s: float = 300.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_s <= 0 or self.cap_s < self.base_s:
            raise ValueError("need 0 < base_s <= cap_s")

    def next_attempt_at(
        self,
        attempt: int,
        failed_at: datetime,
        rng: random.Random,
        *,
        retryable: bool = True,
        retry_after_s: float | None = None,
    ) -> datetime | None:
        """Return when to make attempt ``attempt + 1``, or None to give up.

        Gives up when the failure was not retryable or ``attempt`` was the
        last allowed; a provider's ``retry_after_s`` is honoured as a floor.
        """
        if not retryable or attempt >= self.max_attempts:
            return None
        delay = retry_delay(attempt, base=self.base_s, cap=self.cap_s, rng=rng)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return failed_at + timedelta(seconds=delay)
