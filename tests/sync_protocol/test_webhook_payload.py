"""The alert webhook v1 document: one model, its schema pinned, both senders' bodies valid."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from cloud_plane.alerts import render
from cloud_plane.alerts.model import ChannelKind
from local_node.alerts import messages
from sync_protocol.webhook_payload import WebhookPayload
from tests.cloud_plane.alerts.conftest import delivery_for, health_message, hit_message

SCHEMA_FILE = Path(__file__).with_name("webhook_v1.schema.json")
LONDON = ZoneInfo("Europe/London")


def model_schema() -> dict:
    return WebhookPayload.model_json_schema(by_alias=True, mode="serialization")


def schema_text() -> str:
    return json.dumps(model_schema(), indent=2, sort_keys=True) + "\n"


def checked_in_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


def node_alert(**changes: object) -> messages.HitAlert:
    fields: dict = {
        "hit_id": 7,
        "detection_id": "0f6d6b1e-9d4c-4f0c-8e43-8f3a7c2b1a00",
        "list_name": "stolen",
        "entry_plate": "AB12CDE",
        "plate": "AB12 CDE",
        "reason": "Taken from driveway",
        "priority": 90,
        "match_kind": "exact",
        "site_id": "site-a",
        "camera_id": "cam-1",
        "camera_name": None,
        "captured_at": datetime(2026, 7, 1, 7, 1, 5, tzinfo=UTC),
        "confidence": 0.94,
    }
    return messages.HitAlert(**{**fields, **changes})


def test_the_checked_in_schema_is_the_models_schema():
    # A change here is a change of the public contract: regenerate the file on purpose
    # (PYTHONPATH=. python -m tests.sync_protocol.test_webhook_payload) and say so in README.
    assert checked_in_schema() == model_schema()


def test_a_node_webhook_body_validates_against_the_schema():
    body = messages.webhook_body(node_alert(), delivery_id="d-1", attempt=1, tz=LONDON)
    jsonschema.validate(json.loads(body), checked_in_schema())


def test_a_cloud_hit_webhook_body_validates_against_the_schema():
    message = hit_message()
    body = render.webhook_body(message, delivery_for(message, ChannelKind.WEBHOOK))
    jsonschema.validate(json.loads(body), checked_in_schema())


def test_a_cloud_site_webhook_body_validates_against_the_schema():
    message = health_message(alert_id=uuid.uuid4())
    body = render.webhook_body(message, delivery_for(message, ChannelKind.WEBHOOK))
    jsonschema.validate(json.loads(body), checked_in_schema())


@pytest.mark.parametrize("source", ["node", "cloud"])
def test_both_senders_give_the_site_zone_as_an_iana_name(source: str):
    if source == "node":
        payload = messages.webhook_payload(node_alert(), delivery_id="d", attempt=1, tz=LONDON)
    else:
        message = hit_message(site_timezone="Europe/London")
        payload = render.webhook_payload(message, delivery_for(message, ChannelKind.WEBHOOK))
    assert payload["alert"]["site"]["timezone"] == "Europe/London"


def test_a_site_alert_from_the_cloud_has_a_camera_object_with_null_fields():
    message = health_message(alert_id=uuid.uuid4())
    payload = render.webhook_payload(message, delivery_for(message, ChannelKind.WEBHOOK))
    assert payload["alert"]["camera"] == {"id": None, "name": None}


def test_both_senders_fill_the_same_keys():
    node = messages.webhook_payload(node_alert(), delivery_id="d", attempt=1, tz=LONDON)
    message = hit_message()
    cloud = render.webhook_payload(message, delivery_for(message, ChannelKind.WEBHOOK))
    assert node.keys() == cloud.keys() and node["alert"].keys() == cloud["alert"].keys()
    assert (node["source"], cloud["source"]) == ("node", "cloud")


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
