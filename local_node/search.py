"""Searching the detection log by plate (exact, wildcard, fuzzy), camera and time, newest first."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime
from math import isqrt

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlmodel import col

from local_node.audit.recorder import Auditor, query_detail
from local_node.db.plate_lookup import IndexedPlate, dictionary_size, matching_plates
from local_node.db.tables import Camera, Detection
from local_node.errors import InvalidInput
from sync_protocol.audit import AuditAction
from sync_protocol.plate_index import KeyLookup, merge_newest, plan_lookup
from sync_protocol.plate_rules import (
    MAX_EDITS_SUPPORTED,
    confusion_key,
    is_wildcard,
    normalize_pattern,
)

PROBE_PLATES = 2000
"""A wildcard search looks up at least this many candidate plates before it scans instead.

Looking plates up costs about one index row per candidate key (a rotation, then the
dictionary's rows of that key); the scan costs about ``limit * reads / matching reads``
rows, which is about ``limit * plates / candidates`` when reads spread over plates alike.
Both rows cost alike, so the two meet near ``sqrt(limit * plates)`` candidates: past that
(``probe_limit``) a search scans. On SQLite with 300,000 reads (244,000 plates), ``0*``
has 20,000 candidate keys: looked up, 390 ms, scanned, 95 ms; ``05*`` has 944: looked up
and merged, 45 ms, scanned, 125 ms (a loaded 2-core machine).
The floor keeps a small log from scanning at all: 2000 lookups take tens of milliseconds.
A fuzzy plain plate never scans: its candidates are many only because its ranges are
loose, few plates match, and a scan would read the whole log."""
# What the seq column holds (INTEGER on PostgreSQL): a larger cursor made the driver raise
# (OverflowError, or "integer out of range"), a 500.
MAX_SEQ = 2**31 - 1
_CURSOR = re.compile(r"s(-?\d{1,10})")  # seqs <= 0: local-only imports
Filters = list[ColumnElement[bool]]


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
    """One page of detections, newest first, and the cursor of the next page (or None).

    An exact plate reads its reads through the (plate_norm, seq) index; any other plate
    search finds its plates in the plate dictionary and merges their reads newest first,
    or, when very many plates match, filters one newest-first scan. Either way a page is
    exact: it is short only when it is the last.
    """
    below = decode_cursor(q.cursor) if q.cursor else None
    pattern = normalize_pattern(q.plate) if q.plate else ""
    if q.plate and not pattern:
        raise InvalidInput("plate has no letters or digits")
    if not 0 <= q.max_edits <= MAX_EDITS_SUPPORTED:
        raise InvalidInput(f"edits must be 0..{MAX_EDITS_SUPPORTED}")
    lookup = plan_lookup(pattern, fuzzy=q.fuzzy, max_edits=q.max_edits) if pattern else None
    filters: Filters = []
    if q.since:
        filters.append(col(Detection.received_at) >= q.since)
    if q.until:
        filters.append(col(Detection.received_at) < q.until)
    with engine.connect() as conn:
        if q.camera:
            camera_id = conn.execute(
                select(Camera.id).where((Camera.id == q.camera) | (Camera.name == q.camera))
            ).scalar_one_or_none()
            if camera_id is None:
                return [], None
            filters.append(col(Detection.camera_id) == camera_id)
        if pattern and lookup is None:
            filters.append(col(Detection.plate_norm) == pattern)  # the (plate_norm, seq) index
        if lookup is None:
            return _page(_newest(conn, filters, below, q.limit + 1), q.limit)
        plates = matching_plates(conn, lookup, most=probe_limit(conn, lookup, q.limit))
        if plates is None:
            return _page(_scan(conn, lookup, filters, below, q.limit + 1), q.limit)
        return _page(_merge(conn, plates, q, filters, below), q.limit)


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
            edits=q.max_edits if q.fuzzy else None,
            camera=q.camera,
            since=q.since,
            until=q.until,
            next_page=bool(q.cursor),
        ),
    )
    return search(engine, q)


def _below(filters: Filters, below: int | None) -> Filters:
    return filters if below is None else [*filters, col(Detection.seq) < below]


def _newest(conn: Connection, filters: Filters, below: int | None, n: int) -> list[Detection]:
    """The ``n`` newest reads passing ``filters`` below the cursor."""
    stmt = select(Detection).where(*_below(filters, below)).order_by(Detection.seq.desc())
    return [Detection.model_validate(r) for r in conn.execute(stmt.limit(n)).mappings()]


def _merge(
    conn: Connection,
    plates: list[IndexedPlate],
    q: DetectionQuery,
    filters: Filters,
    below: int | None,
) -> list[Detection]:
    """The newest reads of the matched plates, a few plates read at a time (merge_newest)."""
    top = MAX_SEQ if below is None else below - 1
    # A plate none of whose reads came at or after ``since`` has nothing to give: not read.
    bounds = [
        (p.plate_norm, min(p.last_seq, top))
        for p in plates
        if q.since is None or p.last_received_at >= q.since
    ]

    # Built once, run once per plate visited: building a statement costs more than running it.
    stmt = (
        select(Detection)
        .where(*_below(filters, below), col(Detection.plate_norm) == bindparam("plate"))
        .order_by(Detection.seq.desc())
        .limit(bindparam("n"))
    )

    def fetch(plate: str, n: int) -> list[RowMapping]:
        return list(conn.execute(stmt, {"plate": plate, "n": n}).mappings())

    # Rows stay raw until chosen: a plate visited may give more than the page keeps, and
    # making a Detection costs more than reading its row.
    newest = merge_newest(bounds, fetch, lambda r: r["seq"], q.limit + 1)
    return [Detection.model_validate(r) for r in newest]


def _scan(
    conn: Connection, lookup: KeyLookup, filters: Filters, below: int | None, n: int
) -> list[Detection]:
    """The ``n`` newest matching reads, by one newest-first scan of the log (no bound)."""
    if is_wildcard(lookup.pattern):
        # Checked by the database first (cheap per row), then exactly below. Normalised
        # patterns hold only A-Z, 0-9, * and ?: no LIKE escaping needed.
        column, glob = (
            (Detection.plate_key, confusion_key(lookup.pattern))
            if lookup.fuzzy
            else (Detection.plate_norm, lookup.pattern)
        )
        filters = [*filters, column.like(glob.replace("*", "%").replace("?", "_"))]
    stmt = select(Detection).where(*_below(filters, below)).order_by(Detection.seq.desc())
    verdicts: dict[tuple[str, str], bool] = {}  # a plate recurs: decide it once
    found: list[Detection] = []
    rows = conn.execute(stmt.execution_options(yield_per=1000)).mappings()
    try:
        for row in rows:
            plate = (row["plate_key"], row["plate_norm"])
            ok = verdicts.get(plate)
            if ok is None:
                if len(verdicts) >= 100_000:  # a long scan of mostly distinct plates
                    verdicts.clear()
                ok = verdicts[plate] = lookup.accepts_key(plate[0]) and lookup.accepts_plate(
                    plate[1]
                )
            if ok:
                found.append(Detection.model_validate(row))
                if len(found) >= n:
                    break
    finally:
        rows.close()
    return found


def probe_limit(conn: Connection, lookup: KeyLookup, limit: int) -> int | None:
    """How many candidate plates a search looks up before it scans instead (None: no cap)."""
    if not is_wildcard(lookup.pattern):
        return None
    return max(PROBE_PLATES, isqrt((limit + 1) * dictionary_size(conn)))


def _page(rows: list[Detection], limit: int) -> tuple[list[Detection], str | None]:
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].seq)
    return rows, None
