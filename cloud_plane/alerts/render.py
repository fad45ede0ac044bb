"""Message texts for each channel: short SMS, complete email (text + HTML), versioned webhook JSON.

Pure: no I/O beyond reading the two bundled templates. Plate, reason and names
are untrusted (cameras and staff type them): the HTML is rendered by Jinja2
with autoescaping, the subject and SMS lose control characters (no header
injection), and links are only the http(s) URLs the model admitted. Times are
shown in the *site's* time zone with its abbreviation, because that is the
clock the people at the gate read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from cloud_plane.alerts.model import (
    AlertKind,
    AlertMessage,
    Delivery,
    OutgoingMessage,
    ResolutionMessage,
    ResolvedAlert,
)
from cloud_plane.alerts.sms_length import MAX_SMS_SEGMENTS as MAX_SMS_SEGMENTS
from cloud_plane.alerts.sms_length import (
    gsm_friendly,
    shortest_fit,
)
from cloud_plane.alerts.sms_length import is_gsm7 as is_gsm7
from cloud_plane.alerts.sms_length import sms_segments as sms_segments
from sync_protocol.webhook_payload import WEBHOOK_PAYLOAD_VERSION as WEBHOOK_PAYLOAD_VERSION
from sync_protocol.webhook_payload import (
    WebhookAlert,
    WebhookCamera,
    WebhookDelivery,
    WebhookPayload,
    WebhookResolutionPayload,
    WebhookResolvedAlert,
    WebhookSite,
)
from sync_protocol.zones import abbreviation

_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")

_TITLES = {
    AlertKind.SITE_OFFLINE: "Site offline",
    AlertKind.CAMERA_SILENT: "Camera silent",
    AlertKind.DISK_NEARLY_FULL: "Disk nearly full",
    AlertKind.SYNC_BACKLOG: "Sync backlog growing",
    AlertKind.CLOCK_SKEW: "Camera clock skewed",
    AlertKind.BACKUP_FAILING: "Backup failing",
    AlertKind.DELIVERY_FAILED: "Alert delivery failed",
    AlertKind.HISTORICAL_HIT: "Past reads of a new hotlist entry",
}


@dataclass(frozen=True)
class EmailContent:
    """A rendered email: one-line subject, plain-text and HTML bodies."""

    subject: str
    text: str
    html: str


# --- shared pieces -----------------------------------------------------------------------------


def one_line(text: str) -> str:
    """Return ``text`` with control characters and runs of whitespace made single spaces."""
    return _CONTROL_OR_SPACE.sub(" ", text).strip()


def clip(text: str, limit: int, marker: str = "..") -> str:
    """Return ``text`` cut to at most ``limit`` characters, marking the cut."""
    if len(text) <= limit:
        return text
    if limit <= len(marker):
        return text[:limit]
    return text[: limit - len(marker)].rstrip() + marker


def site_time(message: AlertMessage, at: datetime | None = None) -> datetime:
    """Return when the alert happened (or ``at``), on the site's clock."""
    return (at or message.occurred_at).astimezone(ZoneInfo(message.site_timezone))


def short_time(message: AlertMessage, at: datetime | None = None) -> str:
    """Return e.g. ``08:01 GMT`` (site clock) for texts where space is dear."""
    local = site_time(message, at)
    return f"{local:%H:%M} {abbreviation(local)}"


def long_time(message: AlertMessage, at: datetime | None = None) -> str:
    """Return e.g. ``2026-07-01 09:01:05 BST (UTC+01:00, Europe/London)``."""
    local = site_time(message, at)
    offset = local.strftime("%z")
    offset = f"{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d %H:%M:%S} {abbreviation(local)} (UTC{offset}, {message.site_timezone})"


def title(message: AlertMessage) -> str:
    """Return the headline: ``STOLEN AB12CDE`` for hits, the problem's name otherwise."""
    if message.kind is AlertKind.HIT:
        return f"{one_line(message.list_name or '').upper()} {one_line(message.plate or '')}"
    if message.kind is AlertKind.HISTORICAL_HIT and message.plate:
        entry = f"{one_line(message.list_name or '').upper()} {one_line(message.plate)}"
        return f"{entry}: past reads"
    return _TITLES[message.kind]


def confidence_text(confidence: float) -> str:
    """Return a confidence as a whole percentage."""
    return f"{confidence:.0%}"


# --- SMS ---------------------------------------------------------------------------------------


def _sms_variant(message: AlertMessage, *, reason: bool, limit: int | None) -> str:
    def field(value: str | None, *, simplify: bool = True) -> str:
        text = gsm_friendly(one_line(value or "")) if simplify else one_line(value or "")
        return clip(text, limit) if limit else text

    where = " ".join(p for p in (field(message.site_name), field(message.camera_name)) if p)
    when = short_time(message)
    count = f" (x{message.count})" if message.count > 1 else ""
    if message.kind is AlertKind.HIT:
        plate = field(message.plate, simplify=False)  # as read: never respelt
        head = f"{field(message.list_name).upper()} {plate} at {where} {when}"
    elif message.kind is AlertKind.HISTORICAL_HIT:
        plate = field(message.plate, simplify=False)
        # The reason ("3 past reads at 2 sites in the last 30 days") is the news: in the head.
        news = clip(gsm_friendly(one_line(message.reason)), 70)
        head = f"{field(message.list_name).upper()} {plate}: {news}, newest {where} {when}"
        reason = False
    else:
        since = "since " if message.kind is not AlertKind.DELIVERY_FAILED else ""
        head = f"{_TITLES[message.kind].upper()} {where} {since}{when}"
    text = head + count
    if reason and message.reason:
        text += ": " + clip(gsm_friendly(one_line(message.reason)), limit or 70)
    if message.link_url:
        text += " " + message.link_url
    return text


def sms_text(message: OutgoingMessage) -> str:
    """Return the SMS: one segment when any variant fits, never more than ``MAX_SMS_SEGMENTS``.

    Variants go from richest (with the reason) to tersest (names clipped);
    the first that fits one segment wins, else the first that fits two, else
    the tersest cut hard at two segments.
    """
    if isinstance(message, ResolutionMessage):
        return shortest_fit(_resolution_sms_variants(message))
    variants = [
        _sms_variant(message, reason=True, limit=None),
        _sms_variant(message, reason=False, limit=None),
        _sms_variant(message, reason=False, limit=16),
        _sms_variant(message, reason=False, limit=8),
    ]
    if message.kind is not AlertKind.HIT:  # for health the reason *is* the news
        variants.insert(2, _sms_variant(message, reason=True, limit=16))
    return shortest_fit(variants)


def _one_site(message: ResolutionMessage) -> str | None:
    """Return the site name if every resolved alert is of one site, else None."""
    names = {r.alert.site_name for r in message.resolved}
    return next(iter(names)) if len(names) == 1 else None


def _resolution_sms_variants(message: ResolutionMessage) -> list[str]:
    """The resolution SMS from richest (each alert's why) to tersest (names clipped).

    One: ``RESOLVED Camera silent Gate Cam 1: camera reading again 08:15 GMT <link>``.
    Several: ``RESOLVED 3 alerts at Gate 08:15 GMT: Camera silent Cam 1; ...`` (the site
    named once when they share it, else with each).
    """
    items, site = message.resolved, _one_site(message)
    last = max(items, key=lambda r: r.resolved_at)
    when = short_time(last.alert, last.resolved_at)

    def text(*, why: bool, limit: int | None) -> str:
        def field(value: str | None) -> str:
            simple = gsm_friendly(one_line(value or ""))
            return clip(simple, limit) if limit else simple

        def what(r: ResolvedAlert, *, named_site: bool) -> str:
            parts = [_TITLES.get(r.alert.kind, r.alert.kind.value)]
            if named_site:
                parts.append(field(r.alert.site_name))
            if r.alert.camera_name:
                parts.append(field(r.alert.camera_name))
            return " ".join(parts)

        def because(r: ResolvedAlert) -> str:
            return (
                clip(gsm_friendly(one_line(r.resolution)), limit or 60)
                if why and r.resolution
                else ""
            )

        if len(items) == 1:
            only = items[0]
            head = f"RESOLVED {what(only, named_site=True)}"
            head += f": {because(only)}" if because(only) else ""
            link = only.alert.link_url
            return f"{head} {when}" + (f" {link}" if link else "")
        where = f" at {field(site)}" if site is not None else ""
        listed = "; ".join(
            what(r, named_site=site is None) + (f" ({because(r)})" if because(r) else "")
            for r in items
        )
        return f"RESOLVED {len(items)} alerts{where} {when}: {listed}"

    return [
        text(why=True, limit=None),
        text(why=False, limit=None),
        text(why=False, limit=16),
        text(why=False, limit=8),
    ]


# --- email -------------------------------------------------------------------------------------


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html",), disabled_extensions=("txt",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _rows(message: AlertMessage) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    if message.kind is AlertKind.HIT:
        rows += [("Plate", message.plate or ""), ("List", message.list_name or "")]
        if message.reason:
            rows.append(("Reason", message.reason))
    else:
        rows.append(("Problem", _TITLES[message.kind]))
        if message.reason:
            rows.append(("Details", message.reason))
    rows.append(("Site", message.site_name))
    if message.camera_name:
        rows.append(("Camera", message.camera_name))
    rows.append(("Time" if message.kind is AlertKind.HIT else "Since", long_time(message)))
    if message.confidence is not None:
        rows.append(("Confidence", confidence_text(message.confidence)))
    if message.count > 1 or message.kind is AlertKind.HIT:
        noun = "reads" if message.kind is AlertKind.HIT else "occurrences"
        rows.append(("Count", f"{message.count} {noun} grouped into this alert"))
    # One line per value: a reason with line breaks cannot forge extra rows in the text part.
    return [(label, one_line(value)) for label, value in rows]


def email_subject(message: AlertMessage) -> str:
    """Return a one-line subject (no CR/LF can reach the header), at most 200 characters."""
    where = message.site_name + (f" / {message.camera_name}" if message.camera_name else "")
    count = f" ({message.count} reads)" if message.count > 1 else ""
    return clip(one_line(f"[edgesync] {title(message)} at {where}{count}"), 200)


def email_content(message: OutgoingMessage) -> EmailContent:
    """Return the complete email: plate, list and reason, site, camera, site time, confidence…"""
    if isinstance(message, ResolutionMessage):
        return resolution_email(message)
    subject = email_subject(message)
    context: dict[str, Any] = {
        "subject": subject,
        "title": title(message) if message.kind is AlertKind.HIT else _TITLES[message.kind],
        "rows": _rows(message),
        "link": message.link_url,
        "alert_id": str(message.alert_id),
        "priority": message.priority,
        "colour": "#b00020" if message.kind is AlertKind.HIT else "#8a5300",
    }
    env = _templates()
    return EmailContent(
        subject=subject,
        text=env.get_template("email.txt").render(context),
        html=env.get_template("email.html").render(context),
    )


def resolution_subject(message: ResolutionMessage) -> str:
    """Return e.g. ``[edgesync] Resolved: Camera silent at Gate / Cam 1`` (one line)."""
    items, site = message.resolved, _one_site(message)
    if len(items) == 1:
        alert = items[0].alert
        where = alert.site_name + (f" / {alert.camera_name}" if alert.camera_name else "")
        text = f"[edgesync] Resolved: {_TITLES[alert.kind]} at {where}"
    else:
        sites = len({r.alert.site_name for r in items})
        where = site if site is not None else f"{sites} sites"
        text = f"[edgesync] Resolved: {len(items)} alerts at {where}"
    return clip(one_line(text), 200)


def _resolved_rows(item: ResolvedAlert) -> list[tuple[str, str]]:
    alert = item.alert
    rows = [("Problem", _TITLES.get(alert.kind, alert.kind.value)), ("Site", alert.site_name)]
    if alert.camera_name:
        rows.append(("Camera", alert.camera_name))
    rows.append(("Since", long_time(alert)))
    rows.append(("Resolved", long_time(alert, item.resolved_at)))
    if item.resolution:
        rows.append(("Why", item.resolution))
    if alert.reason:
        rows.append(("Was", alert.reason))
    return [(label, one_line(value)) for label, value in rows]


def resolution_email(message: ResolutionMessage) -> EmailContent:
    """Return the email that alerts resolved: per alert its problem, site, times and why."""
    subject = resolution_subject(message)
    count = len(message.resolved)
    context: dict[str, Any] = {
        "subject": subject,
        "title": "Resolved" if count == 1 else f"{count} alerts resolved",
        "items": [
            {
                "heading": _TITLES.get(r.alert.kind, r.alert.kind.value),
                "rows": _resolved_rows(r),
                "link": r.alert.link_url,
                "alert_id": str(r.alert.alert_id),
            }
            for r in message.resolved
        ],
    }
    env = _templates()
    return EmailContent(
        subject=subject,
        text=env.get_template("resolution.txt").render(context),
        html=env.get_template("resolution.html").render(context),
    )


# --- webhook -----------------------------------------------------------------------------------


def _webhook_alert(message: AlertMessage) -> dict[str, Any]:
    """Return the fields of an alert's webhook document (``WebhookAlert``)."""
    return {
        "id": str(message.alert_id),
        "kind": message.kind.value,
        "priority": message.priority,
        "occurred_at": message.occurred_at,
        "occurred_at_local": site_time(message),
        "site": WebhookSite(
            id=message.site_id, name=message.site_name, timezone=message.site_timezone
        ),
        "camera": WebhookCamera(id=message.camera_id, name=message.camera_name),
        "plate": message.plate,
        "list_name": message.list_name,
        "reason": message.reason,
        "confidence": message.confidence,
        "count": message.count,
        "link": message.link_url,
        "detection_id": None,
        "match_kind": None,
    }


def webhook_model(message: AlertMessage, delivery: Delivery) -> WebhookPayload:
    """Return the webhook document as the shared model (``sync_protocol.webhook_payload``).

    ``delivery.id`` is the same for every attempt of one delivery: receivers
    dedupe retries on it. ``alert.id`` is the same for every recipient.
    """
    return WebhookPayload(
        source="cloud",
        delivery=WebhookDelivery(id=delivery.key, attempt=delivery.attempt),
        alert=WebhookAlert(**_webhook_alert(message)),
        text=sms_text(message),
    )


def resolution_webhook_model(
    message: ResolutionMessage, delivery: Delivery
) -> WebhookResolutionPayload:
    """Return the ``alert.resolved`` document: each resolved alert, when and why."""
    return WebhookResolutionPayload(
        delivery=WebhookDelivery(id=delivery.key, attempt=delivery.attempt),
        alerts=[
            WebhookResolvedAlert(
                **_webhook_alert(r.alert),
                resolved_at=r.resolved_at,
                resolved_at_local=site_time(r.alert, r.resolved_at),
                resolution=r.resolution or None,
            )
            for r in message.resolved
        ],
        text=sms_text(message),
    )


def webhook_payload(message: OutgoingMessage, delivery: Delivery) -> dict[str, Any]:
    """Return the webhook JSON document (``version`` 1; field names are a public contract)."""
    if isinstance(message, ResolutionMessage):
        return resolution_webhook_model(message, delivery).document()
    return webhook_model(message, delivery).document()


def webhook_body(message: OutgoingMessage, delivery: Delivery) -> bytes:
    """Return the exact bytes POSTed (and signed): compact, key-sorted UTF-8 JSON."""
    return json.dumps(
        webhook_payload(message, delivery),
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    ).encode("utf-8")
