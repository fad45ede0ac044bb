"""Matching reads against live hotlist entries: the index plus the expiry rule, node and cloud.

Both sides must raise the same hits for the same read at the same time, so the filter that
expired entries never match lives here with the index (``sync_protocol.hotlist_index``),
not once per side. Entries are whatever the caller stores (the node's rows, the cloud's
wire entries), as long as they name their list, plate and expiry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from sync_protocol.hotlist_index import HotlistIndex
from sync_protocol.plate_rules import MatchKind

__all__ = ["EntryMatch", "HotlistMatcher", "MatchableEntry"]

EntryKey = tuple[str, str]  # (list name, normalised plate or pattern)


class MatchableEntry(Protocol):
    """What matching needs to know of one live hotlist entry."""

    @property
    def list_name(self) -> str: ...

    @property
    def plate_norm(self) -> str: ...

    @property
    def expires_at(self) -> datetime | None: ...


E = TypeVar("E", bound=MatchableEntry)


@dataclass(frozen=True, slots=True)
class EntryMatch(Generic[E]):
    """One entry a read matched, and how."""

    entry: E
    kind: MatchKind
    distance: int
    """Non-confusion edits between read and entry; 0 unless ``kind`` is fuzzy."""


class HotlistMatcher(Generic[E]):
    """An index over live entries (immutable once built); expired entries never match.

    Pass only live entries (no tombstones). ``version`` is the caller's label for the
    hotlist state it was built from (the cloud's hotlist version; the node does not use it).
    """

    def __init__(
        self, entries: Iterable[E], *, version: int = 0, fuzzy: bool = True, max_edits: int = 1
    ) -> None:
        """Index ``entries``; a repeated ``(list, plate_norm)`` keeps its last entry."""
        self.version = version
        self._entries: dict[EntryKey, E] = {(e.list_name, e.plate_norm): e for e in entries}
        self._index = HotlistIndex.build((key, key[1]) for key in self._entries)
        self._fuzzy = fuzzy
        self._max_edits = max_edits

    def __len__(self) -> int:
        """Return the number of entries indexed."""
        return len(self._entries)

    def match(self, plate_norm: str, now: datetime) -> list[EntryMatch[E]]:
        """Return the unexpired entries ``plate_norm`` matches at ``now``, best first."""
        if not plate_norm or not self._entries:
            return []
        out: list[EntryMatch[E]] = []
        for key, found in self._index.match(
            plate_norm, fuzzy=self._fuzzy, max_edits=self._max_edits
        ):
            entry = self._entries[key]
            if entry.expires_at is not None and entry.expires_at <= now:
                continue
            out.append(EntryMatch(entry=entry, kind=found.kind, distance=found.distance))
        return out
