"""The store's image-request role: reads' images asked of their sites (issue 14).

The rows are few (one per staff request or per hit when hit images are uploaded at once)
and short-lived (forgotten after ``images_keep_s``). ``waiting`` is what an exchange reads
for its site on every exchange, so both backends answer it from an index on (site, status)
(SQL) or one partition per site (DynamoDB) without touching other sites' rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from cloud_plane.records.images import ImageRequest, ReadHint, ReadRef


class ImageRequestStore(Protocol):
    """Image requests by id, by read and by site; the read an id names."""

    def find_read(
        self,
        detection_id: str,
        site_ids: Collection[str] | None,
        near: ReadHint | None = None,
    ) -> ReadRef | None:
        """Return the read ``detection_id`` of one of ``site_ids`` (None: any), or None;
        ``near``: where it was received, for stores that need it to find a read that did
        not hit."""
        ...

    def put(self, request: ImageRequest) -> None:
        """Create the request, or replace the one with its ``request_id``."""
        ...

    def get(self, request_id: str) -> ImageRequest | None:
        """Return the request, or None."""
        ...

    def newest_for(self, detection_id: str) -> ImageRequest | None:
        """Return the newest request (by ``requested_at``) of the read, or None."""
        ...

    def waiting(self, site_id: str, *, resend_before: datetime, limit: int) -> list[ImageRequest]:
        """Return the site's requests to command now, oldest first: every ``pending`` one, and
        the ``sent`` ones sent before ``resend_before`` (their reply may have been lost)."""
        ...

    def stored_before(self, cutoff: datetime, limit: int) -> list[ImageRequest]:
        """Return up to ``limit`` ``stored`` requests whose ``expires_at`` is before ``cutoff``."""
        ...
