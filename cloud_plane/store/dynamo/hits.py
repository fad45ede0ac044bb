"""``HitStore`` on DynamoDB: hits deduplicated by key, listed newest first through two indexes.

Decisions:

- A hit is one item at ``keys.hit(detection, list, plate)``, put on the condition
  ``attribute_not_exists(pk)``: the first copy stays and a resend answers False.
- Beside it, a marker ``keys.hit_marker(detection)`` says "this detection has a hit", so
  ``hit_detections`` is one BatchGetItem of 100 keys, not a Query per detection. The marker
  is written first (unconditionally: it is idempotent), so a crash between the two leaves
  at worst a marker whose hit the node's resend then writes.
- Listing: every hit carries gsi1 (``HITS``, ``keys.hit_sort_key``) and gsi2
  (``HITSITE#<site>``, the same sort key). Hits are rare (a hotlist match), so one index
  partition holds them all; an unscoped list is one descending Query of gsi1, a scoped
  one merges a descending Query of gsi2 per site (no filter reading other sites' hits).
  ``since`` bounds the sort key from below; the cursor is the last item's
  ``(created_at, detection, list, plate)``, as in SQL, and bounds it from above (exclusive).
  Index reads are eventually consistent: a hit written a moment ago may show a moment later.
- An entry's hits (``list_entry_hits``): gsi3 (``keys.hits_of_entry``, sorted by
  ``(captured_at, detection)``), one descending Query; hits stored before gsi3 was set on
  them are not listed there (none predate retroactive hits in a deployment that has them).
- The historical-scan mark is ``keys.meta("retro_hits_mark")``, raised by a conditional
  update (never lowered).
- TTL: hits and markers expire with their site's retention (``db.expires_at``);
  readers skip items whose ``expires_at`` passed (DynamoDB deletes them late).
"""

from __future__ import annotations

import heapq
import itertools
import time
import uuid
from collections.abc import Collection, Iterator
from datetime import datetime
from typing import Any

from cloud_plane.errors import InvalidInput
from cloud_plane.records.hits import HISTORICAL_MARK, StoredHit
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
from cloud_plane.store.rows import from_row

_FIELDS = (
    "list_name",
    "plate_norm",
    "site_id",
    "stream_id",
    "seq",
    "match_kind",
    "source",
    "plate",
    "camera_id",
    "hotlist_version",
    "image_sha256",
    "historical",
)


class DynamoHits:
    """``HitStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db
        self._table = db.table

    def put_hit(self, hit: StoredHit) -> bool:
        """Store a hit once per (detection_id, list_name, plate_norm); return True if new."""
        detection = str(hit.detection_id)
        ttl = self._db.expires_at(hit.created_at, hit.site_id)
        expiry = {} if ttl is None else {"expires_at": ttl}
        sort_key = keys.hit_sort_key(hit.created_at, detection, hit.list_name, hit.plate_norm)
        item = {
            **keys.hit(detection, hit.list_name, hit.plate_norm),
            **{name: getattr(hit, name) for name in _FIELDS},
            "detection_id": detection,
            "captured_at": keys.time_text(hit.captured_at),
            "created_at": keys.time_text(hit.created_at),
            "gsi1pk": keys.HITS,
            "gsi1sk": sort_key,
            "gsi2pk": keys.hits_of_site(hit.site_id),
            "gsi2sk": sort_key,
            "gsi3pk": keys.hits_of_entry(hit.list_name, hit.plate_norm),
            "gsi3sk": keys.entry_hit_sort_key(hit.captured_at, detection),
            **expiry,
        }
        self._table.put({**keys.hit_marker(detection), **expiry})
        return self._table.put(
            item,
            condition="attribute_not_exists(pk) OR expires_at < :now",
            values={":now": int(time.time())},
        )

    def hit_detections(self, detection_ids: Collection[str]) -> set[str]:
        """Return which of these detections have at least one hit (BatchGet of markers)."""
        wanted = [keys.hit_marker(d) for d in set(detection_ids) if d and keys.SEP not in d]
        now = time.time()
        return {
            item["pk"].removeprefix("HIT#")
            for item in self._table.batch_get(wanted)
            if not _expired(item, now)
        }

    def list_hits(
        self,
        *,
        site_ids: Collection[str] | None = None,
        since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[StoredHit]:
        """Return hits newest first by cloud receive time; raise InvalidInput for a bad cursor."""
        upper = None
        if cursor:
            at, det, list_name, plate = decode_cursor(cursor, 4)
            texts = (cursor_text(det), cursor_text(list_name), cursor_text(plate))
            try:
                upper = keys.hit_sort_key(cursor_time(at), *texts)
            except ValueError:
                raise InvalidInput(NOT_OURS) from None
        lower = keys.time_text(since) if since else None
        if lower is not None and upper is not None and lower > upper:
            return Page([], None)  # the cursor is older than ``since``: nothing is between
        if site_ids is None:
            streams = [self._newest_first("gsi1", keys.HITS, lower, upper, limit + 1)]
        else:
            ids = sorted(s for s in set(site_ids) if s and keys.SEP not in s)
            streams = [
                self._newest_first("gsi2", keys.hits_of_site(s), lower, upper, limit + 1)
                for s in ids
            ]
        merged = heapq.merge(*streams, key=lambda item: item["sort"], reverse=True)
        now = time.time()
        live = (i for i in merged if not _expired(i, now))
        items = [_stored_hit(i) for i in itertools.islice(live, limit + 1)]
        if len(items) > limit:
            last = items[limit - 1]
            position = (last.created_at, str(last.detection_id), last.list_name, last.plate_norm)
            return Page(items[:limit], encode_cursor(position))
        return Page(items, None)

    def list_entry_hits(
        self, list_name: str, plate_norm: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[StoredHit]:
        """Return one entry's hits, newest read first (one descending Query of gsi3)."""
        upper = None
        if cursor:
            at, det = decode_cursor(cursor, 2)
            try:
                upper = keys.entry_hit_sort_key(cursor_time(at), cursor_text(det))
            except ValueError:
                raise InvalidInput(NOT_OURS) from None
        try:
            partition = keys.hits_of_entry(list_name, plate_norm)
        except ValueError:
            return Page([], None)  # a name no entry can have holds no hits
        stream = self._newest_first("gsi3", partition, None, upper, limit + 1)
        now = time.time()
        live = (i for i in stream if not _expired(i, now))
        items = [_stored_hit(i) for i in itertools.islice(live, limit + 1)]
        if len(items) > limit:
            last = items[limit - 1]
            return Page(items[:limit], encode_cursor((last.captured_at, str(last.detection_id))))
        return Page(items, None)

    def historical_mark(self) -> int | None:
        """Return the hotlist version scanned for past reads so far (None: never set)."""
        item = self._table.get(keys.meta(HISTORICAL_MARK))
        return int(item["value"]) if item else None

    def set_historical_mark(self, version: int) -> None:
        """Raise the mark to ``version`` (a conditional put: a lower value leaves it)."""
        self._table.put(
            {**keys.meta(HISTORICAL_MARK), "value": version},
            condition="attribute_not_exists(pk) OR #v < :v",
            names={"#v": "value"},
            values={":v": version},
        )

    def _newest_first(
        self, index: str, partition: str, lower: str | None, upper: str | None, page: int
    ) -> Iterator[dict[str, Any]]:
        """Yield an index partition's hits newest first within (lower, upper)."""
        hk, rk = f"{index}pk", f"{index}sk"
        values: dict[str, Any] = {":p": partition}
        if lower is not None and upper is not None:
            condition = f"{hk} = :p AND {rk} BETWEEN :lo AND :hi"
            values |= {":lo": lower, ":hi": upper}
        elif upper is not None:
            condition = f"{hk} = :p AND {rk} < :hi"
            values[":hi"] = upper
        elif lower is not None:
            condition = f"{hk} = :p AND {rk} >= :lo"
            values[":lo"] = lower
        else:
            condition = f"{hk} = :p"
        for item in self._table.query(
            condition, values=values, index=index, forward=False, page_size=min(page, 1000)
        ):
            if item[rk] != upper:  # BETWEEN includes the cursor's own item
                yield {**item, "sort": item[rk]}


def _expired(item: dict[str, Any], now: float) -> bool:
    ttl = item.get("expires_at")
    return ttl is not None and ttl < now


def _stored_hit(item: dict[str, Any]) -> StoredHit:
    return from_row(
        StoredHit,
        item,
        detection_id=uuid.UUID(item["detection_id"]),
        captured_at=keys.parse_time_text(item["captured_at"]),
        created_at=keys.parse_time_text(item["created_at"]),
        historical=bool(item.get("historical", False)),  # items from before the attribute
    )
