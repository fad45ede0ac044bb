"""``AlertStore`` on SQL: raising by dedup / open / group key, listing, ack and escalation.

Concurrency follows ``database.py``: writes take their lock first. Idempotency keys
are inserted first with ``ON CONFLICT DO NOTHING``, so of concurrent raisers of
one key exactly one goes on; grouping locks the group's row.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.engine import Connection

from cloud_plane.errors import NotFound
from cloud_plane.records.alerts import AlertQuery, AlertRaised, NewAlert, StoredAlert, joins_group
from cloud_plane.records.paging import Page, cursor_time, decode_cursor, encode_cursor
from cloud_plane.store.rows import from_row
from cloud_plane.store.sql.database import SqlDatabase
from cloud_plane.store.tables import AlertGroupRow, AlertKeyRow, AlertRow


class SqlAlerts:
    """``AlertStore`` over the alert, alert key and alert group tables."""

    def __init__(self, db: SqlDatabase) -> None:
        self._db = db

    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its dedup, open or group key says otherwise."""
        with self._db.tx(write=True) as conn:
            if alert.dedup_key is not None:
                claimed = conn.execute(
                    self._db.insert(conn, AlertKeyRow)
                    .values(dedup_key=alert.dedup_key, alert_id=alert.alert_id)
                    .on_conflict_do_nothing()
                    .returning(AlertKeyRow.dedup_key)
                ).first()
                if claimed is None:
                    owner = conn.execute(
                        select(AlertKeyRow.alert_id).where(AlertKeyRow.dedup_key == alert.dedup_key)
                    ).scalar_one()
                    return AlertRaised("duplicate", self._alert(conn, owner))
            if alert.open_key is not None:
                existing = self._open_alert(conn, alert.open_key)
                if existing is not None:
                    return AlertRaised("already_open", self._seen(conn, existing, alert))
            if alert.group_key is not None:
                joined = self._join_group(conn, alert, group_window)
                if joined is not None:
                    return AlertRaised("grouped", joined)
            inserted = conn.execute(
                self._db.insert(conn, AlertRow)
                .values(_alert_row(alert))
                .on_conflict_do_nothing()
                .returning(AlertRow.alert_id)
            ).first()
            if inserted is None and alert.open_key is not None:
                # A concurrent raiser opened the same problem first.
                existing = self._open_alert(conn, alert.open_key)
                if existing is not None:
                    return AlertRaised("already_open", existing)
            if alert.group_key is not None:
                conn.execute(
                    update(AlertGroupRow)
                    .where(AlertGroupRow.group_key == alert.group_key)
                    .values(alert_id=alert.alert_id, first_seen=alert.occurred_at)
                )
            return AlertRaised("created", self._alert(conn, alert.alert_id))

    def _join_group(
        self, conn: Connection, alert: NewAlert, window: timedelta
    ) -> StoredAlert | None:
        conn.execute(
            self._db.insert(conn, AlertGroupRow)
            .values(group_key=alert.group_key, alert_id=None, first_seen=None)
            .on_conflict_do_nothing()
        )
        group = conn.execute(
            select(AlertGroupRow)
            .where(AlertGroupRow.group_key == alert.group_key)
            .with_for_update()
        ).one()
        if group.alert_id is None or not joins_group(group.first_seen, alert.occurred_at, window):
            return None
        current = self._alert(conn, group.alert_id)
        conn.execute(
            update(AlertRow)
            .where(AlertRow.alert_id == current.alert_id)
            .values(
                count=AlertRow.count + 1,
                last_seen=max(current.last_seen, alert.occurred_at),
                first_seen=min(current.first_seen, alert.occurred_at),
            )
        )
        if alert.dedup_key is not None:
            conn.execute(
                update(AlertKeyRow)
                .where(AlertKeyRow.dedup_key == alert.dedup_key)
                .values(alert_id=current.alert_id)
            )
        return self._alert(conn, current.alert_id)

    def _open_alert(self, conn: Connection, open_key: str) -> StoredAlert | None:
        row = conn.execute(
            select(AlertRow).where(AlertRow.open_key == open_key).with_for_update()
        ).first()
        return None if row is None else _stored_alert(row._mapping)

    def _seen(self, conn: Connection, existing: StoredAlert, alert: NewAlert) -> StoredAlert:
        if alert.occurred_at <= existing.last_seen:
            return existing
        conn.execute(
            update(AlertRow)
            .where(AlertRow.alert_id == existing.alert_id)
            .values(last_seen=alert.occurred_at, reason=alert.reason)
        )
        return self._alert(conn, existing.alert_id)

    def _alert(self, conn: Connection, alert_id: str) -> StoredAlert:
        row = conn.execute(select(AlertRow).where(AlertRow.alert_id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id!r}")
        return _stored_alert(row._mapping)

    def get_alert(self, alert_id: str) -> StoredAlert:
        """Return the alert; raise NotFound."""
        with self._db.tx() as conn:
            return self._alert(conn, alert_id)

    def list_alerts(self, query: AlertQuery) -> Page[StoredAlert]:
        """Return alerts newest first by (created_at, alert_id)."""
        a = AlertRow
        stmt = select(AlertRow).order_by(a.created_at.desc(), a.alert_id.desc())
        if query.cursor:
            at, alert_id = decode_cursor(query.cursor, 2)
            at = cursor_time(at)
            stmt = stmt.where(
                or_(a.created_at < at, and_(a.created_at == at, a.alert_id < str(alert_id)))
            )
        if query.site_ids is not None:
            stmt = stmt.where(a.site_id.in_(list(query.site_ids)) if query.site_ids else false())
        if query.status is not None:
            stmt = stmt.where(a.status == query.status)
        if query.kind is not None:
            stmt = stmt.where(a.kind == query.kind)
        with self._db.tx() as conn:
            rows = conn.execute(stmt.limit(query.limit + 1)).mappings()
            items = [_stored_alert(r) for r in rows]
        if len(items) > query.limit:
            last = items[query.limit - 1]
            cursor = encode_cursor((last.created_at.isoformat(), last.alert_id))
            return Page(items[: query.limit], cursor)
        return Page(items, None)

    def open_counts(self, site_ids: Collection[str] | None) -> dict[str, int]:
        """Return how many open (unacknowledged, unresolved) alerts each site has."""
        a = AlertRow
        stmt = select(a.site_id, func.count()).where(a.status == "open").group_by(a.site_id)
        if site_ids is not None:
            stmt = stmt.where(a.site_id.in_(list(site_ids)) if site_ids else false())
        with self._db.tx() as conn:
            return {site: n for site, n in conn.execute(stmt)}

    def daily_counts(self, site_ids: Collection[str] | None, *, since: datetime) -> dict[str, int]:
        """Return alerts created per UTC day (``YYYY-MM-DD``) from ``since`` on."""
        a = AlertRow
        with self._db.tx() as conn:
            if conn.dialect.name == "postgresql":
                day = func.to_char(func.timezone("UTC", a.created_at), "YYYY-MM-DD")
            else:  # stored as UTC text (store/types.py)
                day = func.substr(a.created_at, 1, 10)
            stmt = select(day, func.count()).where(a.created_at >= since).group_by(day)
            if site_ids is not None:
                stmt = stmt.where(a.site_id.in_(list(site_ids)) if site_ids else false())
            return {str(d): n for d, n in conn.execute(stmt)}

    def open_problems(self, site_id: str | None = None) -> list[StoredAlert]:
        """Return unresolved alerts holding an open key (optionally of one site)."""
        stmt = select(AlertRow).where(AlertRow.open_key.is_not(None)).order_by(AlertRow.open_key)
        if site_id is not None:
            stmt = stmt.where(AlertRow.site_id == site_id)
        with self._db.tx() as conn:
            return [_stored_alert(r) for r in conn.execute(stmt).mappings()]

    def resolve_alert(
        self, alert_id: str, *, now: datetime, reason: str | None = None
    ) -> StoredAlert:
        """Mark the alert resolved (first time and reason stay) and free its open key."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.resolved_at.is_(None))
                .values(
                    status="resolved",
                    resolved_at=now,
                    resolution=reason,
                    open_key=None,
                    next_escalation_at=None,
                )
            )
            return self._alert(conn, alert_id)

    def ack_alert(self, alert_id: str, *, by: str, now: datetime) -> StoredAlert:
        """Acknowledge the alert (first who/when stay) and stop its escalation."""
        with self._db.tx(write=True) as conn:
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.acked_at.is_(None))
                .values(acked_by=by, acked_at=now, next_escalation_at=None)
            )
            conn.execute(
                update(AlertRow)
                .where(AlertRow.alert_id == alert_id, AlertRow.status == "open")
                .values(status="acked")
            )
            return self._alert(conn, alert_id)

    def due_escalations(self, now: datetime, limit: int = 100) -> list[StoredAlert]:
        """Return unacknowledged, unresolved alerts due to escalate, oldest due first."""
        stmt = (
            select(AlertRow)
            .where(
                AlertRow.next_escalation_at <= now,
                AlertRow.acked_at.is_(None),
                AlertRow.resolved_at.is_(None),
            )
            .order_by(AlertRow.next_escalation_at)
            .limit(limit)
        )
        with self._db.tx() as conn:
            return [_stored_alert(r) for r in conn.execute(stmt).mappings()]

    def escalate_alert(
        self, alert_id: str, *, from_tier: int, next_at: datetime | None
    ) -> StoredAlert | None:
        """Move the alert one tier on, if it is still unacknowledged at ``from_tier``."""
        with self._db.tx(write=True) as conn:
            result = conn.execute(
                update(AlertRow)
                .where(
                    AlertRow.alert_id == alert_id,
                    AlertRow.escalation_tier == from_tier,
                    AlertRow.acked_at.is_(None),
                    AlertRow.resolved_at.is_(None),
                )
                .values(escalation_tier=from_tier + 1, next_escalation_at=next_at)
            )
            return self._alert(conn, alert_id) if result.rowcount == 1 else None


def _alert_row(alert: NewAlert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "kind": alert.kind,
        "priority": alert.priority,
        "site_id": alert.site_id,
        "status": "open",
        "first_seen": alert.occurred_at,
        "last_seen": alert.occurred_at,
        "count": 1,
        "created_at": alert.created_at,
        "reason": alert.reason,
        "camera_id": alert.camera_id,
        "plate": alert.plate,
        "plate_norm": alert.plate_norm,
        "list_name": alert.list_name,
        "confidence": alert.confidence,
        "detection_id": alert.detection_id,
        "link": alert.link,
        "group_key": alert.group_key,
        "open_key": alert.open_key,
        "escalation_tier": 0,
        "next_escalation_at": alert.next_escalation_at,
    }


def _stored_alert(row: Any) -> StoredAlert:
    return from_row(StoredAlert, row)
