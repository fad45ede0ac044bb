"""``SiteStore`` on SQL: sites, enrolment codes, the nodes' keys and the nonce cache."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.engine import Connection

from cloud_plane.errors import Conflict, NotFound
from cloud_plane.records.backlog import decode_samples
from cloud_plane.records.sites import EnrollmentRefused, Site
from cloud_plane.store.ids import new_site_id
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import EnrollmentRow, NonceRow, SiteKeyRow, SiteRow
from sync_protocol.messages import Heartbeat


def load_site(conn: Connection, site_id: str) -> Site:
    """Return the site read on ``conn``; raise NotFound."""
    row = conn.execute(select(SiteRow).where(SiteRow.site_id == site_id)).first()
    if row is None:
        raise NotFound(f"no site {site_id!r}")
    return _site(row._mapping)


class SqlSites:
    """``SiteStore`` over the site, enrolment, key and nonce tables."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def create_site(self, name: str, *, now: datetime, timezone: str | None = None) -> Site:
        """Create a site with a fresh id; raise Conflict if a live site has the name."""
        row = {"site_id": new_site_id(), "name": name, "created_at": now, "timezone": timezone}
        with self._db.tx(write=True) as conn:
            _refuse_taken(conn, name)
            conn.execute(self._db.insert(conn, SiteRow).values(row))
        return Site(site_id=row["site_id"], name=name, created_at=now, timezone=timezone)

    def rename_site(self, site_id: str, name: str) -> Site:
        """Rename the site; raise NotFound, or Conflict if another live site has the name."""
        with self._db.tx(write=True) as conn:
            load_site(conn, site_id)
            _refuse_taken(conn, name, other_than=site_id)
            conn.execute(update(SiteRow).where(SiteRow.site_id == site_id).values(name=name))
            return load_site(conn, site_id)

    def set_site_timezone(self, site_id: str, timezone: str | None) -> Site:
        """Set the site's IANA zone (None: the cloud's default); raise NotFound."""
        return self._set(site_id, timezone=timezone)

    def set_site_read_retention(self, site_id: str, days: int | None) -> Site:
        """Set the days the site's reads are kept (None: the default); raise NotFound."""
        return self._set(site_id, read_retention_days=days)

    def _set(self, site_id: str, **values: object) -> Site:
        """Set columns of an existing site's row; raise NotFound."""
        with self._db.tx(write=True) as conn:
            load_site(conn, site_id)
            conn.execute(update(SiteRow).where(SiteRow.site_id == site_id).values(**values))
            return load_site(conn, site_id)

    def archive_site(self, site_id: str, *, now: datetime) -> Site | None:
        """Delete a never-enrolled site (None), or revoke and archive an enrolled one."""
        with self._db.tx(write=True) as conn:
            site = load_site(conn, site_id)
            if site.enrolled_at is None:
                conn.execute(delete(EnrollmentRow).where(EnrollmentRow.site_id == site_id))
                conn.execute(delete(SiteRow).where(SiteRow.site_id == site_id))
                return None
            conn.execute(
                update(SiteRow)
                .where(SiteRow.site_id == site_id)
                .values(revoked_at=site.revoked_at or now, archived_at=site.archived_at or now)
            )
            return load_site(conn, site_id)

    def get_site(self, site_id: str) -> Site:
        """Return the site; raise NotFound."""
        with self._db.tx() as conn:
            return load_site(conn, site_id)

    def list_sites(self, site_ids: Collection[str] | None = None) -> list[Site]:
        """Return sites by name (only ``site_ids`` if given)."""
        stmt = select(SiteRow).order_by(SiteRow.name, SiteRow.site_id)
        if site_ids is not None:
            if not site_ids:
                return []
            stmt = stmt.where(SiteRow.site_id.in_(list(site_ids)))
        with self._db.tx() as conn:
            return [_site(r) for r in conn.execute(stmt).mappings()]

    def revoke_site(self, site_id: str, *, now: datetime) -> Site:
        """Revoke the site (the first revocation time stays); raise NotFound."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                update(SiteRow)
                .where(SiteRow.site_id == site_id, SiteRow.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            return self.get_site(site_id)

    def create_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Register a one-time code hash for the site; raise NotFound."""
        with self._db.tx(write=True) as conn:
            self.get_site(site_id)
            conn.execute(
                self._db.insert(conn, EnrollmentRow).values(
                    code_hash=code_hash, site_id=site_id, expires_at=expires_at
                )
            )

    def reissue_enrollment(self, site_id: str, code_hash: str, expires_at: datetime) -> None:
        """Replace the site's unused codes by this one; raise NotFound or Conflict."""
        with self._db.tx(write=True) as conn:
            site = load_site(conn, site_id)
            if site.revoked:
                raise Conflict(f"site {site_id!r} was revoked or archived; it cannot enrol")
            conn.execute(
                delete(EnrollmentRow).where(
                    EnrollmentRow.site_id == site_id, EnrollmentRow.used_at.is_(None)
                )
            )
            conn.execute(
                self._db.insert(conn, EnrollmentRow).values(
                    code_hash=code_hash, site_id=site_id, expires_at=expires_at
                )
            )

    def consume_enrollment(
        self,
        code_hash: str,
        now: datetime,
        public_key_pem: str,
        key_id: str,
        *,
        timezone: str | None = None,
    ) -> Site:
        """Use the code once and register the node's key (and ``timezone`` if the site has
        none); raise EnrollmentRefused."""
        with self._db.tx(write=True) as conn:
            row = conn.execute(
                select(EnrollmentRow).where(EnrollmentRow.code_hash == code_hash).with_for_update()
            ).first()
            if row is None:
                raise EnrollmentRefused("enrolment code is not valid")
            if row.used_at is not None:
                raise EnrollmentRefused("enrolment code was already used; ask for a new one")
            if row.expires_at <= now:
                raise EnrollmentRefused("enrolment code has expired; ask for a new one")
            site = self.get_site(row.site_id)
            if site.revoked:
                raise EnrollmentRefused(f"site {site.site_id!r} was revoked")
            conn.execute(
                update(EnrollmentRow)
                .where(EnrollmentRow.code_hash == code_hash)
                .values(used_at=now, key_id=key_id)
            )
            conn.execute(
                self._db.insert(conn, SiteKeyRow)
                .values(
                    site_id=site.site_id,
                    key_id=key_id,
                    public_key_pem=public_key_pem,
                    created_at=now,
                )
                .on_conflict_do_nothing()
            )
            conn.execute(
                update(SiteRow).where(SiteRow.site_id == site.site_id).values(enrolled_at=now)
            )
            if timezone is not None:  # the node's zone is a default: a zone set stays
                conn.execute(
                    update(SiteRow)
                    .where(SiteRow.site_id == site.site_id, SiteRow.timezone.is_(None))
                    .values(timezone=timezone)
                )
            return self.get_site(site.site_id)

    def get_site_key(self, site_id: str, key_id: str) -> str | None:
        """Return the public key PEM registered for the site under ``key_id``, or None."""
        with self._db.tx() as conn:
            return conn.execute(
                select(SiteKeyRow.public_key_pem).where(
                    SiteKeyRow.site_id == site_id, SiteKeyRow.key_id == key_id
                )
            ).scalar_one_or_none()

    def record_hotlist_version(self, site_id: str, version: int, *, at: datetime) -> None:
        """Keep the hotlist version the site's node holds (a later report wins)."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                update(SiteRow)
                .where(SiteRow.site_id == site_id)
                .values(hotlist_version=version, hotlist_seen_at=at)
            )

    def remember_nonce(self, key: str, expires_at: datetime, now: datetime) -> bool:
        """Record a nonce until ``expires_at``; return True if it is already recorded."""
        with self._db.tx(write=True) as conn:
            conn.execute(delete(NonceRow).where(NonceRow.expires_at < now))
            # RETURNING, not rowcount: drivers disagree on rowcount after DO NOTHING.
            inserted = conn.execute(
                self._db.insert(conn, NonceRow)
                .values(nonce_key=key, expires_at=expires_at)
                .on_conflict_do_nothing()
                .returning(NonceRow.nonce_key)
            ).first()
            return inserted is None


def _refuse_taken(conn: Connection, name: str, other_than: str | None = None) -> None:
    """Raise Conflict if a site that is not archived already has ``name``.

    Checked in the write transaction rather than by a unique index, so that databases made
    before this rule (which may hold two sites of one name) still migrate. On PostgreSQL the
    check first takes a transaction-scoped advisory lock on the name: under READ COMMITTED
    two concurrent creations would otherwise both find the name free and both insert
    (SQLite's ``BEGIN IMMEDIATE`` already serialises the writers).
    """
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": f"site-name:{name}"}
        )
    stmt = select(SiteRow.site_id).where(SiteRow.name == name, SiteRow.archived_at.is_(None))
    if other_than is not None:
        stmt = stmt.where(SiteRow.site_id != other_than)
    taken = conn.execute(stmt.limit(1)).scalar_one_or_none()
    if taken is not None:
        raise Conflict(f"site {taken} is already named {name!r}; choose another name")


def _site(row: Any) -> Site:
    heartbeat = row["heartbeat_json"]
    return Site(
        site_id=row["site_id"],
        name=row["name"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
        enrolled_at=row["enrolled_at"],
        last_heartbeat_at=row["last_heartbeat_at"],
        heartbeat=Heartbeat.model_validate_json(heartbeat) if heartbeat else None,
        archived_at=row["archived_at"],
        hotlist_version=row["hotlist_version"],
        hotlist_seen_at=row["hotlist_seen_at"],
        timezone=row["timezone"],
        backlog_samples=decode_samples(row["backlog_json"]),
        read_retention_days=row["read_retention_days"],
    )
