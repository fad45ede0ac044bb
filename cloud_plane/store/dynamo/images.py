"""``ImageRequestStore`` on DynamoDB: one item per request, three sparse index entries.

=======================  ===========================  ====================================
what                     key                          why
=======================  ===========================  ====================================
the request              ``IMGREQ#<id>`` / ``IMGREQ``  get by id (strongly consistent)
a read's requests        gsi1 ``IMGREAD#<detection>``  ``newest_for``: one reverse Query
                         / ``<requested_at>#<id>``
a site's waiting ones    gsi2 ``IMGWAIT#<site>``      ``waiting``: read on every exchange;
                         / ``<requested_at>#<id>``    removed once stored or failed
stored ones by expiry    gsi3 ``IMGSTORED`` /         ``stored_before``: the forget job
                         ``<keep_until>#<id>``
=======================  ===========================  ====================================

The request's ``expires_at`` (when the image is forgotten) is kept as ``keep_until`` text:
``expires_at`` is the table's TTL attribute, set a week after that so an expired request
still answers "expired" for a while before DynamoDB deletes it.

``find_read`` finds a read that hit from its hit items (``HIT#<detection>``: site and image
SHA-256). Reads live in chunk items keyed by site and the time of their newest read
(``detections.py``), not by id: an id index would cost a write a read, or a write an
exchange, as much again as the seed's whole write budget. So a read that did not hit is
found where it was received (``ReadHint``: the site and time a search listed it with): its
chunk's newest read is at most ``CHUNK_SPAN`` later, so one Query of that minute of the
site's chunk partition (two across midnight) holds it; the id names the stream and seq
(``sync_protocol.detections.id_parts``), and the read found must have that id.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.records.images import WAITING, ImageRequest, ReadHint, ReadRef
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import CHUNK_SPAN, chunk_rows
from sync_protocol.detections import id_parts, stream_prefix

SEP = keys.SEP
TTL_AFTER = timedelta(days=7)
_TIMES = ("requested_at", "sent_at", "stored_at")


def _key(request_id: str) -> dict[str, str]:
    return {"pk": f"IMGREQ{SEP}{request_id}", "sk": "IMGREQ"}


class DynamoImages:
    """``ImageRequestStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._table = db.table

    def find_read(
        self,
        detection_id: str,
        site_ids: Collection[str] | None,
        near: ReadHint | None = None,
    ) -> ReadRef | None:
        """Return the read from its hit items, else from its chunk where ``near`` says."""
        ref = self._from_hits(detection_id, site_ids)
        if ref is None and near is not None and (site_ids is None or near.site_id in site_ids):
            ref = self._from_chunk(detection_id, near)
        return ref

    def _from_chunk(self, detection_id: str, near: ReadHint) -> ReadRef | None:
        try:
            wanted = uuid.UUID(detection_id)
        except ValueError:
            return None
        parts = id_parts(wanted)
        if parts is None:
            return None
        prefix, seq = parts
        low = keys.time_text(near.received_at)
        high = keys.time_text(near.received_at + CHUNK_SPAN + timedelta(seconds=1))
        for day in dict.fromkeys((low[:10], high[:10])):
            for chunk in self._table.query(
                "pk = :pk AND sk BETWEEN :low AND :high",
                values={
                    ":pk": keys.detection_chunk_partition(near.site_id, day),
                    ":low": low,
                    ":high": high,
                },
                consistent=True,
            ):
                _, stream_id, first = str(chunk["sk"]).split(keys.SEP)
                if stream_prefix(stream_id) != prefix or keys.unpad(first) > seq:
                    continue
                for row in chunk_rows(chunk):
                    if row.data["seq"] == seq and row.stored().record.id == wanted:
                        return ReadRef(detection_id, row.site_id, row.data.get("image_sha256"))
        return None

    def _from_hits(self, detection_id: str, site_ids: Collection[str] | None) -> ReadRef | None:
        items = self._table.query(
            "pk = :pk", values={":pk": f"HIT{SEP}{detection_id}"}, consistent=True
        )
        for item in items:
            site = item.get("site_id")
            if site and (site_ids is None or site in site_ids):
                return ReadRef(detection_id, site, item.get("image_sha256"))
        return None

    def put(self, request: ImageRequest) -> None:
        """Write the request whole (its index entries follow its status)."""
        self._table.put(_item(request))

    def get(self, request_id: str) -> ImageRequest | None:
        """Return the request, or None."""
        item = self._table.get(_key(request_id))
        return None if item is None else _request(item)

    def newest_for(self, detection_id: str) -> ImageRequest | None:
        """Return the read's newest request (the index names it; the item is read anew)."""
        for entry in self._table.query(
            "gsi1pk = :pk",
            values={":pk": f"IMGREAD{SEP}{detection_id}"},
            index="gsi1",
            forward=False,
            limit=1,
        ):
            return self.get(entry["request_id"])
        return None

    def waiting(self, site_id: str, *, resend_before: datetime, limit: int) -> list[ImageRequest]:
        """Return the site's pending requests and those sent before ``resend_before``."""
        found = []
        for item in self._table.query(
            "gsi2pk = :pk", values={":pk": f"IMGWAIT{SEP}{site_id}"}, index="gsi2"
        ):
            request = _request(item)
            if request.status == "pending" or (
                request.status == "sent"
                and request.sent_at is not None
                and request.sent_at < resend_before
            ):
                found.append(request)
                if len(found) >= limit:
                    break
        return found

    def stored_before(self, cutoff: datetime, limit: int) -> list[ImageRequest]:
        """Return stored requests that expire before ``cutoff``, soonest first."""
        items = self._table.query(
            "gsi3pk = :pk AND gsi3sk < :cut",
            values={":pk": "IMGSTORED", ":cut": keys.time_text(cutoff)},
            index="gsi3",
            limit=limit,
        )
        return [r for r in map(_request, items) if r.status == "stored"]


def _item(request: ImageRequest) -> dict[str, Any]:
    fields = asdict(request)
    keep_until = fields.pop("expires_at")
    item: dict[str, Any] = {
        **_key(request.request_id),
        **{k: v for k, v in fields.items() if v is not None and k not in _TIMES},
        **{k: keys.time_text(fields[k]) for k in _TIMES if fields[k] is not None},
        "gsi1pk": f"IMGREAD{SEP}{request.detection_id}",
        "gsi1sk": f"{keys.time_text(request.requested_at)}{SEP}{request.request_id}",
    }
    if request.status in WAITING:
        item["gsi2pk"] = f"IMGWAIT{SEP}{request.site_id}"
        item["gsi2sk"] = item["gsi1sk"]
    if keep_until is not None:
        item["keep_until"] = keys.time_text(keep_until)
        item["expires_at"] = int((keep_until + TTL_AFTER).timestamp())
        if request.status == "stored":
            item["gsi3pk"] = "IMGSTORED"
            item["gsi3sk"] = f"{item['keep_until']}{SEP}{request.request_id}"
    return item


def _request(item: dict[str, Any]) -> ImageRequest:
    times = {k: keys.parse_time_text(item[k]) if item.get(k) else None for k in _TIMES}
    keep = item.get("keep_until")
    size = item.get("size_bytes")
    return ImageRequest(
        request_id=item["request_id"],
        site_id=item["site_id"],
        detection_id=item["detection_id"],
        requested_by=item["requested_by"],
        requested_at=times["requested_at"],  # type: ignore[arg-type]  # always written
        status=item["status"],
        reason=item.get("reason"),
        sent_at=times["sent_at"],
        stored_at=times["stored_at"],
        sha256=item.get("sha256"),
        size_bytes=None if size is None else int(size),
        content_type=item.get("content_type"),
        blob_key=item.get("blob_key"),
        expires_at=keys.parse_time_text(keep) if keep else None,
        error=item.get("error"),
    )
