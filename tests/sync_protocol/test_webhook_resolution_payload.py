"""The ``alert.resolved`` webhook document (version 1): its schema pinned, the cloud's bodies
valid against it."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import jsonschema

from cloud_plane.alerts import render
from cloud_plane.alerts.model import (
    AlertKind,
    ChannelKind,
    Delivery,
    ResolutionMessage,
    ResolvedAlert,
)
from sync_protocol.webhook_payload import WebhookResolutionPayload
from tests.cloud_plane.alerts.conftest import OCCURRED, health_message

SCHEMA_FILE = Path(__file__).with_name("webhook_v1_resolved.schema.json")


def model_schema() -> dict:
    return WebhookResolutionPayload.model_json_schema(by_alias=True, mode="serialization")


def schema_text() -> str:
    return json.dumps(model_schema(), indent=2, sort_keys=True) + "\n"


def test_the_checked_in_schema_is_the_models_schema():
    # A change here is a change of the public contract: regenerate the file on purpose
    # (PYTHONPATH=. python -m tests.sync_protocol.test_webhook_resolution_payload).
    assert json.loads(SCHEMA_FILE.read_text()) == model_schema()


def test_a_cloud_resolution_body_validates_against_the_schema():
    message = ResolutionMessage(
        resolved=tuple(
            ResolvedAlert(
                alert=health_message(kind, alert_id=uuid.uuid4()),
                resolved_at=OCCURRED,
                resolution="cleared",
            )
            for kind in (AlertKind.SITE_OFFLINE, AlertKind.DISK_NEARLY_FULL)
        )
    )
    delivery = Delivery(
        alert_id=message.alert_id,
        recipient_id="r-1",
        channel=ChannelKind.WEBHOOK,
        purpose="resolution",
    )
    body = render.webhook_body(message, delivery)
    jsonschema.validate(json.loads(body), json.loads(SCHEMA_FILE.read_text()))


if __name__ == "__main__":
    SCHEMA_FILE.write_text(schema_text())
