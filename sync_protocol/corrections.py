"""A better reading of a read the cloud already holds (issue 15), as it crosses the wire.

Some cameras send one event several times as their reading improves (Frigate re-publishes
a tracked car's plate, Rekor sends preview groups before the final one). The node keeps one
read per event: a better reading replaces the read's values under the same id and seq,
bumps its ``revision`` and keeps the earlier reading in the read's history on the node.
The cloud must update its copy the same way — never store a second read — so the node sends
the read's whole current record with its revision, after the cloud acknowledged the read
itself. Applying is idempotent: the cloud keeps the highest revision it has seen, so a
resent or reordered correction changes nothing.
"""

from __future__ import annotations

from pydantic import Field

from sync_protocol.detections import DetectionRecord
from sync_protocol.wire_types import PlateText, RequestModel, Token, UtcDatetime

MAX_CORRECTIONS = 500
FIRST_REVISION = 1
"""The revision of a read as first stored; every correction adds one."""


class ReadCorrection(RequestModel):
    """The read ``record`` (same id, stream and wire seq as first sent) at ``revision``."""

    stream_id: Token = Field(description="the stream the read was sent in (maybe an older one)")
    record: DetectionRecord = Field(description="the read's values now; seq is its wire seq")
    revision: int = Field(ge=FIRST_REVISION + 1, le=1_000_000, description="1 + corrections")
    previous_plate: PlateText = Field(description="the plate as read before this correction")
    corrected_at: UtcDatetime = Field(description="node clock when the better reading came")
