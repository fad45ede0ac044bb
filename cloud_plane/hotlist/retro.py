"""Retroactive hits in the cloud: past reads of a newly added entry, at every site.

Design (issue 14):

- **What is scanned**: the hotlist's changes after a durable mark (``HitStore.historical_mark``,
  a hotlist version; set at the current version the first time the app is built, so an
  upgraded cloud does not scan its whole existing hotlist). Every live, unexpired entry
  version past the mark is scanned, then the mark moves past it. Staff edits (API,
  dashboard, CLI) and sites' ops received over sync are covered alike, since both are
  hotlist versions; a pass cut short by a crash is redone by the next one (the mark moves
  only after an entry's hits and alert are written).
- **How**: the detection search (``search_detections``, the plate index) with the entry as the
  plate, fuzzy with the live matcher's ``max_edits``, reads received since ``now - lookback``,
  every site, paged to the end (at most ``max_reads`` reads); each read is then checked with
  ``match_entry``, so a historical hit has the kind and distance the live matcher would give.
- **Idempotent**: hits are unique per (detection, entry) and only *new* ones make the alert,
  whose dedup key is the entry's version: running a pass twice, or re-adding an entry whose
  past reads were already found, changes nothing. On SQL one entry's hits and its alert are
  one transaction; on DynamoDB each write stands alone (a crash between them leaves the hits
  listed on the entry without their alert).
- **The alert** (``AlertService.on_historical``): one per entry (kind ``historical_hit``,
  "N past reads at K sites"), on the site of the newest read; subscriptions get it only if
  they name the kind
  (``alerts/model.OPT_IN_KINDS``), so no SMS by default.
- **When**: ``kick()`` after a staff edit or an exchange that applied a site's op. Under
  ``cloud serve`` a background thread does the pass (woken by the kick, and every
  ``hotlist_lookback_interval_s`` as a catch-up for edits made by the CLI or lost by a
  crash). Without the thread (the AWS API Lambda: lifespan off, nothing runs after the
  response) the kick runs one bounded pass (``max_entries``) in the request: with the plate
  index each entry is a few indexed queries; the rest waits for the next kick.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cloud_plane.clock import Clock
from cloud_plane.records.detections import DetectionQuery, StoredDetection
from cloud_plane.records.hits import StoredHit
from cloud_plane.store.base import CloudStore
from sync_protocol.hotlist_messages import HotlistEntry
from sync_protocol.plate_rules import PlateMatch, match_entry

log = logging.getLogger(__name__)

MAX_EDITS = 1  # the live matcher's (sync_protocol.hotlist_matcher.HotlistMatcher default)
PAGE = 500


@dataclass(frozen=True)
class EntryScan:
    """What one entry's scan found: reads that match, and how many hits were new."""

    matched: int
    new: int
    sites: int


def reads_matching(
    store: CloudStore, entry_plate: str, *, since: datetime, max_reads: int
) -> Iterator[tuple[StoredDetection, PlateMatch]]:
    """Yield the reads received since ``since`` that match the entry (every page, every site)."""
    cursor: str | None = None
    seen = 0
    while True:
        query = DetectionQuery(
            plate=entry_plate, fuzzy=True, max_edits=MAX_EDITS, since=since, limit=PAGE,
            cursor=cursor, site_ids=None,
        )  # fmt: skip
        page = store.detections.search_detections(query)
        for found in page.items:
            match = match_entry(entry_plate, found.record.plate_norm, max_edits=MAX_EDITS)
            if match is not None:
                yield found, match
        seen += len(page.items)
        cursor = page.next_cursor
        if cursor is None or seen >= max_reads:
            return


@dataclass
class RetroHits:
    """Finds historical hits of entries added since the mark; see the module's design."""

    store: CloudStore
    clock: Clock
    lookback: timedelta
    # Told of an entry's new historical hits inside their transaction (the alert service's
    # ``on_historical``: one alert per entry); None: hits only.
    on_found: Callable[[HotlistEntry, list[StoredHit], timedelta], object] | None = None
    interval_s: float = 30.0
    max_entries: int = 50  # per pass: bounds a pass run inside a request
    max_reads: int = 10_000  # per entry: a pattern such as ``A*`` must not read everything
    _wake: threading.Event = field(default_factory=threading.Event, init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _thread: threading.Thread | None = field(default=None, init=False)
    _pass: threading.Lock = field(default_factory=threading.Lock, init=False)

    # --- the pass -----------------------------------------------------------------------
    def initialise(self) -> None:
        """Set the mark at the current hotlist version if it was never set.

        Called when the app is built: a cloud upgraded to historical hits scans the entries
        added from then on, not its whole hotlist at once (with an alert for each old entry).
        """
        if self.store.hits.historical_mark() is None:
            self.store.hits.set_historical_mark(self.store.hotlist.current_version())

    def run_once(self) -> int:
        """Scan the entries changed since the mark (at most ``max_entries``); return how many.

        A mark never set is set first (``initialise``): nothing is scanned then.
        """
        with self._pass:  # one pass at a time in this process (others are harmless, slower)
            mark = self.store.hits.historical_mark()
            if mark is None:
                self.initialise()
                return 0
            changes = self.store.hotlist.changes_since(mark, self.max_entries)
            now = self.clock()
            for entry in changes:
                if self._wanted(entry, now):
                    self.scan_entry(entry, now=now)
                self.store.hits.set_historical_mark(entry.version)
            return len(changes)

    def _wanted(self, entry: HotlistEntry, now: datetime) -> bool:
        expired = entry.expires_at is not None and entry.expires_at <= now
        return not entry.deleted and not expired and self.lookback > timedelta(0)

    def scan_entry(self, entry: HotlistEntry, *, now: datetime) -> EntryScan:
        """Store the entry's historical hits and, if any are new, raise its alert."""
        since = now - self.lookback
        found = list(
            reads_matching(self.store, entry.plate_norm, since=since, max_reads=self.max_reads)
        )
        new: list[StoredHit] = []
        with self.store.meta.atomic():
            for read, match in found:
                hit = _historical_hit(entry, read, match, now)
                if self.store.hits.put_hit(hit):
                    new.append(hit)
            if new and self.on_found is not None:
                self.on_found(entry, new, self.lookback)
        sites = len({h.site_id for h in new})
        if new:
            log.info(
                "historical hits of %s/%s: %d new of %d past reads",
                entry.list_name, entry.plate_norm, len(new), len(found),
            )  # fmt: skip
        return EntryScan(matched=len(found), new=len(new), sites=sites)

    # --- when it runs -------------------------------------------------------------------
    def kick(self) -> None:
        """Have the entries just written scanned: wake the thread, or (none) run a pass now.

        Never raises: a failed pass is logged, and the mark makes the next one redo it.
        """
        if self._thread is not None:
            self._wake.set()
            return
        try:
            self.run_once()
        except Exception:
            log.exception("historical hits: the pass failed; the next one redoes it")

    def start(self) -> None:
        """Run passes in a daemon thread: on ``kick()`` and every ``interval_s``."""
        self._stop.clear()
        self._wake.set()  # a first pass at start: catch up on what a crash left
        self._thread = threading.Thread(target=self._loop, name="historical-hits", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread (after its current pass)."""
        thread, self._thread = self._thread, None
        self._stop.set()
        self._wake.set()
        if thread is not None:
            thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                while self.run_once() >= self.max_entries and not self._stop.is_set():
                    pass  # a full pass: more changes wait
            except Exception:
                log.exception("historical hits: the pass failed; retried at the next wake")


def _historical_hit(
    entry: HotlistEntry, read: StoredDetection, match: PlateMatch, now: datetime
) -> StoredHit:
    record = read.record
    return StoredHit(
        detection_id=record.id,
        list_name=entry.list_name,
        plate_norm=entry.plate_norm,
        site_id=read.site_id,
        stream_id=read.stream_id,
        seq=record.seq,
        match_kind=match.kind,
        source="cloud",
        plate=record.plate,
        camera_id=record.camera_id,
        captured_at=record.captured_at,
        hotlist_version=entry.version,
        created_at=now,
        image_sha256=record.image_sha256,
        historical=True,
    )
