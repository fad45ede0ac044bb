"""The SQL cloud's detection search: newest first by (received_at, site, stream, seq), paged
with a keyset cursor, plates found through the plate dictionary (issue 14).

- no plate: one ordered walk of ``ix_cloud_detections_order``;
- an exact plain plate: ``plate_norm = X`` through ``ix_cloud_detections_plate_order``;
- a wildcard: its plates come newest read first from the dictionary (``cloud_plate_index``,
  scoped to the query's sites), a batch at a time (``plate_recency``);
- a fuzzy plain plate: ``plan_lookup``'s rotation ranges and exact keys turn into plates
  through the dictionary, looked up whole (a few dozen keys).

Either way each plate's newest read keys are fetched through ``ix_cloud_detections_plate_order``
and merged (``merge_newest``), each plate bounded by its newest read (and the cursor), a few
dozen plates a statement (``plate_reads``), then the page's rows whole; a page reads about a
page's worth of plates however many match.

Every page is exact: nothing stops at a scan bound. The merge compares site and stream ids in
Python, as the keyset cursor compares them in SQL: the same order under a byte (``C``)
collation, which SQLite always uses and the PostgreSQL databases we create use.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, TextClause, false, select, text
from sqlalchemy.engine import Connection, RowMapping

from cloud_plane.errors import InvalidInput
from cloud_plane.records.detections import DetectionQuery, StoredDetection
from cloud_plane.records.paging import (
    Page,
    cursor_int,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store.investigation_tables import PlateIndexRow, PlateRotationRow
from cloud_plane.store.sql.database import before
from cloud_plane.store.sql.plate_reads import Key, ReadKeys, ReadScope, page_rows
from cloud_plane.store.sql.plate_recency import (
    TOP,
    plates_newest_first,
    single_range,
    walk_cost,
)
from cloud_plane.store.tables import DetectionRow
from sync_protocol.detections import DetectionRecord
from sync_protocol.plate_index import (
    KeyLookup,
    PageFloor,
    RotationRange,
    key_of_rotation,
    merge_newest,
    plan_lookup,
)
from sync_protocol.plate_rules import normalize_pattern

_D = DetectionRow
_ORDER = (_D.received_at, _D.site_id, _D.stream_id, _D.seq)
_CHUNK = 500  # parameters per IN list
_RANGES = 50  # rotation ranges per statement

Position = tuple[datetime, str, str, int]


def search_detections(
    conn: Connection, query: DetectionQuery, *, walk_above: int | None = None
) -> Page[StoredDetection]:
    """One page of the query; InvalidInput for a bad cursor or edit budget. ``walk_above``:
    the keys past which a wildcard walks the dictionary (None: ``plate_recency.walk_cost``)."""
    position = _position(query.cursor)
    stmt = _filtered(query, position)
    pattern = normalize_pattern(query.plate) if query.plate else ""
    want = query.limit + 1  # one more than a page tells whether another page follows
    if not pattern:
        rows = list(conn.execute(stmt.limit(want)).mappings())
    else:
        try:
            lookup = plan_lookup(pattern, fuzzy=query.fuzzy, max_edits=query.max_edits)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if lookup is None:
            rows = list(conn.execute(stmt.where(_D.plate_norm == pattern).limit(want)).mappings())
        elif query.site_ids is not None and not query.site_ids:
            rows = []
        elif single_range(lookup):  # a wildcard: its plates come newest first from the SQL
            walk = walk_cost(conn, lookup, query.limit, walk_above)
            floor: PageFloor[Key] = PageFloor()
            found = plates_newest_first(
                conn, lookup, query.site_ids, since=query.since, walk=walk, floor=floor
            )
            rows = _merge(conn, query, found, position, want, floor)
        else:  # a fuzzy plain plate: a few dozen ranges of few keys each, looked up whole
            plates = candidate_plates(conn, lookup, query.site_ids, since=query.since)
            newest = sorted(plates.items(), key=_newest, reverse=True)
            rows = _merge(conn, query, iter([newest]), position, want)
    items = [stored_detection(r) for r in rows]
    if len(items) > query.limit:
        return Page(items[: query.limit], _cursor(items[query.limit - 1]))
    return Page(items, None)


def _newest(item: tuple[str, datetime]) -> tuple[datetime, str]:
    return item[1], item[0]


def candidate_plates(
    conn: Connection,
    lookup: KeyLookup,
    site_ids: Collection[str] | None,
    *,
    since: datetime | None = None,
) -> dict[str, datetime]:
    """The plates the lookup accepts over the sites, each with its newest read there (those
    with no read since ``since`` left out)."""
    if site_ids is not None and not site_ids:
        return {}
    keys = set(lookup.exact_keys)
    ranges = list(lookup.ranges)
    for start in range(0, len(ranges), _RANGES):
        # A few dozen ranges per statement (a fuzzy plate with two edits has ~180): one round
        # trip each, every range still an index range (SQLite's OR-by-union, a PG bitmap OR).
        spans = ranges[start : start + _RANGES]
        found = conn.execute(*_rotations_within(spans, conn.dialect.name))
        keys.update(
            key_of_rotation(rotation)
            for rotation, arm in found
            if (
                any(s.holds(rotation) for s in spans) if arm is None else spans[arm].holds(rotation)
            )
        )
    wanted = sorted(k for k in keys if lookup.accepts_key(k))
    p = PlateIndexRow
    plates: dict[str, datetime] = {}
    for start in range(0, len(wanted), _CHUNK):
        stmt = select(p.plate_norm, p.last_received_at).where(
            p.plate_key.in_(wanted[start : start + _CHUNK])
        )
        if site_ids is not None:
            stmt = stmt.where(p.site_id.in_(sorted(site_ids)))
        if since is not None:
            stmt = stmt.where(p.last_received_at >= since)
        for plate, last in conn.execute(stmt):
            if lookup.accepts_plate(plate) and (plate not in plates or plates[plate] < last):
                plates[plate] = last
    return plates


def _rotations_within(
    spans: Sequence[RotationRange], dialect: str
) -> tuple[TextClause, dict[str, str]]:
    """The permuterm rows in any of the ranges that match the range's rotated glob (GLOB on
    SQLite, LIKE elsewhere), each with the index of its range where the statement knows it
    (else NULL): SQL text, as building and compiling ~200 expressions cost more than the
    lookups they make."""
    terms, params = [], {}
    match = "GLOB" if dialect == "sqlite" else "LIKE"
    for i, span in enumerate(spans):
        params[f"l{i}"] = span.low
        term = [f"rotation >= :l{i}"]
        if span.high is not None:
            params[f"h{i}"] = span.high
            term.append(f"rotation < :h{i}")
        glob = span.glob if dialect == "sqlite" else span.like()
        if glob is not None:
            params[f"g{i}"] = glob
            term.append(f"rotation {match} :g{i}")
        terms.append("(" + " AND ".join(term) + ")")
    table = PlateRotationRow.__tablename__
    if dialect == "sqlite":  # one index range per term (SQLite's OR-by-union)
        return text(f"SELECT rotation, NULL FROM {table} WHERE " + " OR ".join(terms)), params
    # PostgreSQL turns a long OR into a bitmap heap scan re-checking every term on every
    # row; one index scan per term costs a third of that (measured on the node's 2-edit plates).
    # Each arm says which range it is: a rotation is then checked against its own range
    # only, not against all 50 (4 ms of Python per search at 2 edits).
    arms = (f"SELECT rotation, {i} FROM {table} WHERE {term}" for i, term in enumerate(terms))
    return text(" UNION ALL ".join(arms)), params


def _position(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    at, site, stream, seq = decode_cursor(cursor, 4)
    return cursor_time(at), cursor_text(site), cursor_text(stream), cursor_int(seq)


def _filtered(query: DetectionQuery, position: Position | None) -> Select[Any]:
    """Every filter but the plate's, newest first."""
    stmt = select(DetectionRow).order_by(*(c.desc() for c in _ORDER))
    if position is not None:
        stmt = stmt.where(before(_ORDER, position))
    if query.site_ids is not None:
        # ``site_id || ''``: no index serves the filter, so the planner walks the order (or
        # plate) index newest first and stops at the page's end, instead of fetching and
        # sorting every row of the sites through the primary key.
        site = _D.site_id.op("||")("")
        stmt = stmt.where(site.in_(sorted(query.site_ids)) if query.site_ids else false())
    if query.camera_id is not None:
        stmt = stmt.where(_D.camera_id == query.camera_id)
    if query.since:
        stmt = stmt.where(_D.received_at >= query.since)
    if query.until:
        stmt = stmt.where(_D.received_at < query.until)
    return stmt


def _merge(
    conn: Connection,
    query: DetectionQuery,
    plates: Iterator[list[tuple[str, datetime]]],
    position: Position | None,
    want: int,
    floor: PageFloor[Key] | None = None,
) -> list[RowMapping]:
    """The ``want`` newest reads of the plates (lists of them with their newest read, newest
    first): merged by key, a group of plates a statement, then the page's rows whole."""
    ceilings: list[tuple[Any, ...]] = [] if position is None else [position]
    if query.until is not None:
        ceilings.append((query.until,))  # every read kept is received before ``until``
    scope = ReadScope(
        below=position,
        site_ids=None if query.site_ids is None else tuple(sorted(query.site_ids)),
        camera_id=query.camera_id,
        since=query.since,
        until=query.until,
    )
    fetch = ReadKeys(conn, scope)

    def bounded() -> Iterator[tuple[str, tuple[Any, ...]]]:
        for batch in plates:
            fetch.visiting.extend(plate for plate, _ in batch)
            # Capping a newest-first order at the same ceilings keeps it newest first.
            yield from ((plate, min([(last, TOP), *ceilings])) for plate, last in batch)

    full = None if floor is None else floor.note
    keys = merge_newest(bounded(), fetch, _key, want, presorted=True, full=full)
    return page_rows(conn, keys)


def _key(key: Key) -> Key:
    return key


def stored_detection(row: Any) -> StoredDetection:
    """A detection row as the cloud's record."""
    vehicle = {k: row[f"vehicle_{k}"] for k in ("type", "make", "model", "color")}
    record = DetectionRecord.model_validate(
        {
            "id": uuid.UUID(row["id"]),
            "seq": row["seq"],
            "event_id": row["event_id"],
            "camera_id": row["camera_id"],
            "source_camera": row["source_camera"],
            "captured_at": row["captured_at"],
            "received_at": row["received_at"],
            "plate": row["plate"],
            "plate_norm": row["plate_norm"],
            "confidence": row["confidence"],
            "region": row["region"],
            "direction": row["direction"],
            "bbox": json.loads(row["bbox"]) if row["bbox"] else None,
            "vehicle": vehicle if any(v is not None for v in vehicle.values()) else None,
            "image_sha256": row["image_sha256"],
        }
    )
    return StoredDetection(
        site_id=row["site_id"],
        stream_id=row["stream_id"],
        ingested_at=row["ingested_at"],
        record=record,
        revision=row["revision"],
        previous_plate=row["previous_plate"],
    )


def _cursor(d: StoredDetection) -> str:
    return encode_cursor((d.record.received_at.isoformat(), d.site_id, d.stream_id, d.record.seq))
