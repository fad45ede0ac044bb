"""Timing the products' own search functions on a built database, one query at a time.

The node is searched with ``local_node.search.search(engine, DetectionQuery(...))`` and the
cloud with ``SqlStore.detections.search_detections(DetectionQuery(...))``, in this process,
first pages of 50 (the web pages' size). Each timed call is the whole function: planning,
the index lookups, fetching the page's rows and building its records.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import text

from bench.ingest.stats import percentile
from bench.search.queries import KINDS, Query, make_query, usable
from sync_protocol.heap import freeze_startup_heap

Progress = Callable[[str], None]
PAGE = 50
MIN_RUNS = 5  # timed calls a kind gets even past its time budget
WARMUP = 3  # untimed queries of each kind first: the first call of a kind warms caches


@dataclass
class Timings:
    """One kind's timed calls and what its pages held."""

    kind: str
    seconds: list[float] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    empty_with_cursor: int = 0
    short_with_cursor: int = 0
    ran_out: int = 0  # deep walks that ended before their last page

    def page(self, items: int, cursor: str | None) -> None:
        self.items.append(items)
        self.empty_with_cursor += items == 0 and cursor is not None
        self.short_with_cursor += 0 < items < PAGE and cursor is not None

    def summary(self) -> dict:
        ms = [s * 1000 for s in self.seconds]
        return {
            "kind": self.kind,
            "n": len(ms),
            "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms, default=0.0), 2),
            "pages": len(self.items),
            "items_per_page": round(sum(self.items) / len(self.items), 1) if self.items else 0.0,
            "empty_pages_with_cursor": self.empty_with_cursor,
            "short_pages_with_cursor": self.short_with_cursor,
            "deep_walks_ended_early": self.ran_out,
        }


class Searcher:
    """One plane's search over one database: ``page(query, cursor) -> (items, cursor)``."""

    def __init__(self, plane: str, url: str) -> None:
        self.plane = plane
        if plane == "node":
            from local_node.db.engine import make_engine
            from local_node.search import DetectionQuery, search

            self.engine = make_engine(url)

            def page(q: Query, cursor: str | None) -> tuple[int, str | None]:
                found, after = search(
                    self.engine,
                    DetectionQuery(
                        plate=q.plate, fuzzy=q.fuzzy, max_edits=q.max_edits, limit=PAGE,
                        cursor=cursor,
                    ),
                )  # fmt: skip
                return len(found), after
        else:
            from cloud_plane.records.detections import DetectionQuery as CloudQuery
            from cloud_plane.store.sql import SqlStore

            store = SqlStore.open(url)
            self.engine = store.db.engine

            def page(q: Query, cursor: str | None) -> tuple[int, str | None]:
                got = store.detections.search_detections(
                    CloudQuery(
                        plate=q.plate, fuzzy=q.fuzzy, max_edits=q.max_edits, limit=PAGE,
                        cursor=cursor,
                    )
                )  # fmt: skip
                return len(got.items), got.next_cursor

        self.page = page
        # As the servers do once started (sync_protocol.heap): the searches are timed in a
        # process like theirs, whose long-lived objects no full collection walks again.
        freeze_startup_heap()

    def close(self) -> None:
        self.engine.dispose()

    def count_plates(self) -> int:
        """Distinct plates the plane's dictionary holds."""
        table = "plate_index" if self.plane == "node" else "cloud_plate_index"
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()

    def sample_plates(self, count: int, rng: random.Random) -> list[str]:
        """Plates of reads drawn at random: a plate read often is drawn often, as asked for."""
        out: list[str] = []
        with self.engine.connect() as conn:
            if self.plane == "node":
                top = conn.execute(text("SELECT MAX(seq) FROM detections")).scalar_one()
                streams = [(None, None, top)]
                one = text("SELECT plate_norm FROM detections WHERE seq = :seq")
            else:
                streams = list(
                    conn.execute(text("SELECT site_id, stream_id, high_water FROM cloud_streams"))
                )
                one = text(
                    "SELECT plate_norm FROM cloud_detections "
                    "WHERE site_id = :site AND stream_id = :stream AND seq = :seq"
                )
            while len(out) < count:
                site, stream, top = rng.choice(streams)
                params = {"seq": rng.randint(1, top), "site": site, "stream": stream}
                plate = conn.execute(one, params).scalar_one_or_none()
                if plate and usable(plate):
                    out.append(plate)
        return out


def run_kinds(
    searcher: Searcher,
    runs: int,
    rng: random.Random,
    progress: Progress,
    label: str,
    *,
    deep_chars: int = 2,
    budget_s: float = float("inf"),
) -> list[dict]:
    """Every kind ``runs`` times (each with its own plate), after a few untimed ones; a kind
    stops early once it has taken ``budget_s`` and has at least ``MIN_RUNS`` timed calls."""
    plates = searcher.sample_plates(runs + WARMUP, rng)
    out = []
    for kind in KINDS:
        timings = Timings(kind)
        started = time.perf_counter()
        for i, plate in enumerate(plates):
            query = make_query(kind, plate, rng, deep_chars=deep_chars)
            _walk(searcher, query, timings if i >= WARMUP else Timings(kind))
            spent = time.perf_counter() - started
            if spent > budget_s and len(timings.seconds) >= MIN_RUNS:
                progress(f"  {label} {kind}: budget spent after {len(timings.seconds)} runs")
                break
        s = timings.summary()
        progress(
            f"  {label} {kind:<7} p50 {s['p50_ms']:8.1f}  p99 {s['p99_ms']:8.1f} ms, "
            f"{s['items_per_page']:.1f} items/page, {s['empty_pages_with_cursor']} empty+cursor"
        )
        out.append(s)
    return out


def _walk(searcher: Searcher, query: Query, timings: Timings) -> None:
    """Time the query's last page (its only one but for deep); count every page's items."""
    cursor: str | None = None
    for number in range(query.pages):
        started = time.perf_counter()
        items, cursor = searcher.page(query, cursor)
        elapsed = time.perf_counter() - started
        timings.page(items, cursor)
        if number == query.pages - 1:
            timings.seconds.append(elapsed)
        elif cursor is None:
            timings.ran_out += 1
            return
