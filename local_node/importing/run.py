"""One import: read a file line by line, store its reads in large transactions, report.

Lines are parsed one by one (a bad line is reported with its number, column and reason,
and the import goes on); good ones are stored ``batch_size`` at a time by
``local_node.importing.store``. Progress is reported every few seconds.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy.engine import Connection, Engine

from local_node.clock import Clock
from local_node.db.live_hotlist import hotlist_rev
from local_node.importing import formats, platerecognizer, staging, store
from local_node.importing.pipeline import Chunk, LineProblem, Prepare, read_ahead
from local_node.importing.values import LineError, TimeWindow

BATCH_SIZE = 50_000
# Reads per transaction. Each batch rewrites the index pages its random keys land on (event
# ids, plates): at 500,000 reads, 50,000 a batch was 1.45x faster than 20,000 (7.4k -> 10.8k
# reads/s on this machine under load). The live writer waits for a batch's commit (a few
# seconds at most); --batch-size lowers it on a busy node.
PROGRESS_EVERY_S = 3.0


class ImportRefused(ValueError):
    """The file cannot be imported at all (unknown format, missing columns, empty)."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file and what to make of its reads."""

    fmt: str | None = None
    """One of ``formats.FORMATS``; None: told from the first line."""
    local_only: bool = False
    zone: tzinfo = UTC
    """The zone of times written without an offset."""
    camera: str | None = None
    """Store every read under this source camera name instead of the file's."""
    max_errors: int | None = None
    """Give up after this many bad lines (None: never)."""
    batch_size: int = BATCH_SIZE
    stage: bool = True
    """On SQLite, hand chunks over in staging files (``staging``); False: as pickled rows."""


@dataclass
class ImportReport:
    """What an import did (so far)."""

    format: str = ""
    lines: int = 0
    new: int = 0
    already: int = 0
    too_old: int = 0
    errors: int = 0
    hits: int = 0
    gave_up: bool = False
    elapsed_s: float = 0.0
    by_field: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        """Lines read per second."""
        return self.lines / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def summary(self) -> str:
        """``N new, M already there, K errors`` and the rest."""
        text = f"{self.new} new, {self.already} already there, {self.errors} errors"
        if self.too_old:
            text += f", {self.too_old} older than retention (skipped)"
        if self.hits:
            text += f", {self.hits} historical hits"
        return text


class Importer:
    """Imports files into one node database (``run`` once per file)."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        retention_days: float,
        options: ImportOptions,
        on_error: Callable[[LineProblem], None] | None = None,
        on_progress: Callable[[ImportReport], None] | None = None,
        progress_every_s: float = PROGRESS_EVERY_S,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._options = options
        self._cutoff = retention_cutoff(clock(), retention_days)
        self._on_error = on_error or (lambda problem: None)
        self._on_progress = on_progress or (lambda report: None)
        self._every = progress_every_s
        self._cameras: dict[str, str] = {}
        self._dialect = engine.dialect.name
        self._hotlist: tuple[int, Any] | None = None

    def run(self, stream: TextIO) -> ImportReport:
        """Import every line of ``stream``; the report says how it went."""
        report = ImportReport()
        started = last = time.monotonic()
        first = stream.readline()
        while first and not first.strip():
            first = stream.readline()
        if not first:
            raise ImportRefused("the file is empty")
        try:
            fmt = self._options.fmt or formats.detect(first)
        except formats.UnknownFormat as exc:
            raise ImportRefused(str(exc)) from None
        report.format = fmt
        with contextlib.ExitStack() as stack:
            where = None
            if self._options.stage and self._dialect == "sqlite":
                # Removed at the end, also on error; the reader has stopped by then (the
                # chunks are closed first, which stops it).
                where = Path(
                    stack.enter_context(
                        tempfile.TemporaryDirectory(
                            prefix="edgesync-import-", ignore_cleanup_errors=True
                        )
                    )
                )
            chunks = read_ahead(
                lambda: self._records(fmt, first, stream),
                prepare=self._preparer(fmt, where),
                batch_size=self._options.batch_size,
                max_errors=self._options.max_errors,
            )
            for chunk in stack.enter_context(contextlib.closing(chunks)):
                report.lines += chunk.lines
                for problem in chunk.problems:
                    self._problem(report, problem)
                self._store(chunk, report, fmt)
                report.gave_up = chunk.gave_up
                now = time.monotonic()
                if now - last >= self._every:
                    last = now
                    report.elapsed_s = now - started
                    self._on_progress(report)
        report.elapsed_s = time.monotonic() - started
        return report

    def _preparer(self, fmt: str, where: Path | None) -> Prepare:
        """The reading process's work on a chunk's good records (``store.prepare``); with a
        staging directory ``where``, its rows go to a staging file of their own there."""
        cutoff, dialect = self._cutoff, self._dialect
        # Shared values only make pickles smaller, and a node-csv parser shares them already.
        share = fmt != formats.NODE_CSV and where is None
        numbers = itertools.count(1)

        def prepare(records: list[dict[str, Any]], chunk: Chunk) -> None:
            ready = store.prepare(records, cutoff=cutoff, dialect=dialect, share=share)
            chunk.plates = ready.plates
            chunk.too_old, chunk.repeated = ready.too_old, ready.repeated
            if where is not None and ready.rows:
                chunk.staged = staging.write(where / f"chunk-{next(numbers)}.db", ready.rows)
            else:
                chunk.rows = ready.rows

        return prepare

    def _problem(self, report: ImportReport, problem: LineProblem) -> None:
        report.errors += 1
        report.by_field[problem.field] += 1
        self._on_error(problem)

    # -- reading ------------------------------------------------------------------------
    def _records(
        self, fmt: str, first: str, stream: TextIO
    ) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
        times = TimeWindow(self._clock(), self._options.zone)
        override = self._options.camera
        if fmt == formats.NODE_JSONL:
            parse = formats.node_jsonl_parser(times)
            for number, line in enumerate(itertools.chain([first], stream), start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    yield number, LineError("line", f"is not JSON ({exc})")
                    continue
                yield number, self._parsed(parse, record, override)
            return
        reader = csv.reader(itertools.chain([first.lstrip("\ufeff")], stream))
        header = next(reader)
        missing = formats.missing_columns(fmt, header)
        if missing:
            raise ImportRefused(f"the header lacks the {fmt} column(s): {', '.join(missing)}")
        if fmt == formats.PLATERECOGNIZER_CSV:
            parse = platerecognizer.parser(header, times, override)
            override = None  # the parser keys the reads with it
        else:
            parse = formats.node_csv_parser(header, times)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, LineError("line", f"is not CSV ({exc})")
                continue
            if row:
                yield reader.line_num, self._parsed(parse, row, override)

    def _parsed(
        self, parse: formats.Parser, record: Any, camera: str | None
    ) -> dict[str, Any] | LineError:
        try:
            values = parse(record)
        except LineError as exc:
            return exc
        if camera:
            values["camera"] = camera
        return values

    # -- storing ------------------------------------------------------------------------
    def _store(self, chunk: Chunk, report: ImportReport, fmt: str) -> None:
        report.too_old += chunk.too_old
        report.already += chunk.repeated
        if chunk.staged is not None:
            try:
                self._store_staged(chunk.staged, chunk.plates, report, fmt)
            finally:
                staging.remove(chunk.staged)
            return
        rows = chunk.rows
        if not rows:
            return
        now = self._clock()
        with self._engine.begin() as conn:
            cameras = self._begin_batch(conn, {r[0] for r in rows}, now)
            new = self._insert_rows(conn, rows, chunk.plates, cameras, now, fmt, report)
        self._cameras = cameras
        report.new += new
        report.already += len(rows) - new

    def _store_staged(
        self, staged: staging.Staged, plates: dict[str, list[Any]], report: ImportReport, fmt: str
    ) -> None:
        """Store a staged chunk: by one ``INSERT ... SELECT`` when none of it is stored yet,
        else its rows read back and stored as pickled ones are."""
        now = self._clock()
        with self._engine.connect() as conn:
            staging.attach(conn, staged)
            try:
                with conn.begin():
                    cameras = self._begin_batch(conn, staged.cameras, now)
                    new = self._insert_staged(conn, staged, plates, cameras, now, fmt, report)
            finally:
                staging.detach(conn)
        self._cameras = cameras
        report.new += new
        report.already += staged.count - new

    def _insert_staged(
        self,
        conn: Connection,
        staged: staging.Staged,
        plates: dict[str, list[Any]],
        cameras: dict[str, str],
        now: datetime,
        fmt: str,
        report: ImportReport,
    ) -> int:
        """Store the staged reads not stored yet; return how many."""
        skip = staging.stored_positions(conn, staged, cameras) if staging.usable(staged) else None
        if skip is None or skip:  # rare (a re-run, a file of many cameras): the rows' way
            rows = staging.read_rows(conn, staged, skip or set())
            if skip:
                plates = store.plate_totals(rows)
            return self._insert_rows(conn, rows, plates, cameras, now, fmt, report)
        report.hits += staging.insert_staged(
            conn,
            staged,
            plates,
            block=self._seqs(conn, staged.count, now),
            cameras=cameras,
            matcher=self._matcher(conn),
            now=now,
            flags=store.Flags(self._options.local_only, fmt),
        )
        return staged.count

    def _begin_batch(
        self, conn: Connection, sources: Iterable[str], now: datetime
    ) -> dict[str, str]:
        """Take the node's write lock (the transaction's first write), then the camera id of
        each source camera, creating those missing."""
        store.large_cache(conn)
        store.take_write_lock(conn)
        cameras = dict(self._cameras)
        missing = set(sources) - set(cameras)
        if missing:
            cameras.update(store.ensure_cameras(conn, missing, now))
        return cameras

    def _insert_rows(
        self,
        conn: Connection,
        rows: list[tuple[Any, ...]],
        plates: dict[str, list[Any]],
        cameras: dict[str, str],
        now: datetime,
        fmt: str,
        report: ImportReport,
    ) -> int:
        """Store those of ``rows`` not stored yet (``store.insert_rows``); return how many."""
        found = store.existing(conn, ((cameras[r[0]], r[1]) for r in rows))
        new = rows
        if found:
            new = [r for r in rows if (cameras[r[0]], r[1]) not in found]
            plates = store.plate_totals(new)
        if new:
            report.hits += store.insert_rows(
                conn,
                new,
                plates,
                block=self._seqs(conn, len(new), now),
                cameras=cameras,
                matcher=self._matcher(conn),
                now=now,
                flags=store.Flags(self._options.local_only, fmt),
            )
        return len(new)

    def _seqs(self, conn: Connection, count: int, now: datetime) -> store.SeqBlock:
        """``count`` seqs for the batch: local-only ones or the node's stream's next."""
        if self._options.local_only:
            return store.local_only_seqs(conn, count)
        return store.synced_seqs(conn, count, now)

    def _matcher(self, conn: Any) -> Any:
        rev = hotlist_rev(conn)
        if self._hotlist is None or self._hotlist[0] != rev:
            self._hotlist = store.live_hotlist(conn)
        return self._hotlist[1]


def retention_cutoff(now: datetime, days: float) -> datetime:
    """Reads received before this would be deleted by the next retention run."""
    return now - timedelta(days=days)
