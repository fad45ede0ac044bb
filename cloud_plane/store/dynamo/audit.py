"""``AuditLog`` on DynamoDB: one partition of entries, newest first, and a per-site index.

Decisions:

- An entry is one item at ``keys.audit_entry(at, uuid)`` (pk ``AUDIT``, sk
  ``<time>#<uuid>``), put on ``attribute_not_exists(pk)``: nothing ever overwrites an entry
  (a clash of ids is refused, not written over), and the store has no call that updates or
  deletes one. No TTL: entries outlive the detections' retention. The CDK stack also denies
  the functions UpdateItem/DeleteItem/BatchWriteItem on the ``AUDIT`` partition
  (``dynamodb:LeadingKeys``), so even a bug in the code cannot rewrite the record.
- Audited actions are people's actions (a search, an edit), a few per minute at most: one
  partition holds them all, as ``HITS`` does the hits. An admin's listing is one strongly
  consistent descending Query of it, time-bounded by the sort key.
- Entries of a site also carry gsi1 (``AUDITSITE#<site_id>``, the same sort key), so a
  manager's listing merges one descending Query per site of theirs and never reads other
  sites' entries. (Index reads are eventually consistent: an entry may show a moment late.)
- ``actor`` and ``action`` filter the Query (FilterExpression): they are rarely used and
  the partition is small, so they need no index.
"""

from __future__ import annotations

import heapq
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from cloud_plane.errors import Conflict, InvalidInput
from cloud_plane.records.audit import AuditQuery
from cloud_plane.records.paging import (
    NOT_OURS,
    Page,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from sync_protocol.audit import AuditRecord, bounded, detail_json

_TEXT = ("actor", "action", "site_id", "target", "reason", "source")


def new_entry_id() -> str:
    """A fresh entry id (the sort key's tail)."""
    return uuid.uuid4().hex


class DynamoAudit:
    """``AuditLog`` over the single table."""

    def __init__(self, db: DynamoDb, *, new_id: Callable[[], str] = new_entry_id) -> None:
        self._table = db.table
        self._new_id = new_id

    def append(self, record: AuditRecord) -> AuditRecord:
        """Put the bounded record where no item is; return it with its id."""
        entry = replace(bounded(record), id=self._new_id())
        key = keys.audit_entry(entry.at, str(entry.id))
        item: dict[str, Any] = {**key, "at": keys.time_text(entry.at), "id": entry.id}
        item |= {name: getattr(entry, name) for name in _TEXT if getattr(entry, name)}
        item["action"] = str(entry.action)
        if detail := detail_json(entry.detail):
            item["detail"] = detail
        if entry.site_id and keys.SEP not in entry.site_id:
            item |= {"gsi1pk": keys.audit_of_site(entry.site_id), "gsi1sk": key["sk"]}
        if not self._table.put(item, condition="attribute_not_exists(pk)"):
            raise Conflict(f"audit entry {key['sk']} exists; entries are never overwritten")
        return entry

    def list(self, query: AuditQuery) -> Page[AuditRecord]:
        """One page newest first; InvalidInput for a cursor not ours."""
        upper = keys.time_text(query.until) if query.until else None
        if query.cursor:
            at, entry_id = decode_cursor(query.cursor, 2)
            try:
                after = keys.audit_entry(cursor_time(at), cursor_text(entry_id))["sk"]
            except ValueError:
                raise InvalidInput(NOT_OURS) from None
            upper = after if upper is None else min(upper, after)
        lower = keys.time_text(query.since) if query.since else None
        if lower is not None and upper is not None and lower > upper:
            return Page([], None)
        if query.site_ids is None:
            streams = [self._newest_first(None, keys.AUDIT, lower, upper, query)]
        else:
            ids = sorted(s for s in set(query.site_ids) if s and keys.SEP not in s)
            streams = [
                self._newest_first("gsi1", keys.audit_of_site(s), lower, upper, query) for s in ids
            ]
        merged = heapq.merge(*streams, key=lambda item: item["sort"], reverse=True)
        items = [_record(i) for i in itertools.islice(merged, query.limit + 1)]
        if len(items) > query.limit:
            last = items[query.limit - 1]
            return Page(items[: query.limit], encode_cursor((last.at.isoformat(), last.id)))
        return Page(items, None)

    def _newest_first(
        self,
        index: str | None,
        partition: str,
        lower: str | None,
        upper: str | None,
        query: AuditQuery,
    ) -> Iterator[dict[str, Any]]:
        """Yield a partition's entries newest first with sort key in [lower, upper)."""
        hk, rk = ("gsi1pk", "gsi1sk") if index else ("pk", "sk")
        values: dict[str, Any] = {":p": partition}
        condition = f"{hk} = :p"
        if lower is not None and upper is not None:
            condition += f" AND {rk} BETWEEN :lo AND :hi"
            values |= {":lo": lower, ":hi": upper}
        elif upper is not None:
            condition += f" AND {rk} < :hi"
            values[":hi"] = upper
        elif lower is not None:
            condition += f" AND {rk} >= :lo"
            values[":lo"] = lower
        filters, names = [], {}
        for name in ("actor", "action"):
            if wanted := getattr(query, name):
                filters.append(f"#{name} = :{name}")
                names[f"#{name}"] = name
                values[f":{name}"] = wanted
        for item in self._table.query(
            condition,
            values=values,
            names=names or None,
            index=index,
            forward=False,
            filter=" AND ".join(filters) or None,
            consistent=index is None,
            page_size=min(query.limit + 1, 1000),
        ):
            if item[rk] != upper:  # BETWEEN includes its upper bound
                yield {**item, "sort": item[rk]}


def _record(item: dict[str, Any]) -> AuditRecord:
    return AuditRecord(
        id=item["id"],
        at=keys.parse_time_text(item["at"]),
        actor=item["actor"],
        action=item["action"],
        site_id=item.get("site_id"),
        target=item.get("target"),
        reason=item.get("reason"),
        source=item.get("source"),
        detail=json.loads(item["detail"]) if item.get("detail") else {},
    )
