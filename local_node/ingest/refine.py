"""A repeat of a stored event that brings something new: a better reading, or the missing image.

Most repeats are answered with the first read's ids and change nothing. Two change the read,
under the same id and seq (never a second read):

- a **better reading** of a refinable event (Frigate re-publishing a tracked car, a Rekor final
  group after its previews): a final reading replaces a preview, otherwise a higher confidence
  wins. The read takes the new values, its revision goes up by one, the reading it replaced is
  kept in ``detection_revisions`` (the read's history), the hotlist is matched again on the new
  plate (new hits only: a hit of the earlier reading stays, it was real when raised), and the
  correction waits there for the sync agent to send to the cloud;
- the **image the read lacked** (a Plate Recognizer event posted first without its image, then
  with it): attached once. An image for a read that has one (or had one, since pruned) never
  replaces it: the first image is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from local_node.db.plate_dictionary import forget_deleted_reads, record_reads
from local_node.db.tables import Detection, DetectionRevision, Hit
from local_node.domain.hotlist import HotlistMatcher, LiveEntry
from local_node.ingest.read_rows import hit_row
from local_node.ingest.results import IngestResult, hit_out

_DETECTIONS = Detection.__table__  # type: ignore[attr-defined]
_HITS = Hit.__table__  # type: ignore[attr-defined]
_REVISIONS = DetectionRevision.__table__  # type: ignore[attr-defined]

READING_FIELDS = (
    "plate",
    "plate_norm",
    "plate_key",
    "confidence",
    "region",
    "direction",
    "bbox",
    "vehicle_type",
    "vehicle_make",
    "vehicle_model",
    "vehicle_color",
)
"""The columns a better reading replaces (and the history keeps), besides ``preview``."""
IMAGE_FIELDS = ("image_path", "image_sha256", "image_bytes", "image_type")
STORED_COLUMNS = (
    _DETECTIONS.c.id,
    _DETECTIONS.c.seq,
    _DETECTIONS.c.received_at,
    _DETECTIONS.c.revision,
    _DETECTIONS.c.preview,
    _DETECTIONS.c.image_sha256,
    *(_DETECTIONS.c[name] for name in READING_FIELDS),
)
"""What the writer reads of a stored read to decide what a repeat of it changes."""


@dataclass(frozen=True)
class Change:
    """What a repeat changes of its stored read: its reading, its image, or both."""

    reading: bool
    image: bool


def improves(stored: RowMapping, *, confidence: float | None, preview: bool) -> bool:
    """Whether a reading of the same event is better than the stored one.

    A final reading beats a preview and a preview never beats a final one; otherwise only a
    strictly higher confidence wins (a reading without one never does).
    """
    if stored["preview"] != preview:
        return bool(stored["preview"])
    if confidence is None:
        return False
    return stored["confidence"] is None or confidence > stored["confidence"]


def change_of(
    stored: RowMapping,
    row: dict[str, Any],
    *,
    refinable: bool,
    preview: bool,
    has_image: bool,
) -> Change | None:
    """What a repeat (its would-be ``row``) changes of ``stored``, or None for a plain repeat."""
    reading = (
        refinable
        and improves(stored, confidence=row["confidence"], preview=preview)
        and (
            any(stored[name] != row[name] for name in READING_FIELDS)
            or bool(stored["preview"]) != preview
        )
    )
    image = has_image and stored["image_sha256"] is None
    return Change(reading=reading, image=image) if reading or image else None


def apply_change(
    conn: Connection,
    stored: RowMapping,
    row: dict[str, Any],
    change: Change,
    *,
    preview: bool,
    now: datetime,
) -> bool:
    """Write one change in the writer's transaction; False if another writer changed it first.

    The update is conditional on the revision read before, so two processes refining one
    read never both apply: the loser re-reads and decides again.
    """
    values: dict[str, Any] = {"revision": stored["revision"] + 1}
    if change.reading:
        values.update({name: row[name] for name in READING_FIELDS}, preview=preview)
    if change.image:
        values.update({name: row[name] for name in IMAGE_FIELDS})
    condition = [_DETECTIONS.c.id == stored["id"], _DETECTIONS.c.revision == stored["revision"]]
    if change.image:
        condition.append(_DETECTIONS.c.image_sha256.is_(None))
    if conn.execute(update(_DETECTIONS).where(*condition).values(values)).rowcount != 1:
        return False
    conn.execute(
        insert(_REVISIONS).values(
            detection_id=stored["id"],
            detection_seq=stored["seq"],
            revision=values["revision"],
            kind="reading" if change.reading else "image",
            changed_at=now,
            preview=bool(stored["preview"]),
            **{name: stored[name] for name in READING_FIELDS if name != "plate_key"},
        )
    )
    if change.reading and row["plate_norm"] != stored["plate_norm"]:
        # The dictionary follows the read to its new plate (and forgets the old one if no
        # other read has it), as if the read had been deleted and stored again.
        record_reads(
            conn,
            [
                {
                    "plate_norm": row["plate_norm"],
                    "plate_key": row["plate_key"],
                    "seq": stored["seq"],
                    "received_at": stored["received_at"],
                }
            ],
        )
        forget_deleted_reads(conn, {stored["plate_norm"]: 1})
    return True


def apply(
    conn: Connection,
    stored: RowMapping,
    row: dict[str, Any],
    change: Change,
    *,
    preview: bool,
    matcher: HotlistMatcher[LiveEntry],
    now: datetime,
) -> IngestResult | None:
    """Apply a repeat's change to its read and match a better reading again.

    Returns the read's answer (every hit it has, ``new_hits`` counting those this reading
    raised), or None when another writer changed the read first: decide again.
    """
    if not apply_change(conn, stored, row, change, preview=preview, now=now):
        return None
    held = held_hits(conn, stored["id"])
    new_hits: list[dict] = []
    if change.reading:
        have = {(h["list_name"], h["entry_plate"]) for h in held}
        target = {"id": stored["id"], "seq": stored["seq"]}
        for match in matcher.match(row["plate_norm"], now):
            if (match.entry.list_name, match.entry.plate_norm) not in have:
                new_hits.append(hit_row(target, match, now))
        if new_hits:
            conn.execute(insert(_HITS), new_hits)
            conn.execute(
                update(_DETECTIONS).where(_DETECTIONS.c.id == stored["id"]).values(has_hit=True)
            )
    return IngestResult(
        id=stored["id"],
        seq=stored["seq"],
        plate_norm=row["plate_norm"] if change.reading else stored["plate_norm"],
        hits=[hit_out(h) for h in held] + [hit_out(h) for h in new_hits],
        created=False,
        new_hits=len(new_hits),
    )


def held_hits(conn: Connection, detection_id: str) -> list[dict[str, Any]]:
    """The hits a read already has, oldest first."""
    query = select(_HITS).where(_HITS.c.detection_id == detection_id).order_by(_HITS.c.id)
    return [dict(h) for h in conn.execute(query).mappings()]
