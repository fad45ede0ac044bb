"""The bytes of images the node holds, as one running total every writer of the node shares.

The disk budget (``retention.disk_budget_bytes``) caps the image store as a whole. With
`node serve --workers N` there are N + 1 writers (each worker's, and the parent's for MQTT
reads); a total kept in each process's memory would let each of them fill the whole budget.
So the total lives in a cell every process maps: a ``multiprocessing.Value`` the parent
creates before it starts its workers (``shared_cell``). One process alone uses a plain
in-memory cell (``ImageBytes()``).

A writer *reserves* the bytes of a batch's images before it writes them (``reserve``:
check and add under the cell's lock, one step), so two workers can never both take the
last free part of the budget; it settles the reservation after its commit (``settle``)
or gives it back when the commit fails. Retention sets the total from a recount of the
database (``set``); that also corrects any drift left by a worker killed between its
commit and its settle.
"""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import AbstractContextManager
from multiprocessing.context import SpawnContext
from typing import Any, Protocol


class Cell(Protocol):
    """An integer with a lock around it (``multiprocessing.Value`` has this shape)."""

    value: int

    def get_lock(self) -> AbstractContextManager[Any]: ...


class _LocalCell:
    """A cell of one process."""

    def __init__(self, value: int = 0) -> None:
        self.value = value
        self._lock = threading.Lock()

    def get_lock(self) -> threading.Lock:
        return self._lock


def shared_cell(context: SpawnContext | None = None) -> Cell:
    """A cell in shared memory, to pass to the worker processes when they are started."""
    ctx = context or multiprocessing.get_context("spawn")
    cell: Cell = ctx.Value("q", 0)  # int64: a petabyte of images still fits
    return cell


class ImageBytes:
    """The running total of image bytes held, in a cell of this process or a shared one."""

    def __init__(self, cell: Cell | None = None, total: int | None = None) -> None:
        self._cell: Cell = cell if cell is not None else _LocalCell()
        if total is not None:
            self.set(total)

    @property
    def total(self) -> int:
        """Bytes held now (reservations included)."""
        return int(self._cell.value)

    def set(self, total: int) -> None:
        """Replace the total with a recount (retention, start-up)."""
        with self._cell.get_lock():
            self._cell.value = max(0, total)

    def add(self, delta: int) -> None:
        """Add (or with a negative ``delta``, take away) bytes; never below zero."""
        with self._cell.get_lock():
            self._cell.value = max(0, self._cell.value + delta)

    def reserve(self, needed: int, budget: int | None) -> int:
        """Add ``needed`` if the total stays within ``budget``: return 0; else the shortfall.

        Nothing is added when the answer is a shortfall. ``budget`` None: no cap.
        """
        with self._cell.get_lock():
            short = 0 if budget is None else self._cell.value + needed - budget
            if short > 0:
                return short
            self._cell.value += needed
            return 0

    def settle(self, reserved: int, actual: int) -> None:
        """After a commit: replace the reservation by the bytes really stored."""
        if actual != reserved:
            self.add(actual - reserved)
