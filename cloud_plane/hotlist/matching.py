"""Cloud-side matching: every pushed detection against the cloud's own hotlist.

A site may not have pulled the newest entries when a vehicle passes; the cloud
matches each newly stored detection again so such hits are still raised. The
rules are ``sync_protocol.plate_rules`` (the node's), and hits are deduplicated by
``(detection id, list, plate_norm)`` in the store, so a hit the node already
raised is not raised twice. The matcher itself is the node's
(``sync_protocol.hotlist_matcher``); the cloud keeps the one of its newest hotlist version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from sync_protocol.hotlist_matcher import HotlistMatcher
from sync_protocol.hotlist_messages import HotlistEntry


class MatcherCache:
    """Keeps the matcher of the newest hotlist version; rebuilds only when the version moves."""

    def __init__(self) -> None:
        self._matcher: HotlistMatcher[HotlistEntry] | None = None
        self._lock = threading.Lock()

    def get(
        self, version: int, load: Callable[[], Iterable[HotlistEntry]]
    ) -> HotlistMatcher[HotlistEntry]:
        """Return a matcher at ``version``, building it from ``load()`` (tombstones skipped)."""
        current = self._matcher
        if current is not None and current.version == version:
            return current
        with self._lock:
            current = self._matcher
            if current is None or current.version != version:
                live = (e for e in load() if not e.deleted)
                current = HotlistMatcher(live, version=version)
                # Swap the reference (atomic): readers never see a half-built index.
                self._matcher = current
            return current
