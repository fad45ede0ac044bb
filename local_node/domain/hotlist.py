"""Matching reads against the live hotlist (pure: entries in, hits out)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sync_protocol.hotlist_index import HotlistIndex

EntryKey = tuple[str, str]  # (list name, normalised plate or pattern)


@dataclass(frozen=True)
class LiveEntry:
    """What matching needs to know of one hotlist entry."""

    list_name: str
    plate_norm: str
    reason: str | None
    priority: int
    expires_at: datetime | None


@dataclass(frozen=True)
class HitMatch:
    """One entry a read matched, and how."""

    entry: LiveEntry
    kind: str
    distance: float


class HotlistMatcher:
    """An index over live entries; expired entries never match, whatever the index holds."""

    def __init__(self, entries: Iterable[LiveEntry], *, fuzzy: bool = True, max_edits: int = 1):
        self._entries: dict[EntryKey, LiveEntry] = {(e.list_name, e.plate_norm): e for e in entries}
        self._index = HotlistIndex.build((key, key[1]) for key in self._entries)
        self._fuzzy = fuzzy
        self._max_edits = max_edits

    def __len__(self) -> int:
        return len(self._entries)

    def match(self, plate_norm: str, now: datetime) -> list[HitMatch]:
        """Entries this plate matches, best first; expired ones are left out."""
        if not plate_norm or not self._entries:
            return []
        out: list[HitMatch] = []
        for key, found in self._index.match(
            plate_norm, fuzzy=self._fuzzy, max_edits=self._max_edits
        ):
            entry = self._entries[key]
            if entry.expires_at is not None and entry.expires_at <= now:
                continue
            out.append(HitMatch(entry=entry, kind=found.kind, distance=float(found.distance)))
        return out
