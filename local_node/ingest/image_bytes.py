"""The bytes of images the node holds, as one running total every writer of the node shares.

The disk budget (``retention.disk_budget_bytes``) caps the image store as a whole. With
`node serve --workers N` there are N + 1 writers (each worker's, and the parent's for MQTT
reads); a total kept in each process's memory would let each of them fill the whole budget.
So the total lives in shared memory every process maps: a ``multiprocessing.Array`` the
parent creates before it starts its workers (``shared_cell``). One process alone uses a
plain in-memory cell (``ImageBytes()``).

A writer *reserves* the bytes of a batch's images before it writes them (``reserve``:
check and add under the cell's lock, one step), so two workers can never both take the
last free part of the budget; it settles the reservation after its commit (``settle``),
which gives it back when the commit failed. Retention sets the total from a recount of the
database (``set``); that also corrects any drift left by a worker killed between its
commit and its settle.

Reservations not settled yet are counted too, each process in its own slot
(``in_flight``): a writer short of room while another's batch is in flight waits for that
commit (its images can be pruned once they are rows) rather than refusing a read that fits
(``IngestWriter``); the parent empties the slot of a worker that died (``forget``).
"""

from __future__ import annotations

import multiprocessing
import threading
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.context import SpawnContext
from typing import Any, Protocol


class Values(Protocol):
    """Integers with a lock around them (``multiprocessing.Array`` has this shape)."""

    def __getitem__(self, index: int) -> int: ...

    def __setitem__(self, index: int, value: int) -> None: ...

    def __len__(self) -> int: ...

    def get_lock(self) -> AbstractContextManager[Any]: ...


class _LocalValues:
    """Values of one process."""

    def __init__(self, size: int) -> None:
        self._values = [0] * size
        self._lock = threading.Lock()

    def __getitem__(self, index: int) -> int:
        return self._values[index]

    def __setitem__(self, index: int, value: int) -> None:
        self._values[index] = value

    def __len__(self) -> int:
        return len(self._values)

    def get_lock(self) -> threading.Lock:
        return self._lock


@dataclass(frozen=True)
class Cell:
    """The shared values (``[total, in flight of slot 1, ...]``) and this process's slot."""

    values: Values
    slot: int = 1

    def for_slot(self, slot: int) -> Cell:
        """The same values seen by the process of ``slot`` (1 .. writers)."""
        if not 1 <= slot < len(self.values):
            raise ValueError(f"slot {slot} outside 1..{len(self.values) - 1}")
        return Cell(self.values, slot)


def shared_cell(writers: int = 1, context: SpawnContext | None = None) -> Cell:
    """Values in shared memory for ``writers`` processes, to pass to the worker processes
    when they are started (slot 1 is the caller's)."""
    ctx = context or multiprocessing.get_context("spawn")
    values: Values = ctx.Array("q", writers + 1)  # int64: a petabyte of images still fits
    return Cell(values)


_TOTAL = 0


class ImageBytes:
    """The running total of image bytes held, in a cell of this process or a shared one."""

    def __init__(self, cell: Cell | None = None, total: int | None = None) -> None:
        self._cell = cell if cell is not None else Cell(_LocalValues(2))
        self._values = self._cell.values
        if total is not None:
            self.set(total)

    @property
    def total(self) -> int:
        """Bytes held now (reservations included)."""
        return int(self._values[_TOTAL])

    @property
    def in_flight(self) -> int:
        """Bytes reserved and not settled yet, by every process."""
        with self._values.get_lock():
            return sum(self._values[i] for i in range(1, len(self._values)))

    def set(self, total: int) -> None:
        """Replace the total with a recount of the database (retention, start-up): the
        reservations in flight are not rows yet, so they stay counted on top."""
        with self._values.get_lock():
            pending = sum(self._values[i] for i in range(1, len(self._values)))
            self._values[_TOTAL] = max(0, total) + pending

    def add(self, delta: int) -> None:
        """Add (or with a negative ``delta``, take away) bytes; never below zero."""
        with self._values.get_lock():
            self._values[_TOTAL] = max(0, self._values[_TOTAL] + delta)

    def reserve(self, needed: int, budget: int | None) -> int:
        """Add ``needed`` if the total stays within ``budget``: return 0; else the shortfall.

        Nothing is added when the answer is a shortfall. ``budget`` None: no cap.
        """
        with self._values.get_lock():
            short = 0 if budget is None else self._values[_TOTAL] + needed - budget
            if short > 0:
                return short
            self._values[_TOTAL] += needed
            self._values[self._cell.slot] += needed
            return 0

    def settle(self, reserved: int, actual: int) -> None:
        """After a commit: replace the reservation by the bytes really stored (0: the
        commit failed and nothing was stored)."""
        with self._values.get_lock():
            slot = self._cell.slot
            self._values[slot] = max(0, self._values[slot] - reserved)
            self._values[_TOTAL] = max(0, self._values[_TOTAL] + actual - reserved)

    def forget(self, slot: int) -> None:
        """The process of ``slot`` died: its reservation is no longer in flight (the bytes
        it holds, if it committed, are counted again by retention's next recount)."""
        with self._values.get_lock():
            held = self._values[slot]
            self._values[slot] = 0
            self._values[_TOTAL] = max(0, self._values[_TOTAL] - held)
