"""Cloud-side matching: every pushed detection against the cloud's own hotlist.

A site may not have pulled the newest entries when a vehicle passes; the cloud
matches each newly stored detection again so such hits are still raised. The
rules are ``sync_protocol.plate_rules`` (the node's), and hits are deduplicated by
``(detection id, list, plate_norm)`` in the store, so a hit the node already
raised is not raised twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sync_protocol.hotlist_index import HotlistIndex
from sync_protocol.hotlist_messages import HotlistEntry

EntryKey = tuple[str, str]  # (list, plate_norm)


@dataclass(frozen=True)
class CloudMatch:
    """One live entry a plate matched, and how."""

    entry: HotlistEntry
    kind: str


class HotlistMatcher:
    """An index of live entries at one hotlist version (immutable once built)."""

    def __init__(self, version: int, entries: Iterable[HotlistEntry], *, max_edits: int = 1):
        self.version = version
        self._entries: dict[EntryKey, HotlistEntry] = {
            (e.list_name, e.plate_norm): e for e in entries if not e.deleted
        }
        self._index = HotlistIndex.build((key, key[1]) for key in self._entries)
        self._max_edits = max_edits

    def match(self, plate_norm: str, now: datetime) -> list[CloudMatch]:
        """Return the live, unexpired entries ``plate_norm`` matches, best first."""
        if not self._entries:
            return []
        out = []
        for key, found in self._index.match(plate_norm, fuzzy=True, max_edits=self._max_edits):
            entry = self._entries[key]
            if entry.expires_at is not None and entry.expires_at <= now:
                continue
            out.append(CloudMatch(entry=entry, kind=found.kind))
        return out


class MatcherCache:
    """Keeps the matcher of the newest hotlist version; rebuilds only when the version moves."""

    def __init__(self) -> None:
        self._matcher: HotlistMatcher | None = None
        self._lock = threading.Lock()

    def get(self, version: int, load: Callable[[], Iterable[HotlistEntry]]) -> HotlistMatcher:
        """Return a matcher at ``version``, building it from ``load()`` if needed."""
        current = self._matcher
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._matcher
            if current is None or current.version != version:
                current = HotlistMatcher(version, load())
                # Swap the reference (atomic): readers never see a half-built index.
                self._matcher = current
            return current
