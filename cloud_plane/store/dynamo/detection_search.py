"""Detection search on DynamoDB: plate partitions merged, or a site's chunks walked, newest first.

The same contract as the SQL store (``DetectionQuery``; newest first by (received_at, site,
stream, seq); an opaque keyset cursor; ``InvalidInput`` for a bad one), served from the two
kinds of item ``detection_items.py`` describes:

- a **plate** (exact, wildcard, or fuzzy with 0-2 edits) is looked up in the plate dictionary
  (``plate_dictionary.py``, ``sync_protocol.plate_index.plan_lookup``): the confusion keys
  that can match, each with a bound on its newest read, whose plate partitions (a confusion
  key's reads, newest first) are merged by ``merge_newest``: partitions are read newest bound
  first, a few at once, until no unread one can hold a newer match. The work follows the
  matching keys and the page, never the number of reads, so a page is never cut short: an
  exact plain plate reads its one partition; a pattern without a letter or digit walks the
  chunks like a search without a plate;
- searches **without a plate** walk the chunk partitions of the sites in scope from the
  newest day down, merging the sites' chunks by their newest read and emitting a read only
  once no unread chunk can hold a newer one (a chunk's reads may overlap another's in time).
  A read stored twice (a batch resent cut differently after a lost reply) sits next to
  itself in that order and is emitted once. That walk stops after ``scan_bound`` reads (a
  camera filter may skip most) and then returns a short page whose cursor resumes below the
  last read scanned, so no request reads a whole month of a site.

Reads past the retention are skipped (DynamoDB deletes expired items only eventually; moto
never does).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cloud_plane.errors import InvalidInput
from cloud_plane.records.detections import DetectionQuery, StoredDetection
from cloud_plane.records.paging import (
    NOT_OURS,
    Page,
    cursor_int,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import (
    CHUNK_SPAN,
    Row,
    chunk_newest,
    chunk_rows,
)
from cloud_plane.store.dynamo.plate_dictionary import PlateDictionary
from cloud_plane.store.dynamo.plate_reads import PlateReads
from sync_protocol.plate_rules import check_max_edits, normalize_pattern, plate_matches

SCAN_BOUND = 50_000  # reads a walk without a plate may scan before it returns what it has
LOWEST, HIGHEST = "0", "~"  # below / above every time text (sort keys start with one)
MARGIN = timedelta(seconds=1)  # above a chunk's span: reads at the window's very top too
CHUNK_PAGE = 4  # chunks in a walk's first request (a 2-s batch's: ~1 KB; a backlog's: ~12 KB)
CHUNK_PAGE_MAX = 512  # chunks in its later ones (doubling up to this; a page stops at 1 MB)


@dataclass(frozen=True)
class Window:
    """The sort-key range a page may return: ``low <= key < high``."""

    low: str
    high: str

    def holds(self, key: str) -> bool:
        """Tell whether a read's sort key is inside the window."""
        return self.low <= key < self.high

    def high_time(self) -> datetime | None:
        """Return the receive time at the window's top (None: unbounded)."""
        if self.high == HIGHEST:
            return None
        text = self.high.split(keys.SEP)[0]
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class DetectionSearch:
    """Answers ``search_detections`` for ``DynamoDetections``."""

    def __init__(
        self,
        db: DynamoDb,
        *,
        sites: Callable[[], dict[str, tuple[str, str]]],
        dictionary: PlateDictionary,
        scan_bound: int = SCAN_BOUND,
    ) -> None:
        self._db = db
        self._sites = sites  # site -> (first day, last day) of its chunks
        self._plates = PlateReads(db, dictionary)
        self._scan_bound = scan_bound

    def search(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first; raise InvalidInput for a bad cursor."""
        window = self._window(query)
        try:
            check_max_edits(query.max_edits)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        if query.site_ids is not None and not query.site_ids:
            return Page([], None)
        pattern = normalize_pattern(query.plate) if query.plate else ""
        scope = set(query.site_ids) if query.site_ids is not None else None
        if pattern.replace("*", "").replace("?", ""):
            return self._plate_page(pattern, scope, window, query)
        # No plate, or a pattern without a letter or digit (every plate of some length).
        rows = self._chunk_rows(scope, window)
        return self._page(rows, _pattern_match(pattern, query), scope, query)

    # -- the page -------------------------------------------------------------------------
    def _plate_page(
        self, pattern: str, scope: set[str] | None, window: Window, query: DetectionQuery
    ) -> Page[StoredDetection]:
        rows = self._plates.newest(
            pattern,
            fuzzy=query.fuzzy,
            max_edits=query.max_edits,
            scope=scope,
            low=window.low,
            high=window.high,
            keep=self._keeps(scope, query, self._live()),
            count=query.limit + 1,
        )
        page = rows[: query.limit]
        cursor = _cursor(page[-1]) if len(rows) > query.limit else None
        return Page([r.stored() for r in page], cursor)

    def _page(
        self,
        rows: Iterator[Row],
        match: Callable[[Row], bool],
        scope: set[str] | None,
        query: DetectionQuery,
    ) -> Page[StoredDetection]:
        keep = self._keeps(scope, query, self._live())
        found: list[Row] = []
        for scanned, row in enumerate(rows, start=1):
            if keep(row) and match(row):
                found.append(row)
                if len(found) > query.limit:
                    return Page([r.stored() for r in found[: query.limit]], _cursor(found[-2]))
            if scanned >= self._scan_bound:
                return Page([r.stored() for r in found], _cursor(row))
        return Page([r.stored() for r in found], None)

    def _live(self) -> Callable[[Row], bool]:
        """Return the test that a read is within its site's current retention."""
        now = int(self._db.clock().timestamp())

        def live(row: Row) -> bool:
            expiry = self._db.expires_at(row.received_at, row.site_id)
            return expiry is None or expiry > now

        return live

    @staticmethod
    def _keeps(
        scope: set[str] | None, query: DetectionQuery, live: Callable[[Row], bool]
    ) -> Callable[[Row], bool]:
        """Return the test every read of a page passes, whatever the plate."""
        return lambda row: (
            (scope is None or row.site_id in scope)
            and (query.camera_id is None or row.camera_id == query.camera_id)
            and live(row)
        )

    def _window(self, query: DetectionQuery) -> Window:
        low, high = LOWEST, HIGHEST
        if query.until is not None:
            high = keys.time_text(query.until)  # every key at that time sorts above it
        if query.cursor:
            at, site, stream, seq = decode_cursor(query.cursor, 4)
            try:
                position = keys.time_sort_key(
                    cursor_time(at), cursor_text(site), cursor_text(stream), cursor_int(seq)
                )
            except ValueError:  # an id no key can hold (empty, or with the separator)
                raise InvalidInput(NOT_OURS) from None
            high = min(high, position)
        floors = [query.since] if query.since is not None else []
        longest = self._db.longest_retention()
        if longest is not None:  # older reads have expired at every site (their TTL passed)
            floors.append(self._db.clock() - longest - timedelta(seconds=1))
        if floors:
            low = keys.time_text(max(floors))
        return Window(low, high)

    # -- chunk partitions -------------------------------------------------------------------
    def _chunk_rows(self, scope: set[str] | None, window: Window) -> Iterator[Row]:
        sites = self._sites()
        chosen = sorted(s for s in sites if scope is None or s in scope)
        chunks = heapq.merge(
            *(self._site_chunks(s, *sites[s], window) for s in chosen),
            key=lambda item: str(item["sk"]),
            reverse=True,
        )
        return _merge_chunks(chunks, window)

    def _site_chunks(
        self, site_id: str, first_day: str, last_day: str, window: Window
    ) -> Iterator[dict[str, Any]]:
        """Yield a site's chunks that may hold reads in ``window``, newest read first."""
        top = window.high_time()
        ceiling = None if top is None else keys.time_text(top + CHUNK_SPAN + MARGIN)
        day = last_day if ceiling is None else min(last_day, ceiling[:10])
        floor_day = max(first_day, window.low[:10]) if window.low != LOWEST else first_day
        while day >= floor_day:
            condition, values = "pk = :pk", {":pk": keys.detection_chunk_partition(site_id, day)}
            if ceiling is not None:
                condition += " AND sk < :top"
                values[":top"] = ceiling
            for item in self._growing_pages(condition, values):
                if chunk_newest(item) < window.low[:27]:
                    return  # every read of this chunk and of older ones is below the window
                yield item
            day = _previous_day(day)

    def _growing_pages(self, condition: str, values: dict[str, str]) -> Iterator[dict[str, Any]]:
        """Yield a Query's items newest first in requests of 4, 8, 16... chunks: a page of
        results needs a few chunks (one small request), a long walk few round trips."""
        size, start = CHUNK_PAGE, None
        while True:
            items = list(
                self._db.table.query(
                    condition, values=values, forward=False, limit=size, start_key=start
                )
            )
            yield from items
            if len(items) < size:
                return
            start = {"pk": items[-1]["pk"], "sk": items[-1]["sk"]}
            size = min(size * 2, CHUNK_PAGE_MAX)


def _merge_chunks(chunks: Iterable[dict[str, Any]], window: Window) -> Iterator[Row]:
    """Yield the reads of chunks ordered by newest read, newest first, each once."""
    pending: list[_Newest] = []
    source = iter(chunks)
    upcoming = next(source, None)
    last = None
    while True:
        # Open chunks until the next one cannot hold a read newer than the best we have.
        while upcoming is not None and (
            not pending or pending[0].row.key.split(keys.SEP)[0] <= chunk_newest(upcoming)
        ):
            for row in chunk_rows(upcoming):
                if window.holds(row.key):
                    heapq.heappush(pending, _Newest(row))
            upcoming = next(source, None)
        if not pending:
            return
        row = heapq.heappop(pending).row
        if row.key != last:  # the same read in two chunks: emitted once
            last = row.key
            yield row


@dataclass(frozen=True, slots=True)
class _Newest:
    """A heap entry that puts the newest read on top."""

    row: Row

    def __lt__(self, other: _Newest) -> bool:
        return self.row.key > other.row.key


def _any_row(row: Row) -> bool:
    return True


def _pattern_match(pattern: str, query: DetectionQuery) -> Callable[[Row], bool]:
    """Return the test a walked read must pass: a pattern of ``*`` and ``?`` alone."""
    if not pattern:
        return _any_row
    fuzzy, edits = query.fuzzy, query.max_edits
    return lambda row: plate_matches(pattern, row.plate_norm, fuzzy=fuzzy, max_edits=edits)


def _previous_day(day: str) -> str:
    return (datetime.strptime(day, "%Y-%m-%d") - timedelta(days=1)).strftime("%Y-%m-%d")


def _cursor(row: Row) -> str:
    at, site, stream, seq = keys.parse_time_sort_key(row.key)
    return encode_cursor((at.isoformat(), site, stream, seq))
