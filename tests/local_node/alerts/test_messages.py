"""Fallback texts: every fact of the hit, two clocks, and untrusted plate text kept harmless."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from local_node.alerts.messages import (
    HitAlert,
    email_content,
    email_subject,
    short_text,
    webhook_payload,
)

LONDON = ZoneInfo("Europe/London")


def alert(**changes: Any) -> HitAlert:
    fields: dict[str, Any] = {
        "hit_id": 7,
        "detection_id": "0f6d6b1e-9d4c-4f0c-8e43-8f3a7c2b1a00",
        "list_name": "stolen",
        "entry_plate": "AB12CDE",
        "plate": "AB12 CDE",
        "reason": "Taken from driveway",
        "priority": 9,
        "match_kind": "exact",
        "site_id": "site-a",
        "camera_id": "cam-1",
        "camera_name": "gate-1",
        "captured_at": datetime(2026, 7, 1, 7, 1, 5, tzinfo=UTC),
        "confidence": 0.94,
    }
    return HitAlert(**{**fields, **changes})


def test_the_email_names_plate_list_reason_site_camera_both_times_and_confidence():
    text = email_content(alert(), LONDON).text
    for expected in (
        "STOLEN AB12 CDE",
        "Taken from driveway",
        "site-a",
        "gate-1",
        "2026-07-01 08:01:05 BST (UTC+01:00)",
        "2026-07-01 07:01:05 UTC",
        "94%",
    ):
        assert expected in text


def test_a_script_in_the_plate_or_reason_is_escaped_in_the_html():
    html = email_content(alert(plate="<script>x</script>", reason="<img src=x>"), LONDON).html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_line_breaks_in_the_plate_cannot_reach_the_subject_header_or_forge_rows():
    content = email_content(alert(plate="AB1\r\nBcc: evil@example.com", reason="a\nList: x"))
    assert "\n" not in content.subject and "\r" not in content.subject
    assert "\nBcc:" not in content.text and "\nList: x" not in content.text
    assert email_subject(alert()).startswith("[edgesync] STOLEN AB12 CDE at site-a / gate-1")


def test_the_short_text_fits_160_characters_even_with_a_long_reason():
    text = short_text(alert(reason="x" * 500), LONDON)
    assert len(text) <= 160 and text.startswith("STOLEN AB12 CDE at site-a / gate-1 08:01 BST")


def test_a_fuzzy_match_says_which_entry_it_matched():
    assert "fuzzy (listed as AB12CDE)" in email_content(alert(match_kind="fuzzy")).text


def test_the_webhook_has_the_clouds_alert_shape_with_a_stable_id_and_source_node():
    payload = webhook_payload(alert(), delivery_id="d-1", attempt=2, tz=LONDON)
    assert payload["version"] == 1 and payload["source"] == "node"
    assert payload["delivery"] == {"id": "d-1", "attempt": 2}
    body = payload["alert"]
    assert body["kind"] == "hit" and body["plate"] == "AB12 CDE" and body["list"] == "stolen"
    assert body["occurred_at"] == "2026-07-01T07:01:05Z"
    assert body["occurred_at_local"] == "2026-07-01T08:01:05+01:00"
    assert body["id"] == str(alert().alert_id) == str(alert(hit_id=99).alert_id)
    assert body["id"] != str(alert(list_name="wanted").alert_id)
    json.dumps(payload)
