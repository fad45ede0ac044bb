"""Resolution messages: SMS, email (text and HTML) and the ``alert.resolved`` webhook."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable

from cloud_plane.alerts import render
from cloud_plane.alerts.channels.webhook import WebhookChannel, verify_webhook_signature
from cloud_plane.alerts.model import (
    AlertKind,
    ChannelKind,
    Delivery,
    ResolutionMessage,
    ResolvedAlert,
)
from tests.cloud_plane.alerts.conftest import (
    OCCURRED,
    WEBHOOK_SECRET,
    WebhookServer,
    health_message,
    recipient,
)

RESOLVED = OCCURRED + dt.timedelta(minutes=14)  # 08:15 BST at the London site


def resolved(kind: AlertKind = AlertKind.SITE_OFFLINE, **overrides: object) -> ResolvedAlert:
    why = str(overrides.pop("resolution", "heartbeats again after 14 min"))
    return ResolvedAlert(
        alert=health_message(kind, alert_id=uuid.uuid4(), **overrides),
        resolved_at=RESOLVED,
        resolution=why,
    )


def three_cameras() -> ResolutionMessage:
    return ResolutionMessage(
        resolved=tuple(
            resolved(AlertKind.CAMERA_SILENT, camera_name=f"gate-{i}", resolution="reading again")
            for i in (1, 2, 3)
        )
    )


def resolution_delivery(message: ResolutionMessage) -> Delivery:
    return Delivery(
        alert_id=message.alert_id,
        recipient_id="r-1",
        channel=ChannelKind.WEBHOOK,
        purpose="resolution",
    )


def test_sms_of_one_resolution_says_what_where_why_and_when() -> None:
    text = render.sms_text(ResolutionMessage(resolved=(resolved(),)))
    assert text.startswith("RESOLVED Site offline site-a: heartbeats again after 14 min 08:15 BST")
    assert text.endswith("https://cloud.example.com/sites/site-a")
    assert render.sms_segments(text) == 1


def test_sms_of_grouped_resolutions_is_one_text_listing_each() -> None:
    text = render.sms_text(three_cameras())
    assert text.startswith("RESOLVED 3 alerts at site-a 08:15 BST: Camera silent gate-1")
    assert all(f"gate-{i}" in text for i in (1, 2, 3))
    assert render.sms_segments(text) <= render.MAX_SMS_SEGMENTS


def test_sms_of_resolutions_at_several_sites_names_each_site() -> None:
    message = ResolutionMessage(resolved=(resolved(site_name="north"), resolved(site_name="south")))
    text = render.sms_text(message)
    assert text.startswith("RESOLVED 2 alerts 08:15 BST: Site offline north")
    assert "Site offline south" in text


def test_sms_of_many_resolutions_never_exceeds_two_segments() -> None:
    many = tuple(
        resolved(AlertKind.CAMERA_SILENT, camera_name=f"camera number {i}") for i in range(30)
    )
    text = render.sms_text(ResolutionMessage(resolved=many))
    assert render.sms_segments(text) <= render.MAX_SMS_SEGMENTS


def test_email_of_grouped_resolutions_lists_each_with_why_and_times() -> None:
    email = render.email_content(three_cameras())
    assert email.subject == "[edgesync] Resolved: 3 alerts at site-a"
    assert email.text.startswith("3 alerts resolved\n")
    assert email.text.count("Problem:    Camera silent") == 3
    assert email.text.count("Why:        reading again") == 3
    assert "Resolved:   2026-07-01 08:15:05 BST (UTC+01:00, Europe/London)" in email.text
    assert email.html.count("<h2") == 3


def test_email_of_one_resolution_names_its_problem_and_place() -> None:
    email = render.email_content(ResolutionMessage(resolved=(resolved(),)))
    assert email.subject == "[edgesync] Resolved: Site offline at site-a"
    assert "Why:        heartbeats again after 14 min" in email.text
    assert "Was:        no heartbeat for 12 min" in email.text


def test_email_html_of_a_resolution_escapes_site_camera_and_reasons() -> None:
    script = "<script>alert(1)</script>"
    message = ResolutionMessage(
        resolved=(
            resolved(
                AlertKind.CAMERA_SILENT,
                site_name=f"site {script}",
                camera_name=f"cam {script}",
                reason=f"was {script}",
                resolution=f"why {script}",
            ),
        )
    )
    html = render.email_content(message).html
    assert "<script>" not in html
    # the <title> (site and camera in the subject), then site, camera, why and was
    assert html.count("&lt;script&gt;") == 6


def test_email_subject_of_a_resolution_cannot_carry_a_header_injection() -> None:
    message = ResolutionMessage(resolved=(resolved(site_name="a\r\nBcc: x@example.com"),))
    assert "\r" not in render.email_content(message).subject
    assert "\n" not in render.email_content(message).subject


def test_webhook_of_a_resolution_is_an_alert_resolved_event_listing_each() -> None:
    message = three_cameras()
    payload = render.webhook_payload(message, resolution_delivery(message))
    assert (payload["version"], payload["event"], payload["source"]) == (
        1,
        "alert.resolved",
        "cloud",
    )
    assert [a["camera"]["name"] for a in payload["alerts"]] == ["gate-1", "gate-2", "gate-3"]
    first = payload["alerts"][0]
    assert first["resolved_at"] == "2026-07-01T07:15:05Z"
    assert first["resolved_at_local"] == "2026-07-01T08:15:05+01:00"
    assert (first["resolution"], first["kind"]) == ("reading again", "camera_silent")
    assert payload["text"] == render.sms_text(message)


def test_a_resolution_delivery_id_differs_from_its_alerts() -> None:
    message = ResolutionMessage(resolved=(resolved(),))
    resolution = resolution_delivery(message)
    alert = Delivery(alert_id=message.alert_id, recipient_id="r-1", channel=ChannelKind.WEBHOOK)
    payload = render.webhook_payload(message, resolution)
    assert payload["delivery"]["id"] == resolution.key == alert.key + ":resolved"


def test_webhook_of_a_resolution_is_posted_signed_as_alerts_are(
    webhook: WebhookServer, fixed_now: Callable[[], dt.datetime]
) -> None:
    message = three_cameras()
    channel = WebhookChannel(timeout=5.0, now=fixed_now)
    try:
        outcome = channel.send(
            resolution_delivery(message),
            message,
            recipient(webhook_url=webhook.url(200), webhook_secret=WEBHOOK_SECRET),
        )
    finally:
        channel.close()
    assert outcome.ok
    [request] = webhook.received
    assert json.loads(request.body)["event"] == "alert.resolved"
    assert verify_webhook_signature(
        WEBHOOK_SECRET,
        request.headers["x-edgesync-timestamp"],
        request.body,
        request.headers["x-edgesync-signature"],
        now=fixed_now(),
    )
