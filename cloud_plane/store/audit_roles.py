"""The store's audit-log role (issue 13): append-only entries, listed newest first.

``append`` bounds the caller's text (``sync_protocol.audit.bounded``) and never changes an
entry once written: the SQL table refuses UPDATE and DELETE by trigger, the DynamoDB item is
put only where no item is (``attribute_not_exists``). Entries are never expired by the
store's retention. ``every_entry`` pages through a query for the exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Protocol

from cloud_plane.records.audit import AuditQuery
from cloud_plane.records.paging import Page
from sync_protocol.audit import AuditRecord, export

EXPORT_PAGE = 500


class AuditLog(Protocol):
    """Who searched, changed the hotlist, acknowledged an alert or changed a user or key."""

    def append(self, record: AuditRecord) -> AuditRecord:
        """Store the record (bounded) as a new entry; return it with its ``id``."""
        ...

    def list(self, query: AuditQuery) -> Page[AuditRecord]:
        """Return one page of entries newest first (by ``at``, then id); raise InvalidInput
        for a cursor this store did not hand out."""
        ...


def export_lines(log: AuditLog, query: AuditQuery, fmt: str) -> Iterator[str]:
    """Every entry the query matches as ``csv`` or ``jsonl`` lines, newest first."""
    return export(every_entry(log, query), fmt)


def every_entry(log: AuditLog, query: AuditQuery) -> Iterator[AuditRecord]:
    """Yield every entry the query matches, newest first, a page at a time."""
    cursor = query.cursor
    while True:
        page = log.list(replace(query, limit=EXPORT_PAGE, cursor=cursor))
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
