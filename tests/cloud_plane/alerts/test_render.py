"""Message texts: SMS length, email completeness and escaping, site time zones, webhook JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from cloud_plane.alerts.model import AlertKind, ChannelKind
from cloud_plane.alerts.render import (
    MAX_SMS_SEGMENTS,
    WEBHOOK_PAYLOAD_VERSION,
    email_content,
    is_gsm7,
    sms_segments,
    sms_text,
    webhook_body,
    webhook_payload,
)
from tests.cloud_plane.alerts.conftest import OCCURRED, delivery_for, health_message, hit_message

SCRIPT = "<script>alert('x')</script>"

# --- SMS -----------------------------------------------------------------------------------------


def test_sms_for_a_hit_reads_list_plate_site_camera_time_count_link() -> None:
    message = hit_message(reason="")
    assert sms_text(message) == (
        f"STOLEN AB12CDE at site-a gate-1 08:01 BST (x3) https://cloud.example.com/d/{message.alert_id}"
    )


def test_sms_for_a_typical_hit_is_one_gsm7_segment() -> None:
    text = sms_text(hit_message())
    assert is_gsm7(text)
    assert len(text) <= 160
    assert sms_segments(text) == 1


def test_sms_includes_the_reason_when_it_fits() -> None:
    assert "Taken from driveway 30 June" in sms_text(hit_message())


def test_sms_drops_a_long_reason_to_stay_in_one_segment() -> None:
    text = sms_text(hit_message(reason="r" * 500))
    assert sms_segments(text) == 1
    assert "rrrr" not in text
    assert text.endswith(f"/d/{hit_message().alert_id}")


def test_sms_of_a_single_read_has_no_count() -> None:
    assert "(x" not in sms_text(hit_message(count=1))


def test_sms_shows_the_site_clock_not_utc() -> None:
    text = sms_text(hit_message(site_timezone="America/New_York"))
    assert "03:01 EDT" in text


def test_sms_simplifies_accents_so_it_stays_gsm7() -> None:
    text = sms_text(hit_message(site_name="Kraków Północ", reason=""))
    assert "Krakow Polnoc" in text
    assert is_gsm7(text)


def test_sms_never_respells_the_plate() -> None:
    assert "ŚW12345" in sms_text(hit_message(plate="ŚW12345"))


def test_sms_keeps_a_plate_gsm7_cannot_spell() -> None:
    text = sms_text(hit_message(plate="А123ВС77", reason=""))  # Cyrillic letters
    assert "А123ВС77" in text
    assert not is_gsm7(text)
    assert sms_segments(text) <= MAX_SMS_SEGMENTS


def test_sms_puts_untrusted_text_on_one_line() -> None:
    text = sms_text(hit_message(plate="AB\n12\rCDE", reason="line1\nline2"))
    assert "\n" not in text and "\r" not in text


def test_sms_for_health_says_what_and_since_when() -> None:
    assert sms_text(health_message()) == (
        "SITE OFFLINE site-a since 08:01 BST: no heartbeat for 12 min "
        "https://cloud.example.com/sites/site-a"
    )


def test_sms_counts_gsm7_extension_characters_twice() -> None:
    assert sms_segments("€" * 80) == 1
    assert sms_segments("€" * 81) == 2


def test_sms_segments_for_ucs2_are_70_then_67() -> None:
    assert sms_segments("ł" * 70) == 1
    assert sms_segments("ł" * 71) == 2
    assert sms_segments("ł" * 134) == 2
    assert sms_segments("ł" * 135) == 3


_untrusted = st.text(min_size=0, max_size=200)


@settings(max_examples=200, deadline=None)
@given(
    plate=st.text(min_size=1, max_size=64),
    site=st.text(min_size=1, max_size=200),
    camera=st.text(min_size=1, max_size=200),
    reason=st.text(max_size=2000),
    count=st.integers(min_value=1, max_value=10**9),
    kind=st.sampled_from(list(AlertKind)),
)
def test_sms_never_exceeds_two_segments(
    plate: str, site: str, camera: str, reason: str, count: int, kind: AlertKind
) -> None:
    message = hit_message(
        kind=kind,
        plate=plate,
        site_name=site,
        camera_name=camera,
        reason=reason,
        count=count,
        link_url="https://cloud.example.com/d/" + "x" * 400,
    )
    assert sms_segments(sms_text(message)) <= MAX_SMS_SEGMENTS


# --- email ---------------------------------------------------------------------------------------


def test_email_subject_names_list_plate_site_camera_and_count() -> None:
    assert email_content(hit_message()).subject == (
        "[edgesync] STOLEN AB12CDE at site-a / gate-1 (3 reads)"
    )


def test_email_text_has_every_fact_of_a_hit() -> None:
    text = email_content(hit_message()).text
    for fact in (
        "AB12CDE",
        "stolen",
        "Taken from driveway 30 June",
        "site-a",
        "gate-1",
        "2026-07-01 08:01:05 BST (UTC+01:00, Europe/London)",
        "94%",
        "3 reads grouped into this alert",
        f"https://cloud.example.com/d/{hit_message().alert_id}",
    ):
        assert fact in text


def test_email_time_uses_the_site_zone_and_its_abbreviation_in_winter() -> None:
    winter = dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC)
    text = email_content(hit_message(occurred_at=winter, site_timezone="Australia/Sydney")).text
    assert "2026-01-16 10:30:00 AEDT (UTC+11:00, Australia/Sydney)" in text


def test_email_html_escapes_a_script_in_the_plate_and_reason() -> None:
    html = email_content(hit_message(plate=SCRIPT[:64], reason=SCRIPT)).html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_email_html_escapes_site_and_camera_names() -> None:
    html = email_content(hit_message(site_name='"><img src=x onerror=1>', camera_name="<b>")).html
    assert "<img" not in html and "<b>" not in html


def test_email_text_keeps_untrusted_text_literal() -> None:
    text = email_content(hit_message(reason=SCRIPT)).text
    assert SCRIPT in text


def test_email_subject_cannot_carry_a_header_injection() -> None:
    subject = email_content(hit_message(plate="AB1\r\nBcc: evil@example.com")).subject
    assert "\r" not in subject and "\n" not in subject


def test_email_reason_with_line_breaks_cannot_forge_rows() -> None:
    text = email_content(hit_message(reason="ok\nOpen: https://evil.example.com")).text
    assert "\nOpen: https://evil" not in text


def test_email_html_links_to_the_detection() -> None:
    message = hit_message()
    assert (
        f'<a href="https://cloud.example.com/d/{message.alert_id}">' in email_content(message).html
    )


def test_email_for_health_states_problem_and_details() -> None:
    content = email_content(health_message(AlertKind.DISK_NEARLY_FULL, reason="97% of 2 TB used"))
    assert content.subject == "[edgesync] Disk nearly full at site-a"
    assert "Problem:    Disk nearly full" in content.text
    assert "Details:    97% of 2 TB used" in content.text
    assert "Plate" not in content.text


def test_email_of_a_single_read_says_one_read() -> None:
    content = email_content(hit_message(count=1))
    assert "(1 reads)" not in content.subject
    assert "1 reads grouped" in content.text


# --- webhook -------------------------------------------------------------------------------------


def test_webhook_payload_has_stable_versioned_fields() -> None:
    message = hit_message()
    payload = webhook_payload(message, delivery_for(message, ChannelKind.WEBHOOK, attempt=2))
    assert payload["version"] == WEBHOOK_PAYLOAD_VERSION == 1
    assert payload["event"] == "alert"
    assert payload["delivery"] == {"id": f"{message.alert_id}:r-1:webhook", "attempt": 2}
    assert payload["alert"] == {
        "id": str(message.alert_id),
        "kind": "hit",
        "priority": 90,
        "occurred_at": "2026-07-01T07:01:05Z",
        "occurred_at_local": "2026-07-01T08:01:05+01:00",
        "site": {"id": "site-a-id", "name": "site-a", "timezone": "Europe/London"},
        "camera": {"id": "cam-1", "name": "gate-1"},
        "plate": "AB12CDE",
        "list": "stolen",
        "reason": "Taken from driveway 30 June",
        "confidence": 0.94,
        "count": 3,
        "link": f"https://cloud.example.com/d/{message.alert_id}",
        "detection_id": None,
        "match_kind": None,
    }
    assert payload["source"] == "cloud"
    assert payload["text"] == sms_text(message)


def test_webhook_body_is_compact_sorted_utf8_json_of_the_payload() -> None:
    message = hit_message(site_name="Kraków")
    delivery = delivery_for(message, ChannelKind.WEBHOOK)
    body = webhook_body(message, delivery)
    assert json.loads(body) == webhook_payload(message, delivery)
    assert "Kraków".encode() in body
    assert body.startswith(b'{"alert":{"camera"')


def test_webhook_payload_of_site_alert_has_a_camera_with_no_id_or_name() -> None:
    message = health_message(alert_id=uuid.uuid4())
    payload = webhook_payload(message, delivery_for(message, ChannelKind.WEBHOOK))
    assert payload["alert"]["camera"] == {"id": None, "name": None}
    assert payload["alert"]["kind"] == "site_offline"
    assert payload["alert"]["occurred_at"] == OCCURRED.isoformat().replace("+00:00", "Z")
