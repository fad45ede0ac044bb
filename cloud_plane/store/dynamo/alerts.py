"""``AlertStore`` on DynamoDB: listing, counting, acknowledgement, resolution and escalation.

Raising (the dedup / open / group decision, optimistic transactions) is ``alert_raising.py``.

Listing and counting use sparse indexes (``alert_keys.py``): every alert in ``gsi1``
(``ALERTS``, by creation), alerts whose status is ``open`` in ``gsi2`` (removed on
acknowledgement and resolution), alerts waiting to escalate in ``gsi3`` (removed when
acknowledged, resolved or escalated without a next time), open problems through their
``ALERTOPEN#`` items in ``gsi1`` (``ALERTPROBLEMS``). The site, kind and status filters
of ``list_alerts`` are applied to index pages in order, so a page costs the alerts walked
past, not only the ones returned: fine at alert volumes (tens a day), and the reason there
is no per-site index. Index reads are eventually consistent, so readers check each alert's
own state before answering from it.

No TTL: alerts, their key items and their ledgers are kept like SQL keeps them (they are
the audit trail; a retention job would delete them explicitly).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.errors import InvalidInput
from cloud_plane.records.alerts import AlertQuery, AlertRaised, NewAlert, StoredAlert
from cloud_plane.records.paging import (
    NOT_OURS,
    Page,
    cursor_text,
    cursor_time,
    decode_cursor,
    encode_cursor,
)
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo.alert_items import Action, commit, update_expression
from cloud_plane.store.dynamo.alert_raising import MAX_TRIES, AlertRaiser, load_alert, stored_alert
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.keys import time_text

_NOT_IN_INDEX = {"gsi2pk": None, "gsi2sk": None, "gsi3pk": None, "gsi3sk": None}


class DynamoAlerts:
    """``AlertStore`` over the single table."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db
        self._raiser = AlertRaiser(db.table)

    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its dedup, open or group key says otherwise."""
        return self._raiser.raise_alert(alert, group_window=group_window)

    # -- reading -------------------------------------------------------------------------------
    def get_alert(self, alert_id: str) -> StoredAlert:
        """Return the alert; raise NotFound."""
        return load_alert(self._db.table, alert_id)

    def list_alerts(self, query: AlertQuery) -> Page[StoredAlert]:
        """Return alerts newest first by (created_at, alert_id)."""
        bound = _cursor_bound(query.cursor) if query.cursor else None
        if query.site_ids is not None and not query.site_ids:
            return Page([], None)
        # Open alerts have their own (small) index; every other listing walks all alerts.
        index, partition = ("gsi2", k.ALERTS_OPEN) if query.status == "open" else ("gsi1", k.ALERTS)
        sites = None if query.site_ids is None else set(query.site_ids)
        items: list[StoredAlert] = []
        for alert in self._walk(index, partition, below=bound, page_size=query.limit + 1):
            if sites is not None and alert.site_id not in sites:
                continue
            if query.status is not None and alert.status != query.status:
                continue
            if query.kind is not None and alert.kind != query.kind:
                continue
            items.append(alert)
            if len(items) > query.limit:
                last = items[query.limit - 1]
                cursor = encode_cursor((last.created_at.isoformat(), last.alert_id))
                return Page(items[: query.limit], cursor)
        return Page(items, None)

    def _walk(
        self,
        index: str,
        partition: str,
        *,
        below: str | None = None,
        since: datetime | None = None,
        page_size: int = 100,
    ) -> Iterator[StoredAlert]:
        """Yield the alerts of an index partition, newest first (or oldest first from ``since``)."""
        hk, rk = f"{index}pk", f"{index}sk"
        condition = "#p = :p"
        values: dict[str, Any] = {":p": partition}
        if below is not None:
            condition += " AND #r < :r"
            values[":r"] = below
        elif since is not None:
            condition += " AND #r >= :r"
            values[":r"] = time_text(since)
        names = {"#p": hk, "#r": rk} if ":r" in values else {"#p": hk}
        items = self._db.table.query(
            condition,
            values=values,
            names=names,
            index=index,
            forward=since is not None,
            page_size=max(page_size, 25),
        )
        return (stored_alert(item) for item in items)

    def open_counts(self, site_ids: Collection[str] | None) -> dict[str, int]:
        """Return how many open (unacknowledged, unresolved) alerts each site has."""
        if site_ids is not None and not site_ids:
            return {}
        sites = None if site_ids is None else set(site_ids)
        counts: Counter[str] = Counter()
        for alert in self._walk("gsi2", k.ALERTS_OPEN):
            if alert.status == "open" and (sites is None or alert.site_id in sites):
                counts[alert.site_id] += 1
        return dict(counts)

    def daily_counts(self, site_ids: Collection[str] | None, *, since: datetime) -> dict[str, int]:
        """Return alerts created per UTC day (``YYYY-MM-DD``) from ``since`` on."""
        if site_ids is not None and not site_ids:
            return {}
        sites = None if site_ids is None else set(site_ids)
        counts: Counter[str] = Counter()
        for alert in self._walk("gsi1", k.ALERTS, since=since):
            if sites is None or alert.site_id in sites:
                counts[time_text(alert.created_at)[:10]] += 1
        return dict(counts)

    def open_problems(self, site_id: str | None = None) -> list[StoredAlert]:
        """Return unresolved alerts holding an open key (optionally of one site), by open key."""
        held = self._db.table.query(
            "gsi1pk = :p", values={":p": k.ALERT_PROBLEMS}, index="gsi1", page_size=100
        )
        ids = [h["alert_id"] for h in held if site_id is None or h.get("site_id") == site_id]
        found = self._db.table.batch_get([k.alert(i) for i in ids])
        # The index may lag a resolution by a moment: the alert itself has the last word.
        alerts = [
            a for a in map(stored_alert, found) if a.open_key is not None and a.resolved_at is None
        ]
        return sorted(alerts, key=lambda a: a.open_key or "")

    # -- acknowledging, resolving, escalating --------------------------------------------------
    def resolve_alert(
        self, alert_id: str, *, now: datetime, reason: str | None = None
    ) -> StoredAlert:
        """Mark the alert resolved (first time and reason stay), free its open key: one write."""
        for _ in range(MAX_TRIES):
            current = self.get_alert(alert_id)
            if current.resolved_at is not None:
                return current
            changes = {
                "status": "resolved",
                "resolved_at": now,
                "resolution": reason,
                "open_key": None,
                "next_escalation_at": None,
                **_NOT_IN_INDEX,
            }
            expr, names, values = update_expression(changes)
            actions = [
                Action(
                    "Update",
                    key=k.alert(alert_id),
                    update=expr,
                    condition="attribute_exists(pk) AND attribute_not_exists(resolved_at)",
                    names=names,
                    values=values,
                )
            ]
            if current.open_key is not None:
                # Freed with the resolution, never after it: a crash between the two would
                # leave the problem "already open" on a resolved alert for ever.
                actions.append(
                    Action(
                        "Delete",
                        key=k.alert_open(current.open_key),
                        condition="attribute_not_exists(pk) OR alert_id = :id",
                        values={":id": alert_id},
                    )
                )
            if commit(self._db.table, actions):
                return self.get_alert(alert_id)
        raise RuntimeError(f"resolving alert {alert_id!r}: it changed under {MAX_TRIES} tries")

    def ack_alert(self, alert_id: str, *, by: str, now: datetime) -> StoredAlert:
        """Acknowledge the alert (first who/when stay) and stop its escalation."""
        for _ in range(MAX_TRIES):
            current = self.get_alert(alert_id)
            if current.acked_at is not None:
                return current
            changes: dict[str, Any] = {
                "acked_by": by,
                "acked_at": now,
                "next_escalation_at": None,
                "gsi3pk": None,
                "gsi3sk": None,
            }
            if current.status == "open":
                changes.update(status="acked", gsi2pk=None, gsi2sk=None)
            expr, names, values = update_expression(changes)
            updated = self._db.table.update(
                k.alert(alert_id),
                expr,
                condition="attribute_not_exists(acked_at) AND #s = :s",
                names={**names, "#s": "status"},
                values={**values, ":s": current.status},
            )
            if updated is not None:
                return stored_alert(updated)
        raise RuntimeError(f"acknowledging alert {alert_id!r}: it changed under {MAX_TRIES} tries")

    def due_escalations(self, now: datetime, limit: int = 100) -> list[StoredAlert]:
        """Return unacknowledged, unresolved alerts due to escalate, oldest due first."""
        items = self._db.table.query(
            "gsi3pk = :p AND gsi3sk < :r",
            values={":p": k.ALERTS_ESCALATING, ":r": k.until(now)},
            index="gsi3",
            page_size=max(limit, 25),
        )
        due: list[StoredAlert] = []
        for alert in map(stored_alert, items):
            # The index may lag an acknowledgement by a moment: check the alert's own state.
            if alert.acked_at is None and alert.resolved_at is None:
                due.append(alert)
                if len(due) >= limit:
                    break
        return due

    def escalate_alert(
        self, alert_id: str, *, from_tier: int, next_at: datetime | None
    ) -> StoredAlert | None:
        """Move the alert one tier on, if it is still unacknowledged at ``from_tier``."""
        index = (
            k.escalation_index(next_at, alert_id)
            if next_at is not None
            else {"gsi3pk": None, "gsi3sk": None}
        )
        expr, names, values = update_expression(
            {"escalation_tier": from_tier + 1, "next_escalation_at": next_at, **index}
        )
        updated = self._db.table.update(
            k.alert(alert_id),
            expr,
            condition=(
                "attribute_exists(pk) AND #tier = :tier"
                " AND attribute_not_exists(acked_at) AND attribute_not_exists(resolved_at)"
            ),
            names={**names, "#tier": "escalation_tier"},
            values={**values, ":tier": from_tier},
        )
        return None if updated is None else stored_alert(updated)


def _cursor_bound(cursor: str) -> str:
    """Return the index sort key a cursor continues below; raise InvalidInput for a bad one."""
    at, alert_id = decode_cursor(cursor, 2)
    try:
        return k.time_sort(cursor_time(at), cursor_text(alert_id))
    except ValueError:
        raise InvalidInput(NOT_OURS) from None
