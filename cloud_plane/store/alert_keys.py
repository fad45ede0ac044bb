"""Pure key builders of the alert roles' DynamoDB items (no I/O; unit-tested).

Kept apart from ``keys.py`` (the sync roles' keys) so each stays one concern. The items:

=====================  ===============================  ==================================
item                   pk                               sk
=====================  ===============================  ==================================
alert                  ``ALERT#<alert_id>``             ``ALERT``
dedup key → alert      ``ALERTKEY#<dedup_key>``         ``ALERTKEY``
group → current alert  ``ALERTGROUP#<group_key>``       ``ALERTGROUP``
open problem → alert   ``ALERTOPEN#<open_key>``         ``ALERTOPEN``
delivery               ``DELIVERY#<delivery_id>``       ``DELIVERY``
delivery slot          ``ALERT#<alert_id>``             ``DELIVERY#<recipient>#<channel>``
                                                        (``#<purpose>`` unless ``alert``)
ledger row             ``ALERT#<alert_id>``             ``ATTEMPT#<delivery_id>#<n, 19>``
recipient              ``RECIPIENTS``                   ``RECIPIENT#<recipient_id>``
subscription           ``SUBS``                         ``SUB#<subscription_id>``
=====================  ===============================  ==================================

Sparse secondary indexes (an item is in one only while it carries both attributes); every
partition value starts with its entity's name so it never meets another role's
(``HOTLISTVER``, ``DETDAY#...``):

- ``gsi1`` ``ALERTS`` / ``<created_at>#<alert_id>``: every alert, newest first by a
  reverse query (listing, daily counts);
- ``gsi2`` ``ALERTSOPEN`` / ``<created_at>#<alert_id>``: alerts whose status is ``open``
  (left on acknowledgement and resolution);
- ``gsi3`` ``ALERTESC`` / ``<next_escalation_at>#<alert_id>``: alerts due to escalate;
- ``gsi1`` ``ALERTPROBLEMS`` / ``<open_key>`` on the open-problem items (open problems);
- ``gsi1`` ``DELIVERYDUE`` / ``<next_at>#<delivery_id>`` on deliveries while pending or
  in flight (for an in-flight one ``next_at`` is its lease's end).

The opaque keys (dedup, group, open) are whole partition values, never split again, so they
may hold any character; ids that are split (alert, delivery, recipient ...) may not hold ``#``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cloud_plane.store.keys import SEP, _id, pad, time_text

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
ALERTS = "ALERTS"
ALERTS_OPEN = "ALERTSOPEN"
ALERTS_ESCALATING = "ALERTESC"
ALERT_PROBLEMS = "ALERTPROBLEMS"
DELIVERIES_DUE = "DELIVERYDUE"
RECIPIENTS = "RECIPIENTS"
SUBSCRIPTIONS = "SUBS"
DELIVERY_SLOT_PREFIX = f"DELIVERY{SEP}"
ATTEMPT_PREFIX = f"ATTEMPT{SEP}"
# Sorts after "#" (and before any digit or letter): "<time>$" bounds every "<time>#<id>".
_AFTER_SEP = "$"


def _opaque(value: str, what: str) -> str:
    if not value:
        raise ValueError(f"{what} must be non-empty")
    return value


def parse_time(text: str) -> datetime:
    """Return the aware UTC time ``keys.time_text`` wrote."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def time_sort(at: datetime, item_id: str) -> str:
    """Return an index sort key ordering by (time, id): ``<time>#<id>``."""
    return f"{time_text(at)}{SEP}{_id(item_id, 'id')}"


def until(at: datetime) -> str:
    """Return the bound that every ``time_sort`` key of a time ≤ ``at`` sorts below."""
    return time_text(at) + _AFTER_SEP


def alert(alert_id: str) -> dict[str, str]:
    """Return the key of an alert item."""
    return {"pk": f"ALERT{SEP}{_id(alert_id, 'alert_id')}", "sk": "ALERT"}


def alert_dedup(dedup_key: str) -> dict[str, str]:
    """Return the key of the item that records which alert a dedup key made (or joined)."""
    return {"pk": f"ALERTKEY{SEP}{_opaque(dedup_key, 'dedup_key')}", "sk": "ALERTKEY"}


def alert_group(group_key: str) -> dict[str, str]:
    """Return the key of a group's item: its current alert and the window's first read."""
    return {"pk": f"ALERTGROUP{SEP}{_opaque(group_key, 'group_key')}", "sk": "ALERTGROUP"}


def alert_open(open_key: str) -> dict[str, str]:
    """Return the key of an open problem's item (exists while its alert is unresolved)."""
    return {"pk": f"ALERTOPEN{SEP}{_opaque(open_key, 'open_key')}", "sk": "ALERTOPEN"}


def alerts_index(created_at: datetime, alert_id: str) -> dict[str, str]:
    """Return the ``gsi1`` attributes listing every alert by creation."""
    return {"gsi1pk": ALERTS, "gsi1sk": time_sort(created_at, alert_id)}


def open_alerts_index(created_at: datetime, alert_id: str) -> dict[str, str]:
    """Return the ``gsi2`` attributes listing the alerts whose status is ``open``."""
    return {"gsi2pk": ALERTS_OPEN, "gsi2sk": time_sort(created_at, alert_id)}


def escalation_index(next_escalation_at: datetime, alert_id: str) -> dict[str, str]:
    """Return the ``gsi3`` attributes of an alert waiting to escalate."""
    return {"gsi3pk": ALERTS_ESCALATING, "gsi3sk": time_sort(next_escalation_at, alert_id)}


def problems_index(open_key: str) -> dict[str, str]:
    """Return the ``gsi1`` attributes of an open-problem item (listed by open key)."""
    return {"gsi1pk": ALERT_PROBLEMS, "gsi1sk": _opaque(open_key, "open_key")}


def recipient(recipient_id: str) -> dict[str, str]:
    """Return the key of a recipient item."""
    return {"pk": RECIPIENTS, "sk": f"RECIPIENT{SEP}{_id(recipient_id, 'recipient_id')}"}


def subscription(subscription_id: str) -> dict[str, str]:
    """Return the key of a subscription item."""
    return {"pk": SUBSCRIPTIONS, "sk": f"SUB{SEP}{_id(subscription_id, 'subscription_id')}"}


def delivery(delivery_id: str) -> dict[str, str]:
    """Return the key of a delivery item (the queue entry every by-id call addresses)."""
    return {"pk": f"DELIVERY{SEP}{_id(delivery_id, 'delivery_id')}", "sk": "DELIVERY"}


def delivery_slot(
    alert_id: str, recipient_id: str, channel: str, purpose: str = "alert"
) -> dict[str, str]:
    """Return the key of the item that makes (alert, recipient, channel, purpose) one delivery.

    An alert's own delivery keeps the key it had before purposes existed (stored slots stay
    valid); any other purpose is one more part: ``DELIVERY#<recipient>#<channel>#<purpose>``.
    """
    parts = [DELIVERY_SLOT_PREFIX[:-1], _id(recipient_id, "recipient_id"), _id(channel, "channel")]
    if purpose != "alert":
        parts.append(_id(purpose, "purpose"))
    return {"pk": alert(alert_id)["pk"], "sk": SEP.join(parts)}


def attempt(alert_id: str, delivery_id: str, number: int) -> dict[str, str]:
    """Return the key of a ledger row (under its alert, so an alert's ledger is one query)."""
    sk = f"{ATTEMPT_PREFIX}{_id(delivery_id, 'delivery_id')}{SEP}{pad(number)}"
    return {"pk": alert(alert_id)["pk"], "sk": sk}


def due_index(next_at: datetime, delivery_id: str) -> dict[str, str]:
    """Return the ``gsi1`` attributes of a delivery waiting (pending, leased) since ``next_at``."""
    return {"gsi1pk": DELIVERIES_DUE, "gsi1sk": time_sort(next_at, delivery_id)}
