"""What the offline fallback says (pure): a short text, an email (subject, text, HTML), a webhook.

Plate, reason, list and camera names are untrusted (cameras and staff type them): every
value is put on one line without control characters (no header injection through the
subject, no forged rows in the text body) and the HTML is rendered by Jinja2 with
autoescaping. Times are shown on the node's clock (its local time zone, unless one is
passed) and in UTC, because the people at the gate read the first and the cloud's
records use the second. The webhook document is the shared version-1 model
(``sync_protocol.webhook_payload``) with ``"source": "node"``, so one receiver handles both.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any

import jinja2

from sync_protocol.webhook_payload import WEBHOOK_PAYLOAD_VERSION as WEBHOOK_PAYLOAD_VERSION
from sync_protocol.webhook_payload import (
    WebhookAlert,
    WebhookCamera,
    WebhookDelivery,
    WebhookPayload,
    WebhookSite,
)
from sync_protocol.zones import host_zone

ALERT_NAMESPACE = uuid.UUID("5d0c3c1e-6b8f-4b6e-9d61-0b7a52f1c3a4")
"""uuid5 namespace of hit alert ids: the same hit has the same id on every node restart."""

_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class HitAlert:
    """Everything a fallback message says about one hit (untrusted text fields as stored)."""

    hit_id: int
    detection_id: str
    list_name: str
    entry_plate: str
    plate: str
    reason: str | None
    priority: int
    match_kind: str
    site_id: str | None
    camera_id: str
    camera_name: str | None
    captured_at: datetime
    confidence: float | None

    @property
    def alert_id(self) -> uuid.UUID:
        """The alert's id, derived from the hit's key (stable across attempts and restarts)."""
        key = f"{self.detection_id}/{self.list_name}/{self.entry_plate}"
        return uuid.uuid5(ALERT_NAMESPACE, key)


@dataclass(frozen=True)
class EmailContent:
    """A rendered email: one-line subject, plain-text and HTML bodies."""

    subject: str
    text: str
    html: str


def one_line(text: str | None) -> str:
    """Return ``text`` with control characters and runs of whitespace made single spaces."""
    return _CONTROL_OR_SPACE.sub(" ", text or "").strip()


def clip(text: str, limit: int) -> str:
    """Return ``text`` cut to at most ``limit`` characters, marking the cut with ``..``."""
    return text if len(text) <= limit else text[: max(0, limit - 2)].rstrip() + ".."


def _local(at: datetime, tz: tzinfo | None) -> datetime:
    return at.astimezone(tz)  # tz None: the node's own time zone


def local_time(at: datetime, tz: tzinfo | None = None) -> str:
    """Return e.g. ``2026-07-01 09:01:05 BST (UTC+01:00)`` on the node's clock."""
    local = _local(at, tz)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M:%S} {local.strftime('%Z')} (UTC{offset[:3]}:{offset[3:]})"


def utc_time(at: datetime) -> str:
    """Return e.g. ``2026-07-01 08:01:05 UTC``."""
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def _where(alert: HitAlert) -> str:
    site = one_line(alert.site_id) or "site"
    camera = one_line(alert.camera_name or alert.camera_id)
    return f"{site} / {camera}" if camera else site


def title(alert: HitAlert) -> str:
    """Return the headline, e.g. ``STOLEN AB12CDE`` (the plate as read)."""
    return f"{one_line(alert.list_name).upper()} {clip(one_line(alert.plate), 32)}"


def short_text(alert: HitAlert, tz: tzinfo | None = None) -> str:
    """Return a one-line text of at most 160 characters (chat, SMS gateways, logs)."""
    local = _local(alert.captured_at, tz)
    text = f"{title(alert)} at {clip(_where(alert), 48)} {local:%H:%M} {local.strftime('%Z')}"
    if alert.reason:
        text += ": " + one_line(alert.reason)
    return clip(text + " [node alert: cloud unreachable]", 160)


def email_subject(alert: HitAlert) -> str:
    """Return a one-line subject (no CR/LF can reach the header), at most 200 characters."""
    return clip(f"[edgesync] {title(alert)} at {_where(alert)} (sent by the site node)", 200)


def _rows(alert: HitAlert, tz: tzinfo | None) -> list[tuple[str, str]]:
    rows = [("Plate", alert.plate), ("List", alert.list_name)]
    if alert.reason:
        rows.append(("Reason", alert.reason))
    rows += [
        ("Site", alert.site_id or ""),
        ("Camera", alert.camera_name or alert.camera_id),
        ("Time", local_time(alert.captured_at, tz)),
        ("Time (UTC)", utc_time(alert.captured_at)),
    ]
    if alert.confidence is not None:
        rows.append(("Confidence", f"{alert.confidence:.0%}"))
    if alert.match_kind != "exact":
        rows.append(("Match", f"{alert.match_kind} (listed as {alert.entry_plate})"))
    return [(label, clip(one_line(value), 500)) for label, value in rows]


_TEXT = """\
{{ title }}

{% for label, value in rows -%}
{{ "%-12s" | format(label + ":") }} {{ value }}
{% endfor %}
The cloud could not be reached, so the site's node sent this alert itself.
--
edgesync alert {{ alert_id }} (priority {{ priority }})
"""

_HTML = """\
<!doctype html>
<html><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family: sans-serif">
<h2 style="color: #b00020">{{ title }}</h2>
<table>
{% for label, value in rows %}<tr><th align="left">{{ label }}</th><td>{{ value }}</td></tr>
{% endfor %}</table>
<p>The cloud could not be reached, so the site's node sent this alert itself.</p>
<p style="color: #666">edgesync alert {{ alert_id }} (priority {{ priority }})</p>
</body></html>
"""


@cache
def _templates() -> tuple[jinja2.Template, jinja2.Template]:
    text = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    html = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return text.from_string(_TEXT), html.from_string(_HTML)


def email_content(alert: HitAlert, tz: tzinfo | None = None) -> EmailContent:
    """Return the email: plate, list, reason, site, camera, time (local and UTC), confidence."""
    subject = email_subject(alert)
    context: dict[str, Any] = {
        "subject": subject,
        "title": title(alert),
        "rows": _rows(alert, tz),
        "alert_id": str(alert.alert_id),
        "priority": alert.priority,
    }
    text, html = _templates()
    return EmailContent(subject=subject, text=text.render(context), html=html.render(context))


def zone_name(tz: tzinfo | None) -> str | None:
    """Return the IANA name of ``tz`` (None: the node's own zone), or None if it has none.

    Receivers want the IANA name: an abbreviation such as ``BST`` names several zones.
    The node's own zone is found the way the C library finds it (``sync_protocol.zones``).
    """
    if tz is not None:
        return getattr(tz, "key", None)  # a ZoneInfo knows its name; fixed offsets do not
    return host_zone()


def webhook_model(
    alert: HitAlert, *, delivery_id: str, attempt: int, tz: tzinfo | None = None
) -> WebhookPayload:
    """Return the webhook document as the shared model (the cloud's version 1, ``source: node``)."""
    return WebhookPayload(
        source="node",
        delivery=WebhookDelivery(id=delivery_id, attempt=attempt),
        alert=WebhookAlert(
            id=str(alert.alert_id),
            kind="hit",
            priority=alert.priority,
            occurred_at=alert.captured_at.astimezone(UTC),
            occurred_at_local=_local(alert.captured_at, tz),
            site=WebhookSite(id=alert.site_id, name=alert.site_id, timezone=zone_name(tz)),
            camera=WebhookCamera(id=alert.camera_id, name=alert.camera_name or alert.camera_id),
            plate=alert.plate,
            list_name=alert.list_name,
            reason=alert.reason,
            confidence=alert.confidence,
            count=1,
            link=None,
            detection_id=alert.detection_id,
            match_kind=alert.match_kind,
        ),
        text=short_text(alert, tz),
    )


def webhook_payload(
    alert: HitAlert, *, delivery_id: str, attempt: int, tz: tzinfo | None = None
) -> dict[str, Any]:
    """Return the webhook JSON document (the cloud's version-1 alert shape, ``source: node``)."""
    return webhook_model(alert, delivery_id=delivery_id, attempt=attempt, tz=tz).document()


def webhook_body(
    alert: HitAlert, *, delivery_id: str, attempt: int, tz: tzinfo | None = None
) -> bytes:
    """Return the exact bytes POSTed (and signed): compact, key-sorted UTF-8 JSON."""
    payload = webhook_payload(alert, delivery_id=delivery_id, attempt=attempt, tz=tz)
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
