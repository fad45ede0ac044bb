"""The cloud store's contract: a small Protocol shaped by access patterns, not by joins.

Every method reads or writes by a key a DynamoDB table can serve directly
(``store/keys.py`` names those keys), so the SQL implementation used for
self-hosting and the DynamoDB one used in AWS answer the same calls the same way.
``tests/cloud_plane/store/test_store_contract.py`` runs one suite over each.

Errors raised (all from ``cloud_plane.errors``)::

    NotFound           the site / entry the call names does not exist
    Conflict           create_* of something that already exists
    EnrollmentRefused  (a Forbidden) the code is unknown, used, expired or its site revoked
    InvalidInput       a cursor this store did not hand out

Idempotency is the store's job: a re-sent batch, hit or hotlist op changes
nothing and answers what the first call answered. Writes that must happen
together can be wrapped in ``with store.atomic():`` (one transaction on SQL;
on DynamoDB each call is its own conditional write, which is why every write
here is idempotent on its own).
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar

from cloud_plane.errors import Forbidden, InvalidInput
from cloud_plane.store.alerts_base import AlertStore
from sync_protocol.detections import DetectionRecord
from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp, OpResult
from sync_protocol.messages import Heartbeat

Role = Literal["admin", "manager", "viewer"]
ROLES: tuple[Role, ...] = ("admin", "manager", "viewer")
HitSource = Literal["node", "cloud"]
T = TypeVar("T")


class EnrollmentRefused(Forbidden):
    """An enrolment code that is unknown, already used, expired, or of a revoked site."""


@dataclass(frozen=True)
class Site:
    """A site (one local node) as the cloud knows it."""

    site_id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    enrolled_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    heartbeat: Heartbeat | None = None

    @property
    def revoked(self) -> bool:
        """Return True once the site was revoked (its keys no longer sync)."""
        return self.revoked_at is not None


@dataclass(frozen=True)
class BatchOutcome:
    """What ``put_batch`` did: the stream's contiguous high-water mark after the call.

    ``stored`` counts records new to the cloud; ``gap`` is True when the batch
    started beyond ``high_water + 1`` and was refused whole (nothing stored).
    """

    high_water: int
    stored: int = 0
    gap: bool = False


@dataclass(frozen=True)
class StoredDetection:
    """One detection as the cloud holds it (the node's record plus where and when it came)."""

    site_id: str
    stream_id: str
    ingested_at: datetime
    record: DetectionRecord


@dataclass(frozen=True)
class StoredHit:
    """A hit, deduplicated by ``(detection_id, list_name, plate_norm)``."""

    detection_id: uuid.UUID
    list_name: str
    plate_norm: str
    site_id: str
    stream_id: str
    seq: int
    match_kind: str
    source: HitSource
    plate: str
    camera_id: str
    captured_at: datetime
    hotlist_version: int
    created_at: datetime
    image_sha256: str | None = None


@dataclass(frozen=True)
class User:
    """A staff member; ``sites`` is the scope of managers and viewers (admins see all)."""

    username: str
    role: Role
    sites: frozenset[str]
    created_at: datetime
    password_hash: str | None = None


@dataclass(frozen=True)
class DetectionQuery:
    """A search over detections across sites, newest first by (received_at, site, stream, seq).

    ``plate``: exact normalised plate, ``AB*``/``A?C`` pattern, or with ``fuzzy``
    also OCR confusions and one edit. ``site_ids`` None means every site; an
    empty collection means none. ``since``/``until`` bound the node's
    ``received_at`` (inclusive / exclusive).
    """

    plate: str | None = None
    fuzzy: bool = False
    site_ids: Collection[str] | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results and the cursor of the next (None at the end)."""

    items: list[T] = field(default_factory=list)
    next_cursor: str | None = None


class CloudStore(AlertStore, Protocol):
    """Everything the cloud persists. Times are tz-aware UTC and passed in by the caller.

    The alert calls (alerts, recipients, subscriptions, delivery queue, ledger) are
    declared in ``store/alerts_base.py``.
    """

    # --- meta ---------------------------------------------------------------------------
    def epoch(self) -> str:
        """Return the store's epoch (made when the store was created)."""
        ...

    def new_epoch(self) -> str:
        """Replace the epoch (after restoring a backup) and return it; nodes then resend."""
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """Group the calls made inside into one transaction where the backend can."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    # --- sites, enrolment, keys --------------------------------------------------------
    def create_site(self, name: str, *, now: datetime) -> Site:
        """Create a site with a fresh id."""
        ...

    def get_site(self, site_id: str) -> Site:
        """Return the site; raise NotFound."""
        ...

    def list_sites(self, site_ids: Collection[str] | None = None) -> list[Site]:
        """Return sites by name (only ``site_ids`` if given; unknown ids are skipped)."""
        ...

    def revoke_site(self, site_id: str, *, now: datetime) -> Site:
        """Revoke the site (idempotent: the first revocation time stays); raise NotFound."""
        ...

    def create_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Register a one-time code (stored only as its hash) for the site; raise NotFound."""
        ...

    def consume_enrollment(
        self, code_hash: str, now: datetime, public_key_pem: str, key_id: str
    ) -> Site:
        """Use the code once and register the node's key under ``key_id``; return the site.

        Raise EnrollmentRefused if the code is unknown, already used, expired at
        ``now``, or its site is revoked. Exactly one of concurrent callers succeeds.
        """
        ...

    def get_site_key(self, site_id: str, key_id: str) -> str | None:
        """Return the public key PEM registered for the site under ``key_id``, or None."""
        ...

    def remember_nonce(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record a request nonce until ``expires_at``; return True if it is already recorded.

        Shared by every process on the store (the sync replay cache). Expired
        nonces may be forgotten at any time after ``expires_at``.
        """
        ...

    # --- detections and heartbeats -------------------------------------------------------
    def put_batch(
        self,
        site_id: str,
        stream_id: str,
        records: Sequence[DetectionRecord],
        *,
        received_at: datetime,
    ) -> BatchOutcome:
        """Store a contiguous batch idempotently and return the stream's high-water mark.

        Records at or below the mark are duplicates and change nothing (the
        first copy stays). A batch that starts beyond ``mark + 1`` is refused
        whole (``gap=True``, nothing stored): the cloud never holds records past
        a gap, so its mark is always "everything up to here".
        """
        ...

    def high_water(self, site_id: str, stream_id: str) -> int:
        """Return the contiguous high-water seq held for the stream (0: nothing)."""
        ...

    def search_detections(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first; raise InvalidInput for a bad cursor."""
        ...

    def record_heartbeat(self, site_id: str, heartbeat: Heartbeat, received_at: datetime) -> None:
        """Keep the site's latest heartbeat (an older ``received_at`` never replaces a newer)."""
        ...

    # --- hits ----------------------------------------------------------------------------
    def put_hit(self, hit: StoredHit) -> bool:
        """Store a hit once per (detection_id, list_name, plate_norm); return True if new."""
        ...

    def list_hits(
        self,
        *,
        site_ids: Collection[str] | None = None,
        since: datetime | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[StoredHit]:
        """Return hits newest first (by cloud receive time); raise InvalidInput for a bad cursor."""
        ...

    # --- hotlist -------------------------------------------------------------------------
    def apply_op(
        self, op: HotlistOp, site_id: str | None, *, received_at: datetime
    ) -> tuple[int, OpResult]:
        """Apply one edit by last-writer-wins; return (current version, result).

        ``made_at`` is clamped to ``received_at`` first. A winning op stores the
        entry under a new version (``applied``); a losing one changes nothing
        (``superseded``, with the winner's version). The same ``op_id`` again
        returns the first result. ``site_id`` None: a staff edit in the cloud.
        """
        ...

    def get_entry(self, list_name: str, plate_norm: str) -> HotlistEntry | None:
        """Return the entry's state (tombstones included) or None."""
        ...

    def list_entries(self, *, include_deleted: bool = False) -> list[HotlistEntry]:
        """Return every entry by (list, plate_norm)."""
        ...

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        """Return entries (tombstones included) with version > ``version``, oldest first."""
        ...

    def current_version(self) -> int:
        """Return the hotlist's version (0: never edited)."""
        ...

    def oldest_retained_version(self) -> int:
        """Return the oldest version from which every change is still held (deltas start here)."""
        ...

    # --- users ---------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password_hash: str | None,
        role: Role,
        sites: Collection[str],
        *,
        now: datetime,
    ) -> User:
        """Create a staff user (username case-insensitive); raise Conflict if it exists."""
        ...

    def get_user(self, username: str) -> User | None:
        """Return the user (case-insensitive) or None."""
        ...


def encode_cursor(values: Sequence[Any]) -> str:
    """Return an opaque cursor for a keyset position."""
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    """Return the keyset position of a cursor; raise InvalidInput if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned") from None
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidInput("cursor is not one this API returned")
    return values


def iter_chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield ``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
