"""The audit log's shared vocabulary and export formats (issue 13), used by node and cloud.

Both planes keep an append-only record of who searched what, who changed the hotlist, who
acknowledged an alert and who changed a user or a key. This module is pure: the entry, the
action names, the bounds put on caller-supplied text, and the JSON Lines / CSV export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from sync_protocol.csv_cells import csv_line

REASON_MAX = 500
TARGET_MAX = 200
ACTOR_MAX = 200
SOURCE_MAX = 64
DETAIL_MAX = 4000


class AuditAction(StrEnum):
    """What was done. Stable names: exports and dashboards filter on them."""

    SEARCH = "search"
    READ_EXPORT = "read.export"
    HOTLIST_ADD = "hotlist.add"
    HOTLIST_UPDATE = "hotlist.update"
    HOTLIST_REMOVE = "hotlist.remove"
    HOTLIST_IMPORT = "hotlist.import"
    ALERT_ACK = "alert.ack"
    ALERT_RESOLVE = "alert.resolve"
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_DISABLE = "user.disable"
    USER_PASSWORD = "user.password"
    USER_REVOKE = "user.revoke"
    KEY_CREATE = "key.create"
    KEY_REVOKE = "key.revoke"
    KEY_ROTATE = "key.rotate"
    CAMERA_CHANGE = "camera.change"  # renamed, disabled (its key refused) or enabled
    SITE_CHANGE = "site.change"
    RETENTION_CHANGE = "retention.change"
    AUDIT_EXPORT = "audit.export"
    IMAGE_REQUEST = "image.request"  # a read's image asked of its site (issue 14)
    IMAGE_VIEW = "image.view"  # a read's image served to a staff member


@dataclass(frozen=True)
class AuditRecord:
    """One entry as both planes store and export it (``id`` is None until stored)."""

    at: datetime
    actor: str
    action: AuditAction | str
    target: str | None = None
    reason: str | None = None
    source: str | None = None
    site_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)
    id: int | str | None = None


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    text = "".join(ch for ch in text if ch.isprintable() or ch == " ").strip()
    return text[:limit] or None


def bounded(record: AuditRecord) -> AuditRecord:
    """The record with caller-supplied text stripped of control characters and cut to size.

    The detail is cut by dropping it to a marker when its JSON would exceed ``DETAIL_MAX``:
    an audit write must never fail because a search query was long.
    """
    detail = dict(record.detail)
    if len(detail_json(detail) or "") > DETAIL_MAX:
        detail = {"truncated": True}
    return AuditRecord(
        at=record.at,
        actor=_clip(record.actor, ACTOR_MAX) or "unknown",
        action=str(record.action),
        target=_clip(record.target, TARGET_MAX),
        reason=_clip(record.reason, REASON_MAX),
        source=_clip(record.source, SOURCE_MAX),
        site_id=record.site_id,
        detail=detail,
        id=record.id,
    )


def detail_json(detail: Mapping[str, Any]) -> str | None:
    """The detail as stored (compact, sorted keys), None when empty."""
    if not detail:
        return None
    return json.dumps(detail, sort_keys=True, separators=(",", ":"), default=str)


EXPORT_FIELDS = ("id", "at", "actor", "action", "site_id", "target", "reason", "source", "detail")


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "action": str(record.action),
        "site_id": record.site_id,
        "target": record.target,
        "reason": record.reason,
        "source": record.source,
        "detail": dict(record.detail),
    }


def to_jsonl(records: Iterable[AuditRecord]) -> Iterator[str]:
    """One JSON object per line (each line ends with a newline), for streaming exports."""
    for record in records:
        yield json.dumps(_row(record), sort_keys=True, default=str) + "\n"


def to_csv(records: Iterable[AuditRecord]) -> Iterator[str]:
    """A header line, then one CSV line per record (formula-looking cells defused)."""
    yield csv_line(EXPORT_FIELDS)
    for record in records:
        row = _row(record)
        row["detail"] = detail_json(row["detail"])
        yield csv_line(row[name] for name in EXPORT_FIELDS)


ExportFormat = Literal["jsonl", "csv"]
EXPORT_MEDIA_TYPES: dict[str, str] = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
}
"""The content type of each export format, for HTTP downloads."""


def export(records: Iterable[AuditRecord], fmt: str) -> Iterator[str]:
    """The records as lines of ``fmt``: ``csv`` (with its header) or ``jsonl``."""
    return to_csv(records) if fmt == "csv" else to_jsonl(records)
