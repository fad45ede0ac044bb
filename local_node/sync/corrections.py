"""Which corrections of stored reads go to the cloud next (issue 15).

A correction (``detection_revisions``, written by ``local_node.ingest.refine``) is sent only
once the cloud has acknowledged its read: before that, the read's own batch carries its
current values (a batch is read from the table when it is built), and a correction that
overtook its read would find nothing to correct. Corrections are sent in id order and the
agent's mark (``sync_state.corrections_acked``) only moves past those sent, so one waiting
for its read holds back the later ones: they are never skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from local_node.db.tables import Detection, DetectionRevision
from local_node.sync.outbox import StreamMark, stream_of, to_record, wire_seq
from sync_protocol.corrections import MAX_CORRECTIONS, ReadCorrection

_DETECTIONS = Detection.__table__  # type: ignore[attr-defined]
_REVISIONS = DetectionRevision.__table__  # type: ignore[attr-defined]
_COLUMNS = [c for c in _DETECTIONS.c if c.name not in ("plate_key", "image_path", "image_type")]


def pending(conn: Connection, after_id: int, limit: int = MAX_CORRECTIONS) -> list[Mapping]:
    """Corrections past ``after_id``, oldest first, each with its read's current values."""
    query = (
        select(
            _REVISIONS.c.id.label("correction_id"),
            _REVISIONS.c.kind.label("correction_kind"),
            _REVISIONS.c.plate.label("previous_plate"),
            _REVISIONS.c.changed_at.label("corrected_at"),
            *_COLUMNS,
        )
        .join(_DETECTIONS, _DETECTIONS.c.id == _REVISIONS.c.detection_id)
        # Reads imported --local-only never leave the node, nor do their corrections.
        .where(_REVISIONS.c.id > after_id, _DETECTIONS.c.local_only.is_(False))
        .order_by(_REVISIONS.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def plan(
    rows: Sequence[Mapping[str, Any]], streams: Sequence[StreamMark]
) -> tuple[list[ReadCorrection], int | None]:
    """The corrections to send now (one per read, at its current revision) and the last
    correction id they cover (None: nothing can go yet).

    Stops at the first correction whose read the cloud has not acknowledged. An attached
    image changes nothing the cloud holds unless the read hit (only those carry their
    image's digest), so such corrections are covered without being sent.
    """
    out: dict[str, ReadCorrection] = {}
    last = None
    for row in rows:
        stream = stream_of(streams, row["seq"])
        if stream is not None and wire_seq(stream, row["seq"]) > stream.acked:
            break
        last = row["correction_id"]
        if stream is None or (row["correction_kind"] == "image" and not row["has_hit"]):
            continue
        out[row["id"]] = ReadCorrection(
            stream_id=stream.stream_id,
            record=to_record(row, stream),
            revision=row["revision"],
            previous_plate=(row["previous_plate"] or "?")[:20],
            corrected_at=row["corrected_at"],
        )
    return list(out.values()), last
