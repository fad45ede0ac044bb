"""Detections as the cloud holds them, the outcome of storing a batch, and the search query."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sync_protocol.detections import DetectionRecord


@dataclass(frozen=True)
class BatchOutcome:
    """What ``put_batch`` did: the stream's contiguous high-water mark after the call.

    ``stored`` counts records new to the cloud; ``gap`` is True when the batch
    started beyond ``high_water + 1`` and was refused whole (nothing stored).
    """

    high_water: int
    stored: int = 0
    gap: bool = False


@dataclass(frozen=True)
class StoredDetection:
    """One detection as the cloud holds it (the node's record plus where and when it came).

    ``revision`` is 1 as first stored and rises with each correction the node sent (a better
    reading of the same event, ``sync_protocol.corrections``); ``previous_plate`` is the
    plate as read before the latest correction (None: never corrected).
    """

    site_id: str
    stream_id: str
    ingested_at: datetime
    record: DetectionRecord
    revision: int = 1
    previous_plate: str | None = None

    @property
    def corrected(self) -> bool:
        """Whether a better reading replaced the read's first values."""
        return self.revision > 1


@dataclass(frozen=True)
class DetectionQuery:
    """A search over detections across sites, newest first by (received_at, site, stream, seq).

    ``camera_id``: only that node camera's reads.
    ``plate``: exact normalised plate, ``AB*``/``A?C`` pattern, or with ``fuzzy``
    also OCR confusions and up to ``max_edits`` edits (``sync_protocol.plate_rules``,
    ``plate_matches``). ``site_ids`` None means every site; an
    empty collection means none. ``since``/``until`` bound the node's
    ``received_at`` (inclusive / exclusive).
    """

    plate: str | None = None
    fuzzy: bool = False
    max_edits: int = 1
    site_ids: Collection[str] | None = None
    camera_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class HourlyReads:
    """How many reads one camera of one site delivered in one hour (node receive time)."""

    site_id: str
    hour: datetime
    camera_id: str
    reads: int


def hour_of(at: datetime) -> datetime:
    """Return the start of ``at``'s hour, in UTC."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def require_contiguous(records: Sequence[DetectionRecord]) -> None:
    """Raise ValueError unless the records' seqs follow one another (a batch's contract)."""
    for i, record in enumerate(records[1:], start=1):
        if record.seq != records[0].seq + i:
            raise ValueError("put_batch needs records with contiguous seqs")
