"""Retroactive hits at a node: past reads of an entry that just became live are stored as hits.

Design (issue 14):

- **What is scanned**: every hotlist entry that *became live* since the last look, however
  it got here: a local edit (``hotlist/service.py``), an entry of a cloud delta or snapshot
  (``sync/hotlist_sync.py``). Each of them bumps ``NodeState.hotlist_rev``, so a pass that
  finds the revision unchanged costs one query; otherwise it compares the live entries with
  the ones it saw live before. An edit of a live entry (reason, priority) is no new entry.
- **Crash**: what was seen is kept in memory only (no table for it, no migration): at start,
  every live entry changed within the look-back is scanned again. An entry whose scan a
  crash cut short is in that set (it changed moments before), so nothing is lost; the others
  are scanned again for nothing: harmless, since...
- **Idempotent**: a hit is unique per (detection, entry) and inserted with ``ON CONFLICT DO
  NOTHING``: a second scan, a re-added entry, or a read the live matcher already flagged
  changes nothing.
- **How**: ``search.search`` with the entry as the plate (fuzzy, the live matcher's
  ``max_edits``), reads received since ``now - lookback``, every page; each read is checked
  with ``match_entry`` for the kind and distance the live matcher would give.
- **Where they go**: ``hits.historical`` True. They reach the cloud like any hit (the agent
  pushes hits past ``hits_acked``, with ``historical``) but raise no alert there, and the
  offline fallback skips them (``alerts/ledger.py``): past reads page nobody. Their reads
  become evidence (``has_hit``: hit-image retention).
- **When**: a job of the node's scheduler (``main._start_jobs``), every
  ``hotlist_lookback_interval_s``: once per node, in the process that runs the jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from local_node.clock import Clock
from local_node.db.tables import Detection, Hit, HotlistEntry, NodeState
from local_node.search import DetectionQuery, search
from sync_protocol.plate_rules import PlateMatch, match_entry

log = logging.getLogger(__name__)

MAX_EDITS = 1  # the live matcher's (sync_protocol.hotlist_matcher.HotlistMatcher default)
PAGE = 500
CHUNK = 500

Key = tuple[str, str]


@dataclass(frozen=True)
class LiveEntry:
    """What a scan needs of an entry (its hits copy priority and reason, as live hits do)."""

    list_name: str
    plate_norm: str
    priority: int
    reason: str | None
    updated_at: datetime
    expires_at: datetime | None


def past_matches(
    engine: Engine, entry_plate: str, *, since: datetime, max_reads: int
) -> Iterator[tuple[Detection, PlateMatch]]:
    """Yield reads received since ``since`` that match the entry, every page of the search."""
    cursor: str | None = None
    seen = 0
    while True:
        query = DetectionQuery(
            plate=entry_plate, fuzzy=True, max_edits=MAX_EDITS, since=since, limit=PAGE,
            cursor=cursor,
        )  # fmt: skip
        rows, cursor = search(engine, query)
        for row in rows:
            match = match_entry(entry_plate, row.plate_norm, max_edits=MAX_EDITS)
            if match is not None:
                yield row, match
        seen += len(rows)
        if cursor is None or seen >= max_reads:
            return


def store_historical(
    engine: Engine, entry: LiveEntry, found: list[tuple[Detection, PlateMatch]], now: datetime
) -> int:
    """Insert the hits not stored yet (one transaction); return how many were new."""
    if not found:
        return 0
    rows = [
        {
            "detection_id": d.id,
            "detection_seq": d.seq,
            "list_name": entry.list_name,
            "entry_plate": entry.plate_norm,
            "match_kind": m.kind,
            "distance": m.distance,
            "priority": entry.priority,
            "reason": entry.reason,
            "created_at": now,
            "historical": True,
        }
        for d, m in found
    ]
    new = 0
    with engine.begin() as conn:
        for start in range(0, len(rows), CHUNK):  # SQLite bounds the variables of a statement
            stmt = _insert(conn).values(rows[start : start + CHUNK]).on_conflict_do_nothing()
            ids = conn.execute(stmt.returning(Hit.detection_id)).scalars().all()
            if ids:
                conn.execute(update(Detection).where(Detection.id.in_(ids)).values(has_hit=True))
            new += len(ids)
    return new


def _insert(conn: Connection):
    return (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(Hit.__table__)


@dataclass
class RetroScanner:
    """Scans entries that became live since the last pass (see the module's design)."""

    engine: Engine
    clock: Clock
    lookback: timedelta
    max_reads: int = 10_000  # per entry: a pattern such as ``A*`` must not read everything
    _rev: int | None = field(default=None, init=False)
    _live: set[Key] | None = field(default=None, init=False)  # None: not looked yet

    def run_once(self) -> int:
        """Scan the entries that became live since the last pass; return the new hits."""
        with self.engine.connect() as conn:
            rev = conn.execute(select(NodeState.hotlist_rev).where(NodeState.id == 1)).scalar()
            if rev is not None and rev == self._rev:
                return 0
            entries = _live_entries(conn)
        now = self.clock()
        entries = {k: e for k, e in entries.items() if e.expires_at is None or e.expires_at > now}
        due = self._due(entries, now)
        new = sum(self.scan(entries[key], now=now) for key in sorted(due))
        self._rev, self._live = rev, set(entries)  # only once every due entry was scanned
        return new

    def _due(self, entries: dict[Key, LiveEntry], now: datetime) -> set[Key]:
        if self.lookback <= timedelta(0):
            return set()
        if self._live is None:  # the first pass: whatever changed within the look-back
            return {k for k, e in entries.items() if e.updated_at >= now - self.lookback}
        return set(entries) - self._live

    def scan(self, entry: LiveEntry, *, now: datetime) -> int:
        """Store one entry's historical hits; return how many were new."""
        found = list(
            past_matches(
                self.engine, entry.plate_norm, since=now - self.lookback, max_reads=self.max_reads
            )
        )
        new = store_historical(self.engine, entry, found, now)
        if new:
            log.info(
                "historical hits of %s/%s: %d new of %d past reads",
                entry.list_name, entry.plate_norm, new, len(found),
            )  # fmt: skip
        return new


def historical_counts(engine: Engine) -> dict[Key, int]:
    """How many historical hits each entry has, by (list, entry plate)."""
    stmt = (
        select(Hit.list_name, Hit.entry_plate, func.count())
        .where(Hit.historical.is_(True))
        .group_by(Hit.list_name, Hit.entry_plate)
    )
    with engine.connect() as conn:
        return {(r[0], r[1]): r[2] for r in conn.execute(stmt)}


def _live_entries(conn: Connection) -> dict[Key, LiveEntry]:
    """The entries that match reads now: not deleted (pending local edits included)."""
    rows = conn.execute(
        select(
            HotlistEntry.list_name,
            HotlistEntry.plate_norm,
            HotlistEntry.priority,
            HotlistEntry.reason,
            HotlistEntry.updated_at,
            HotlistEntry.expires_at,
        ).where(HotlistEntry.deleted.is_(False))
    ).all()
    return {(r[0], r[1]): LiveEntry(*r) for r in rows}
