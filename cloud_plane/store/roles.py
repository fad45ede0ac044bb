"""The store's roles for sites, detections, hits, hotlist and users: small Protocols by aggregate.

Every method reads or writes by a key a DynamoDB table can serve directly
(``store/keys.py`` names those keys), so the SQL implementation used for
self-hosting and the DynamoDB one used in AWS answer the same calls the same way.
``tests/cloud_plane/store/contracts/`` runs one suite per role over each implementation.
Times are tz-aware UTC and passed in by the caller.

Errors raised (all from ``cloud_plane.errors``)::

    NotFound           the site / entry the call names does not exist
    Conflict           create_* of something that already exists
    EnrollmentRefused  (a Forbidden, ``records/sites.py``) the code is unknown, used,
                       expired or its site revoked
    InvalidInput       a cursor this store did not hand out

Idempotency is the store's job: a re-sent batch, hit or hotlist op changes
nothing and answers what the first call answered. Writes that must happen
together can be wrapped in ``with store.meta.atomic():`` (one transaction on SQL,
spanning every role of the store; on DynamoDB each call is its own conditional
write, which is why every write here is idempotent on its own).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from cloud_plane.records.detections import (
    BatchOutcome,
    DetectionQuery,
    HourlyReads,
    StoredDetection,
)
from cloud_plane.records.hits import StoredHit
from cloud_plane.records.hotlist import OpAuthor, RefusedOp
from cloud_plane.records.paging import Page
from cloud_plane.records.sites import Site
from cloud_plane.records.users import Role, User
from sync_protocol.corrections import ReadCorrection
from sync_protocol.detections import DetectionRecord
from sync_protocol.hotlist_messages import HotlistEntry, HotlistOp, OpResult
from sync_protocol.messages import Heartbeat


class MetaStore(Protocol):
    """The store itself: its epoch, transactions spanning roles, and its connections."""

    def epoch(self) -> str:
        """Return the store's epoch (made when the store was created)."""
        ...

    def new_epoch(self) -> str:
        """Replace the epoch (after restoring a backup) and return it; nodes then resend."""
        ...

    def atomic(self) -> AbstractContextManager[None]:
        """Group the calls made inside into one transaction where the backend can."""
        ...

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` once the writes made so far by this thread are durable.

        At once outside a transaction (and on a backend whose every write is durable on
        return); inside ``atomic()``, after the outermost block commits, and never if it
        rolls back. For telling the world about committed rows (the SQS delivery messages).
        A callback's exception is logged, not raised: the writes stand.
        """
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class SiteStore(Protocol):
    """Sites, their one-time enrolment codes, the nodes' public keys and the nonce cache."""

    def create_site(self, name: str, *, now: datetime, timezone: str | None = None) -> Site:
        """Create a site with a fresh id (and IANA ``timezone``, None: the cloud's default);
        raise Conflict if a site not archived has the name."""
        ...

    def rename_site(self, site_id: str, name: str) -> Site:
        """Rename the site; raise NotFound, or Conflict if another live site has the name."""
        ...

    def set_site_timezone(self, site_id: str, timezone: str | None) -> Site:
        """Set the site's IANA zone (None: back to the cloud's default); raise NotFound.

        The caller checked the name; the store keeps what it is given.
        """
        ...

    def set_site_read_retention(self, site_id: str, days: int | None) -> Site:
        """Set how many days the cloud keeps the site's reads (None: the cloud-wide default);
        raise NotFound. The caller checked the bounds (``records/retention.py``)."""
        ...

    def archive_site(self, site_id: str, *, now: datetime) -> Site | None:
        """Retire the site; raise NotFound.

        A site that never enrolled is deleted with its codes (return None). An enrolled one
        is archived: revoked (its keys stop syncing) with its data kept, and its name free
        for a new site; return it.
        """
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

    def reissue_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Replace the site's unused codes by this one; raise NotFound, or Conflict if the
        site is revoked or archived (it can no longer enrol)."""
        ...

    def consume_enrollment(
        self,
        code_hash: str,
        now: datetime,
        public_key_pem: str,
        key_id: str,
        *,
        timezone: str | None = None,
    ) -> Site:
        """Use the code once and register the node's key under ``key_id``; return the site.

        ``timezone`` (the node's zone, checked by the caller) becomes the site's zone in the
        same write only if the site has none: a zone staff set is never replaced.
        Raise EnrollmentRefused if the code is unknown, already used, expired at
        ``now``, or its site is revoked. Exactly one of concurrent callers succeeds.
        """
        ...

    def get_site_key(self, site_id: str, key_id: str) -> str | None:
        """Return the public key PEM registered for the site under ``key_id``, or None."""
        ...

    def record_hotlist_version(self, site_id: str, version: int, *, at: datetime) -> None:
        """Keep the hotlist version the site's node said it holds at ``at`` (unknown: no-op)."""
        ...

    def remember_nonce(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record a request nonce until ``expires_at``; return True if it is already recorded.

        Shared by every process on the store (the sync replay cache). Expired
        nonces may be forgotten at any time after ``expires_at``.
        """
        ...


class DetectionStore(Protocol):
    """Detection batches per stream, their high-water marks, search, and site heartbeats."""

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

    def apply_correction(
        self, site_id: str, correction: ReadCorrection, *, applied_at: datetime
    ) -> StoredDetection | None:
        """Give a held read the corrected values if ``correction.revision`` is newer; return it.

        The read is found by site, ``correction.stream_id`` and the record's seq and id (its
        ``received_at`` places it on DynamoDB; a correction never moves it in time, camera or
        counts). It then holds the record's values, the revision and ``previous_plate``, and is
        found by its new plate only. None, with nothing changed: an unknown read, or a
        revision not above the held one (a resent or late correction never undoes a newer one).
        ``applied_at``: the cloud's time of applying.
        """
        ...

    def search_detections(self, query: DetectionQuery) -> Page[StoredDetection]:
        """Return one page of detections, newest first; raise InvalidInput for a bad cursor."""
        ...

    def record_heartbeat(self, site_id: str, heartbeat: Heartbeat, received_at: datetime) -> None:
        """Keep the site's latest heartbeat (an older ``received_at`` never replaces a newer)."""
        ...

    def hourly_reads(
        self, site_ids: Collection[str] | None, *, since: datetime, until: datetime
    ) -> list[HourlyReads]:
        """Return reads per (site, camera, hour) from ``since``'s hour up to ``until``, by hour.

        Counted as batches are stored (new records only), so a resent batch counts nothing.
        ``site_ids`` None: every site; empty: none.
        """
        ...


class HitStore(Protocol):
    """Hits, deduplicated by (detection, list, plate)."""

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

    def hit_detections(self, detection_ids: Collection[str]) -> set[str]:
        """Return the ids among ``detection_ids`` that have at least one hit."""
        ...

    def list_entry_hits(
        self, list_name: str, plate_norm: str, *, limit: int = 50, cursor: str | None = None
    ) -> Page[StoredHit]:
        """Return one entry's hits (live and historical), newest read first (``captured_at``,
        then detection id); raise InvalidInput for a bad cursor."""
        ...

    def historical_mark(self) -> int | None:
        """Return the hotlist version up to which entries were scanned for past reads; None:
        never set (a new store, or one from before historical hits)."""
        ...

    def set_historical_mark(self, version: int) -> None:
        """Raise the scan mark to ``version`` (never lowers it)."""
        ...


class HotlistStore(Protocol):
    """The versioned hotlist: last-writer-wins edits, entries, and deltas for nodes.

    Ops reach ``apply_op`` already valid (the hotlist use case checks list name and
    plate first) with their ``OpAuthor`` (attribution and ownership rule, also from the use
    case); the store keeps the rule and the LWW compare inside its write transaction.
    """

    def apply_op(
        self, op: HotlistOp, author: OpAuthor, *, received_at: datetime
    ) -> tuple[int, OpResult]:
        """Apply one edit by last-writer-wins; return (current version, result).

        ``made_at`` is clamped to ``received_at`` first. If ``author.refusal`` gives a
        reason for the stored state, nothing changes: ``rejected`` with that reason (and the
        entry's version), recorded. A winning op stores the entry under a new version with
        ``author``'s owner and attribution (``applied``); a losing one changes nothing
        (``superseded``, with the winner's version). The same ``op_id`` again returns the
        first result.
        """
        ...

    def list_refused(self, limit: int = 100) -> list[RefusedOp]:
        """Return the ops refused by ``author.refusal``, newest first."""
        ...

    def get_entry(self, list_name: str, plate_norm: str) -> HotlistEntry | None:
        """Return the entry's state (tombstones included) or None."""
        ...

    def list_entries(self, *, include_deleted: bool = False) -> list[HotlistEntry]:
        """Return every entry by (list, plate_norm)."""
        ...

    def changes_since(self, version: int, limit: int) -> list[HotlistEntry]:
        """Return entries (tombstones included) with version > ``version``, oldest first.

        Complete only from ``oldest_retained_version() - 1`` up: below it, purged
        tombstones are missing (the caller gives such a node a snapshot instead).
        """
        ...

    def current_version(self) -> int:
        """Return the hotlist's version (0: never edited)."""
        ...

    def oldest_retained_version(self) -> int:
        """Return the oldest version from which every change is still held (deltas start here)."""
        ...

    def purge_tombstones(self, deleted_before: datetime, limit: int) -> int:
        """Remove up to ``limit`` tombstones the cloud applied before ``deleted_before``.

        Oldest versions first; return how many were removed (0: none left to remove). The
        purge mark (``oldest_retained_version() - 1``) rises to the highest version removed
        before anything removed can be missed by a reader. A tombstone replaced by a new edit
        while the purge runs is not removed (the edit stands). Safe to repeat and to run
        beside edits and other purges.
        """
        ...


class UserStore(Protocol):
    """Staff users, their role and scope, and what revokes their tokens.

    ``disable_user`` and ``set_password`` bump the user's ``token_version`` (tokens issued
    before are refused); ``set_role`` does not (the cloud reads role and sites from here on
    every request). Each raises NotFound for an unknown user and returns the user as stored.
    """

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

    def list_users(self) -> list[User]:
        """Return every user by username."""
        ...

    def disable_user(self, username: str) -> User:
        """Disable the user and revoke their tokens (idempotent); raise NotFound."""
        ...

    def enable_user(self, username: str) -> User:
        """Enable the user again (tokens revoked while disabled stay revoked); raise NotFound."""
        ...

    def set_role(self, username: str, role: Role, sites: Collection[str]) -> User:
        """Replace the user's role and site scope; raise NotFound."""
        ...

    def set_password(self, username: str, password_hash: str) -> User:
        """Replace the password hash and revoke the user's tokens; raise NotFound."""
        ...
