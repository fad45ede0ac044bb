"""Raising alerts on DynamoDB: the dedup / open / group decision, made optimistically.

Read the key items (``ALERTKEY#``, ``ALERTOPEN#``, ``ALERTGROUP#``, strongly consistent),
decide exactly as ``store/sql/alerts.py`` does, then write the decision as one
TransactWriteItems whose conditions say "the keys are still as read" (a key item does not
exist yet; the group still points at the alert; the alert's count is still the one read).
If another raiser got there first the transaction is refused, nothing is written, and the
call decides again from the new state — so concurrent raisers of one key make one alert,
and whoever lost sees ``duplicate`` / ``already_open`` / ``grouped``. Alerts are rare, so a
transaction per raise (twice the units) is cheap.

Where SQL stores a dedup key before it knows the outcome, this store records it pointing
at the alert the call ended in (the existing open alert for ``already_open``), so a
repeat answers ``duplicate`` with that alert.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cloud_plane.errors import NotFound
from cloud_plane.records.alerts import AlertRaised, NewAlert, StoredAlert, joins_group
from cloud_plane.store import alert_keys as k
from cloud_plane.store.dynamo.alert_items import (
    Action,
    commit,
    from_item,
    to_attributes,
    to_value,
    update_expression,
)
from cloud_plane.store.dynamo.table import DynamoTable

# Each refused try means another raiser changed the keys (made progress), so a handful
# of tries only runs out under a pile-up of raisers of one key.
MAX_TRIES = 20


def stored_alert(item: dict[str, Any]) -> StoredAlert:
    """Return the alert an item holds."""
    return from_item(StoredAlert, item)


def load_alert(table: DynamoTable, alert_id: str) -> StoredAlert:
    """Return the alert (strongly consistent); raise NotFound."""
    try:
        key = k.alert(alert_id)
    except ValueError:
        raise NotFound(f"no alert {alert_id!r}") from None
    item = table.get(key)
    if item is None:
        raise NotFound(f"no alert {alert_id!r}")
    return stored_alert(item)


class AlertRaiser:
    """``AlertStore.raise_alert`` over one table."""

    def __init__(self, table: DynamoTable) -> None:
        self._table = table

    def raise_alert(self, alert: NewAlert, *, group_window: timedelta) -> AlertRaised:
        """Create the alert unless its dedup, open or group key says otherwise."""
        for _ in range(MAX_TRIES):
            raised = self._try_raise(alert, group_window)
            if raised is not None:
                return raised
        raise RuntimeError(
            f"raising alert {alert.alert_id!r}: its keys changed under {MAX_TRIES} tries in a row"
        )

    def _try_raise(self, alert: NewAlert, window: timedelta) -> AlertRaised | None:
        """Decide from the key items as they are now and write it; None if they changed."""
        table = self._table
        if alert.dedup_key is not None:
            owner = table.get(k.alert_dedup(alert.dedup_key))
            if owner is not None:
                return AlertRaised("duplicate", load_alert(self._table, owner["alert_id"]))
        if alert.open_key is not None:
            held = table.get(k.alert_open(alert.open_key))
            if held is not None:
                return self._seen(load_alert(self._table, held["alert_id"]), alert)
        group: dict[str, Any] | None = None
        if alert.group_key is not None:
            group = table.get(k.alert_group(alert.group_key))
            if group is not None and joins_group(
                k.parse_time(group["first_seen"]), alert.occurred_at, window
            ):
                return self._join(load_alert(self._table, group["alert_id"]), alert)
        return self._create(alert, group)

    def _dedup_claim(self, alert: NewAlert, alert_id: str) -> list[Action]:
        """The write that records ``alert``'s dedup key as ``alert_id``'s (if it has one)."""
        if alert.dedup_key is None:
            return []
        item = {**k.alert_dedup(alert.dedup_key), "alert_id": alert_id}
        return [Action("Put", item=item, condition="attribute_not_exists(pk)")]

    def _seen(self, existing: StoredAlert, alert: NewAlert) -> AlertRaised | None:
        """The problem is open already: move its ``last_seen`` on (if later)."""
        actions = self._dedup_claim(alert, existing.alert_id)
        if alert.occurred_at > existing.last_seen:
            expr, names, values = update_expression(
                {"last_seen": alert.occurred_at, "reason": alert.reason}
            )
            actions.append(
                Action(
                    "Update",
                    key=k.alert(existing.alert_id),
                    update=expr,
                    condition="#seen = :seen AND #open = :open",
                    names={**names, "#seen": "last_seen", "#open": "open_key"},
                    values={
                        **values,
                        ":seen": to_value(existing.last_seen),
                        ":open": existing.open_key,
                    },
                )
            )
        if not commit(self._table, actions):
            return None
        return AlertRaised("already_open", load_alert(self._table, existing.alert_id))

    def _join(self, current: StoredAlert, alert: NewAlert) -> AlertRaised | None:
        """The read falls in the group's window: count it on the group's current alert."""
        assert alert.group_key is not None
        expr, names, values = update_expression(
            {
                "count": current.count + 1,
                "last_seen": max(current.last_seen, alert.occurred_at),
                "first_seen": min(current.first_seen, alert.occurred_at),
            }
        )
        actions = self._dedup_claim(alert, current.alert_id)
        actions.append(
            Action(
                "Update",
                key=k.alert(current.alert_id),
                update=expr,
                condition="#n = :n",
                names={**names, "#n": "count"},
                values={**values, ":n": current.count},
            )
        )
        actions.append(
            Action(
                "ConditionCheck",
                key=k.alert_group(alert.group_key),
                condition="alert_id = :id",
                values={":id": current.alert_id},
            )
        )
        if not commit(self._table, actions):
            return None
        return AlertRaised("grouped", load_alert(self._table, current.alert_id))

    def _create(self, alert: NewAlert, group: dict[str, Any] | None) -> AlertRaised | None:
        """No key says otherwise: write the alert and claim its keys, all or nothing."""
        stored = _new_stored(alert)
        item: dict[str, Any] = {
            **k.alert(alert.alert_id),
            **to_attributes(stored),
            **k.alerts_index(alert.created_at, alert.alert_id),
            **k.open_alerts_index(alert.created_at, alert.alert_id),
        }
        if alert.next_escalation_at is not None:
            item.update(k.escalation_index(alert.next_escalation_at, alert.alert_id))
        actions = self._dedup_claim(alert, alert.alert_id)
        if alert.open_key is not None:
            held = {
                **k.alert_open(alert.open_key),
                **k.problems_index(alert.open_key),
                "alert_id": alert.alert_id,
                "site_id": alert.site_id,
            }
            actions.append(Action("Put", item=held, condition="attribute_not_exists(pk)"))
        if alert.group_key is not None:
            actions.append(_group_claim(alert, group))
        actions.append(Action("Put", item=item, condition="attribute_not_exists(pk)"))
        if commit(self._table, actions):
            return AlertRaised("created", stored_alert(item))
        again = self._table.get(k.alert(alert.alert_id))
        if again is not None:
            # This very alert was raised before (a retried call): SQL answers "created" too.
            return AlertRaised("created", stored_alert(again))
        return None


def _group_claim(alert: NewAlert, group: dict[str, Any] | None) -> Action:
    """Point the group at the new alert, if the group is still as read (absent or the same)."""
    assert alert.group_key is not None
    item = {
        **k.alert_group(alert.group_key),
        "alert_id": alert.alert_id,
        "first_seen": to_value(alert.occurred_at),
    }
    if group is None:
        return Action("Put", item=item, condition="attribute_not_exists(pk)")
    return Action("Put", item=item, condition="alert_id = :was", values={":was": group["alert_id"]})


def _new_stored(alert: NewAlert) -> StoredAlert:
    return StoredAlert(
        alert_id=alert.alert_id,
        kind=alert.kind,
        priority=alert.priority,
        site_id=alert.site_id,
        status="open",
        first_seen=alert.occurred_at,
        last_seen=alert.occurred_at,
        count=1,
        created_at=alert.created_at,
        reason=alert.reason,
        camera_id=alert.camera_id,
        plate=alert.plate,
        plate_norm=alert.plate_norm,
        list_name=alert.list_name,
        confidence=alert.confidence,
        detection_id=alert.detection_id,
        link=alert.link,
        group_key=alert.group_key,
        open_key=alert.open_key,
        escalation_tier=0,
        next_escalation_at=alert.next_escalation_at,
    )
