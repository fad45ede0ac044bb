"""Searching the detection log by plate (exact, wildcard, fuzzy), camera and time, newest first."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Engine

from local_node.audit.recorder import Auditor, query_detail
from local_node.db.tables import Camera, Detection
from local_node.errors import InvalidInput
from sync_protocol.audit import AuditAction
from sync_protocol.plate_rules import normalize_pattern
from sync_protocol.plate_search import fuzzy_keys, fuzzy_scan

FUZZY_SCAN_ROWS = 50_000  # rows one fuzzy page may scan before it returns what it has
# What the seq column holds (INTEGER on PostgreSQL): a larger cursor made the driver raise
# (OverflowError, or "integer out of range"), a 500.
MAX_SEQ = 2**31 - 1
_CURSOR = re.compile(r"s(-?\d{1,10})")  # seqs <= 0: local-only imports


@dataclass(frozen=True)
class DetectionQuery:
    """A search over the detection log."""

    plate: str | None = None
    fuzzy: bool = False
    max_edits: int = 1
    """Edits a fuzzy plain plate may differ by beyond OCR confusions (0..2)."""
    camera: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    cursor: str | None = None


def encode_cursor(seq: int) -> str:
    """An opaque cursor: resume below this seq."""
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The seq a cursor stands for (-MAX_SEQ..MAX_SEQ), or a 422 naming the cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned") from None
    found = _CURSOR.fullmatch(raw)
    if found is None or abs(int(found.group(1))) > MAX_SEQ:
        raise InvalidInput("cursor is not one this API returned")
    return int(found.group(1))


def search(engine: Engine, q: DetectionQuery) -> tuple[list[Detection], str | None]:
    """One page of detections, newest first, and the cursor of the next page (or None)."""
    stmt = select(Detection).order_by(Detection.seq.desc())
    if q.cursor:
        stmt = stmt.where(Detection.seq < decode_cursor(q.cursor))
    if q.since:
        stmt = stmt.where(Detection.received_at >= q.since)
    if q.until:
        stmt = stmt.where(Detection.received_at < q.until)
    pattern = normalize_pattern(q.plate) if q.plate else ""
    if q.plate and not pattern:
        raise InvalidInput("plate has no letters or digits")
    with engine.connect() as conn:
        if q.camera:
            camera_id = conn.execute(
                select(Camera.id).where((Camera.id == q.camera) | (Camera.name == q.camera))
            ).scalar_one_or_none()
            if camera_id is None:
                return [], None
            stmt = stmt.where(Detection.camera_id == camera_id)
        if pattern and not q.fuzzy:
            if "*" in pattern or "?" in pattern:
                # Normalised patterns hold only A-Z, 0-9, * and ?: no LIKE escaping needed.
                stmt = stmt.where(
                    Detection.plate_norm.like(pattern.replace("*", "%").replace("?", "_"))
                )
                stmt = _prefix_range(stmt, pattern)
            else:
                stmt = stmt.where(Detection.plate_norm == pattern)
            rows = [
                Detection.model_validate(r)
                for r in conn.execute(stmt.limit(q.limit + 1)).mappings()
            ]
            return _page(rows, q.limit)
        if pattern and q.fuzzy:
            keys = fuzzy_keys(pattern)
            if keys is None:  # a wildcard: the bounded scan
                return _fuzzy(conn, stmt, pattern, q.limit)
            # A plain plate: the few hundred keys it matches, looked up in plate_key's index.
            stmt = stmt.where(Detection.plate_key.in_(sorted(keys)))
            return _page(_fetch(conn, stmt.limit(q.limit + 1)), q.limit)
        rows = [
            Detection.model_validate(r) for r in conn.execute(stmt.limit(q.limit + 1)).mappings()
        ]
        return _page(rows, q.limit)


def audited_search(
    engine: Engine, q: DetectionQuery, auditor: Auditor, reason: str | None = None
) -> tuple[list[Detection], str | None]:
    """``search``, recorded in the audit log first (who, the query, the reason they gave).

    Recorded before it runs: a search that fails on bad input still showed what was sought.
    Each page is recorded (``next_page``): a page is a look at reads like the first one.
    """
    auditor.record(
        AuditAction.SEARCH,
        target=q.plate,
        reason=reason,
        detail=query_detail(
            plate=q.plate,
            fuzzy=q.fuzzy,
            camera=q.camera,
            since=q.since,
            until=q.until,
            next_page=bool(q.cursor),
        ),
    )
    return search(engine, q)


PLATE_ORDER = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The order of normalised plate characters, in byte and in linguistic collations alike."""


def prefix_upper_bound(stem: str) -> str | None:
    """The least string above every plate starting with ``stem`` (None: no bound, all Z)."""
    for i in range(len(stem) - 1, -1, -1):
        at = PLATE_ORDER.find(stem[i])
        if 0 <= at < len(PLATE_ORDER) - 1:
            return stem[:i] + PLATE_ORDER[at + 1]
    return None


def _prefix_range(stmt, pattern: str):
    """Add an index range on plate_norm for a prefix (``AB12*``): LIKE alone uses no index on
    SQLite (case-insensitive LIKE) nor on PostgreSQL outside the C collation."""
    stem = pattern.split("*", 1)[0].split("?", 1)[0]
    if not stem:
        return stmt
    stmt = stmt.where(Detection.plate_norm >= stem)
    upper = prefix_upper_bound(stem)
    return stmt if upper is None else stmt.where(Detection.plate_norm < upper)


def _fetch(conn, stmt) -> list[Detection]:
    return [Detection.model_validate(r) for r in conn.execute(stmt).mappings()]


def _page(rows: list[Detection], limit: int) -> tuple[list[Detection], str | None]:
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].seq)
    return rows, None


def _fuzzy(conn, stmt, pattern: str, limit: int) -> tuple[list[Detection], str | None]:
    # Fuzzy wildcard matches cannot use an index: the shared bounded scan, newest first.
    rows = conn.execute(stmt.execution_options(yield_per=2000)).mappings()
    try:
        page = fuzzy_scan(rows, pattern, limit, FUZZY_SCAN_ROWS)
    finally:
        rows.close()
    cursor = None if page.resume_after is None else encode_cursor(page.resume_after["seq"])
    return [Detection.model_validate(r) for r in page.items], cursor
