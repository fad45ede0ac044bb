"""Hotlist edits as the store records them: who an op is held to, and ops that were refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sync_protocol.hotlist_messages import HotlistEntry

Refusal = Callable[[HotlistEntry | None], str | None]
"""Given the entry's stored state (tombstones included, None if there is none), why the op
must be refused, or None. The store evaluates it under its hotlist write lock."""


def _allowed(_: HotlistEntry | None) -> str | None:
    return None


@dataclass(frozen=True)
class OpAuthor:
    """Who the cloud holds an op to, decided by the hotlist use case (the store only persists).

    ``site_id`` None: staff in the cloud. ``owner`` is what a winning op makes the entry's
    owner; ``updated_by`` the attribution shown; ``reported_by`` what the node claimed.
    ``refusal`` is the ownership rule, checked against the entry's state inside the same
    write transaction as the last-writer-wins compare, so no edit can slip in between.
    """

    site_id: str | None
    owner: str
    updated_by: str
    reported_by: str | None = None
    refusal: Refusal = _allowed


@dataclass(frozen=True)
class RefusedOp:
    """An op the cloud refused (a site acting on an entry it does not own), for staff to see."""

    op_id: uuid.UUID
    site_id: str | None
    action: str | None
    list_name: str | None
    plate_norm: str | None
    reported_by: str | None
    reason: str
    refused_at: datetime
