"""Matching reads against the live hotlist (pure: entries in, hits out).

The matcher is the shared one (``sync_protocol.hotlist_matcher``), so the node and the
cloud raise the same hits; this module names what the node feeds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync_protocol.hotlist_matcher import EntryMatch, HotlistMatcher

__all__ = ["HitMatch", "HotlistMatcher", "LiveEntry"]


@dataclass(frozen=True)
class LiveEntry:
    """What matching needs to know of one hotlist entry."""

    list_name: str
    plate_norm: str
    reason: str | None
    priority: int
    expires_at: datetime | None


HitMatch = EntryMatch[LiveEntry]
"""One entry a read matched, and how."""
