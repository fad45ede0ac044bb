"""Reading ahead: lines are parsed in another process while the caller stores the previous chunk.

The storing side is the import's bottleneck (SQLite's inserts, the commit); everything that
does not need the database is done here, on the other core: parsing and checking each line,
dropping reads older than retention, dropping a chunk's repeated reads, sorting by time,
turning each read into the tuple the insert binds (``store.body``) and summing the plate
dictionary's figures (``store.plate_totals``). A forked process rather than a thread: the
parser's Python would hold the GIL the storing side needs for its own Python between
statements (``bench.importing``). On SQLite a chunk's rows travel in a staging file the
reader writes (``staging``), so the storing side neither unpickles nor binds them; on
PostgreSQL they travel pickled (tuples of strings and numbers: cheap). Where ``fork`` is not
available, a thread does the same work.
The queue holds at most ``depth`` chunks, which bounds memory whatever the file's size.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from local_node.importing.values import LineError

if TYPE_CHECKING:
    from local_node.importing.staging import Staged

_POLL_S = 0.2
RAMP = 8
"""The first chunk holds ``batch_size // RAMP`` reads (``_produce``)."""


@dataclass(frozen=True)
class LineProblem:
    """A line that was not imported: where, which column, why."""

    line: int
    field: str
    reason: str


@dataclass
class Chunk:
    """Consecutive lines: their reads ready to store, their problems, how many there were."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    """``store.body`` tuples, oldest first, one per (camera, event id)."""
    staged: Staged | None = None
    """Instead of ``rows``: the staging file they were written to (``staging``)."""
    plates: dict[str, list[Any]] = field(default_factory=dict)
    """``store.plate_totals`` of ``rows``."""
    problems: list[LineProblem] = field(default_factory=list)
    lines: int = 0
    too_old: int = 0
    repeated: int = 0
    """Reads dropped because the chunk holds the same (camera, event id) earlier."""
    gave_up: bool = False


Records = Iterator[tuple[int, dict[str, Any] | LineError]]
Prepare = Callable[[list[dict[str, Any]], Chunk], None]
"""Fills a chunk's ``rows`` (or ``staged``), ``plates``, ``too_old`` and ``repeated`` from its
good records."""


class ReaderFailed(RuntimeError):
    """The reading process raised an exception that could not be handed over as it was."""


def read_ahead(
    records: Callable[[], Records],
    *,
    prepare: Prepare,
    batch_size: int,
    max_errors: int | None,
    depth: int = 2,
) -> Generator[Chunk, None, None]:
    """Chunks of ``batch_size`` good records (fewer for the first few and the last, or after
    ``max_errors``),
    made by a forked process (a thread where fork is missing) from ``records()``; an
    exception of the reader is raised here."""
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        out: Any = ctx.Queue(maxsize=depth)
        stop: Any = ctx.Event()
        worker: Any = ctx.Process(
            target=_produce,
            args=(records, prepare, batch_size, max_errors, out, stop),
            name="import-reader",
            daemon=True,
        )
    else:
        out, stop = queue.Queue(maxsize=depth), threading.Event()
        worker = threading.Thread(
            target=_produce,
            args=(records, prepare, batch_size, max_errors, out, stop),
            name="import-reader",
            daemon=True,
        )
    # The objects alive now are never garbage the import makes: out of the collector's sight,
    # it does not walk them again and again, nor (in the forked reader) write to every page
    # of the copied heap. Measured: the reader's CPU halved (24.7 s -> 11.3 s at 500k lines).
    gc.freeze()
    worker.start()
    try:
        while True:
            try:
                item = out.get(timeout=_POLL_S)
            except queue.Empty:
                if not worker.is_alive():
                    raise ReaderFailed("the reading process ended without a word") from None
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        if isinstance(worker, threading.Thread):
            worker.join()
        else:
            worker.join(timeout=2)
            if worker.is_alive():  # blocked on a full queue nobody reads any more
                worker.terminate()
                worker.join()
            out.close()
            out.join_thread()
        gc.unfreeze()


def _produce(
    records: Callable[[], Records],
    prepare: Prepare,
    batch_size: int,
    max_errors: int | None,
    out: Any,
    stop: Any,
) -> None:
    def put(item: Chunk | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                out.put(item, timeout=_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def hand_over(chunk: Chunk, good: list[dict[str, Any]]) -> bool:
        prepare(good, chunk)
        return put(chunk)

    chunk, good, errors = Chunk(), [], 0
    # The first chunks are smaller, each twice the last, up to batch_size: the storing side
    # starts after an eighth of a batch is read instead of a whole one, and stays busy
    # while the next, larger chunk is read (reading is the faster side).
    size = max(1, batch_size // RAMP)
    try:
        for number, record in records():
            chunk.lines += 1
            if isinstance(record, LineError):
                chunk.problems.append(LineProblem(number, record.field, record.reason))
                errors += 1
                if max_errors is not None and errors > max_errors:
                    chunk.gave_up = True
                    break
            else:
                good.append(record)
            # A file of bad lines still reports its progress chunk by chunk.
            if len(good) >= size or chunk.lines >= 4 * size:
                if not hand_over(chunk, good):
                    return
                chunk, good, size = Chunk(), [], min(batch_size, 2 * size)
        hand_over(chunk, good)
    except BaseException as exc:  # handed to the caller, who raises it
        put(_transferable(exc))
    finally:
        put(None)


def _transferable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (a process's queue), else its text in a ReaderFailed."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return ReaderFailed(f"{type(exc).__name__}: {exc}")
    return exc
