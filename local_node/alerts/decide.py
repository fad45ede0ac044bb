"""Whether the node sends a hit's alert itself (pure): the offline-fallback rule.

The cloud is the one that alerts people. The node steps in only for a hit the cloud
does not hold yet, of an entry important enough, while the node is enrolled and its last
successful exchange (or, before the first one, its enrolment) is older than
``fallback_after_s``. A stand-alone node has no cloud to fall back from and never sends.
A hit older than ``max_age_s`` is left to the cloud: a node restarted after a long outage
does not page people about reads from days ago.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Decision:
    """Send or not, why, and when the answer may change (``recheck_at``; None: never)."""

    send: bool
    reason: str
    recheck_at: datetime | None = None


def decide(
    *,
    now: datetime,
    enrolled: bool,
    last_success_at: datetime | None,
    enrolled_at: datetime | None,
    fallback_after_s: float,
    priority: int,
    min_priority: int,
    hit_at: datetime,
    max_age_s: float,
    cloud_has_hit: bool = False,
) -> Decision:
    """Return whether to alert ``priority``'s hit (stored at ``hit_at``) locally at ``now``."""
    if not enrolled:
        return Decision(False, "not enrolled: no cloud to fall back from")
    if cloud_has_hit:
        return Decision(False, "the cloud holds the hit and alerts it")
    if priority < min_priority:
        return Decision(False, f"priority {priority} is below {min_priority}")
    if (now - hit_at).total_seconds() > max_age_s:
        return Decision(False, f"hit older than {max_age_s:g}s: left to the cloud")
    reference = last_success_at or enrolled_at
    if reference is None:
        return Decision(True, "the cloud was never reached")
    silent_s = (now - reference).total_seconds()
    if silent_s > fallback_after_s:
        return Decision(True, f"cloud unreachable for {silent_s:.0f}s (> {fallback_after_s:g}s)")
    return Decision(
        False,
        f"cloud reached {max(silent_s, 0):.0f}s ago",
        recheck_at=reference + timedelta(seconds=fallback_after_s),
    )
