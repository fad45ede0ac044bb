"""Searching the detection log by plate (exact, wildcard, fuzzy), camera and time, newest first."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlmodel import col

from local_node.audit.recorder import Auditor, query_detail
from local_node.db.plate_lookup import IndexedPlate, dictionary_size, matching_plates
from local_node.db.plate_reads import PlateReads, ReadAhead, ReadFilters
from local_node.db.plate_recency import (
    count_candidates,
    plates_by_recency_scan,
    plates_newest_first,
    single_range,
)
from local_node.db.tables import Camera, Detection
from local_node.errors import InvalidInput
from sync_protocol.audit import AuditAction
from sync_protocol.plate_index import (
    JOIN_COUNT,
    KeyLookup,
    merge_newest,
    plan_lookup,
    walk_threshold,
)
from sync_protocol.plate_rules import (
    MAX_EDITS_SUPPORTED,
    is_wildcard,
    normalize_pattern,
)

WALK_ROWS_PER_PROBE = {"postgresql": 10}
"""Walked dictionary rows one probe of the join costs (``walk_threshold``), by dialect.

Node PostgreSQL, 30 days (1.6 M plates; ``python -m bench.search``, EXPLAIN ANALYZE): the
join probed ~6.4 us a candidate key (5,185 keys: 33 ms), the windowed walk read ~0.5 us a
row, its LIKEs included (65,536 rows: 32 ms). SQLite: 1."""
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
    search finds its plates in the plate dictionary and merges their reads newest first. A
    wildcard's plates come newest first from the database: joined from its rotation range,
    or, when the range holds very many keys, by walking the dictionary's newest-read index.
    Either way a page is exact: it is short only when it is the last.
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
    camera_id = None
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
        reads = ReadFilters(below=below, since=q.since, until=q.until, camera_id=camera_id)
        most = probe_limit(conn, lookup, q.limit)
        if single_range(lookup):  # a wildcard: its plates come newest first from the join
            # Counted past the threshold (cheap: the rotation index alone), the count prices
            # the join for a walk that finds fewer matches than the keys promised.
            keys = count_candidates(conn, lookup, JOIN_COUNT * most) if most is not None else 0
            if most is not None and keys > most:
                join_cost = keys * WALK_ROWS_PER_PROBE.get(conn.dialect.name, 1)
                ordered = plates_by_recency_scan(conn, lookup, since=q.since, join_cost=join_cost)
            else:
                ordered = plates_newest_first(conn, lookup, since=q.since)
            return _page(_merge(conn, ordered, q, reads, presorted=True), q.limit)
        # A fuzzy plain plate: a few dozen ranges of few candidates each, looked up whole.
        plates = matching_plates(conn, lookup)
        return _page(_merge(conn, plates, q, reads), q.limit)


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
    return [_detection(r) for r in conn.execute(stmt.limit(n)).mappings()]


def _detection(row: RowMapping) -> Detection:
    """A stored row as a Detection, unvalidated: the columns' types made its values already,
    and validating them again cost 90 us a row, 4.5 ms a page (``bench.search``)."""
    return Detection.model_construct(**row)


def _merge(
    conn: Connection,
    plates: Iterable[IndexedPlate],
    q: DetectionQuery,
    reads: ReadFilters,
    *,
    presorted: bool = False,
) -> list[Detection]:
    """The newest reads of the matched plates, a few plates read at a time (merge_newest).

    Plates give only their reads' seqs (the (plate_norm, seq) index covers them), several
    plates a statement (``PlateReads``); the rows of the page are read once, at the end.
    """
    top = MAX_SEQ if reads.below is None else reads.below - 1
    # A plate none of whose reads came at or after ``since`` has nothing to give: not read.
    bounds = ReadAhead(
        (p.plate_norm, min(p.last_seq, top))
        for p in plates
        if q.since is None or p.last_received_at >= q.since
    )
    if not presorted:  # the merge visits them newest bound first: read ahead in that order
        bounds = ReadAhead(sorted(bounds, key=lambda b: b[1], reverse=True))
    fetch = PlateReads(conn, bounds, reads)
    seqs = merge_newest(bounds, fetch, lambda seq: seq, q.limit + 1, presorted=True)
    if not seqs:
        return []
    rows = conn.execute(select(Detection).where(col(Detection.seq).in_(seqs))).mappings()
    return sorted(map(_detection, rows), key=lambda d: -d.seq)


def probe_limit(conn: Connection, lookup: KeyLookup, limit: int) -> int | None:
    """How many candidate plates a search looks up before it scans instead (None: no cap)."""
    if not is_wildcard(lookup.pattern):
        return None
    return walk_threshold(
        limit, dictionary_size(conn), WALK_ROWS_PER_PROBE.get(conn.dialect.name, 1)
    )


def _page(rows: list[Detection], limit: int) -> tuple[list[Detection], str | None]:
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1].seq)
    return rows, None
