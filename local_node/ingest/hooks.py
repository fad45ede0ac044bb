"""What the ingest writer calls out to: hit listeners, a space reclaimer, metrics hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

SpaceReclaimer = Callable[[int], int]
"""Frees at least the given number of bytes if it can; returns the bytes freed."""

HitListener = Callable[[list[tuple[str, int]]], None]
"""Told (detection id, seq) of reads that hit, right after their commit (priority lane)."""


class WriterMetrics(Protocol):
    """Hooks the writer calls with its figures; `local_node.metrics.NodeMetrics` has them.

    A Protocol, not a base class, so that the metrics module need not import ingest.
    """

    def committed(self, count: int, seconds: float, *, pending: int) -> None:
        """A group commit of `count` reads took `seconds`; `pending` reads wait after it."""

    def duplicates(self, count: int) -> None:
        """`count` reads repeated a stored event id."""

    def rejected(self, reason: str) -> None:
        """A read was refused for `reason`."""

    def refined(self, reading: bool, image: bool) -> None:
        """A repeat changed its stored read: a better `reading`, the missing `image`, or both."""


class NoMetrics:
    """The writer's default hooks: record nothing (tools and tests without Prometheus)."""

    def committed(self, count: int, seconds: float, *, pending: int) -> None:
        """Record nothing."""

    def duplicates(self, count: int) -> None:
        """Record nothing."""

    def rejected(self, reason: str) -> None:
        """Record nothing."""

    def refined(self, reading: bool, image: bool) -> None:
        """Record nothing."""
