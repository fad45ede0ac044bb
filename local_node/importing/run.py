"""One import: read a file line by line, store its reads in large transactions, report.

Lines are parsed one by one (a bad line is reported with its number, column and reason,
and the import goes on); good ones are stored ``batch_size`` at a time by
``local_node.importing.store``. Progress is reported every few seconds.
"""

from __future__ import annotations

import csv
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, TextIO

from sqlalchemy.engine import Engine

from local_node.clock import Clock
from local_node.db.live_hotlist import hotlist_rev
from local_node.importing import formats, platerecognizer, store
from local_node.importing.pipeline import Chunk, LineProblem, read_ahead
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
        cutoff, dialect = self._cutoff, self._dialect
        share = fmt != formats.NODE_CSV  # its parser's memoized checks share values already

        def prepare(records: list[dict[str, Any]], chunk: Chunk) -> None:
            ready = store.prepare(records, cutoff=cutoff, dialect=dialect, share=share)
            chunk.rows, chunk.plates = ready.rows, ready.plates
            chunk.too_old, chunk.repeated = ready.too_old, ready.repeated

        chunks = read_ahead(
            lambda: self._records(fmt, first, stream),
            prepare=prepare,
            batch_size=self._options.batch_size,
            max_errors=self._options.max_errors,
        )
        for chunk in chunks:
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
        rows = chunk.rows
        if not rows:
            return
        now = self._clock()
        with self._engine.begin() as conn:
            store.large_cache(conn)
            store.take_write_lock(conn)
            cameras = dict(self._cameras)
            missing = {r[0] for r in rows} - set(cameras)
            if missing:
                cameras.update(store.ensure_cameras(conn, missing, now))
            found = store.existing(conn, ((cameras[r[0]], r[1]) for r in rows))
            new, plates = rows, chunk.plates
            if found:
                new = [r for r in rows if (cameras[r[0]], r[1]) not in found]
                plates = store.plate_totals(new)
            if new:
                block = (
                    store.local_only_seqs(conn, len(new))
                    if self._options.local_only
                    else store.synced_seqs(conn, len(new), now)
                )
                report.hits += store.insert_rows(
                    conn,
                    new,
                    plates,
                    block=block,
                    cameras=cameras,
                    matcher=self._matcher(conn),
                    now=now,
                    flags=store.Flags(self._options.local_only, fmt),
                )
        self._cameras = cameras
        report.new += len(new)
        report.already += len(rows) - len(new)

    def _matcher(self, conn: Any) -> Any:
        rev = hotlist_rev(conn)
        if self._hotlist is None or self._hotlist[0] != rev:
            self._hotlist = store.live_hotlist(conn)
        return self._hotlist[1]


def retention_cutoff(now: datetime, days: float) -> datetime:
    """Reads received before this would be deleted by the next retention run."""
    return now - timedelta(days=days)
