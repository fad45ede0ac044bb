"""Reading ahead: lines are parsed by a thread while the caller stores the previous chunk.

SQLite and psycopg release the GIL while the database works (the inserts, the index
updates, the commit), so parsing the next chunk meanwhile uses the second core: about
half an import's time is spent there. The queue holds at most ``depth`` chunks, which
bounds memory whatever the file's size.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from local_node.importing.values import LineError

_POLL_S = 0.2


@dataclass(frozen=True)
class LineProblem:
    """A line that was not imported: where, which column, why."""

    line: int
    field: str
    reason: str


@dataclass
class Chunk:
    """Consecutive lines: their good records, their problems, how many there were."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)
    lines: int = 0
    gave_up: bool = False


def read_ahead(
    records: Iterator[tuple[int, dict[str, Any] | LineError]],
    *,
    batch_size: int,
    max_errors: int | None,
    depth: int = 2,
) -> Iterator[Chunk]:
    """Chunks of ``batch_size`` good records (fewer for the last, or after ``max_errors``),
    made by a thread; an exception of the reader is raised here."""
    out: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Chunk | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        chunk, errors = Chunk(), 0
        try:
            for number, record in records:
                chunk.lines += 1
                if isinstance(record, LineError):
                    chunk.problems.append(LineProblem(number, record.field, record.reason))
                    errors += 1
                    if max_errors is not None and errors > max_errors:
                        chunk.gave_up = True
                        break
                else:
                    chunk.rows.append(record)
                # A file of bad lines still reports its progress chunk by chunk.
                if len(chunk.rows) >= batch_size or chunk.lines >= 4 * batch_size:
                    if not put(chunk):
                        return
                    chunk = Chunk()
            put(chunk)
        except BaseException as exc:  # handed to the caller, who raises it
            put(exc)
        finally:
            put(None)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = out.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        thread.join()
