"""MQTT messages no read can come from are dropped with the reason logged, never stored."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest

from local_node.ingest.vendors.base import VendorRead
from local_node.ingest.vendors.mqtt import FrigateMqttListener

TOPIC = "frigate/tracked_object_update"


def listener(stored: list[VendorRead]) -> FrigateMqttListener:
    """A listener that is never started: messages are handed to it as paho would."""
    return FrigateMqttListener(
        "mqtt://127.0.0.1:1",
        on_read=lambda _camera, read: stored.append(read),
        cameras={"driveway_cam": "cam-1"},
    )


def deliver(target: FrigateMqttListener, payload: bytes) -> bool:
    message: Any = SimpleNamespace(payload=payload, topic=TOPIC, mid=1, qos=1)
    return target._dispatch(message)


@pytest.mark.parametrize("plate", ["..", "🚗", "- -"])
def test_frigate_read_whose_plate_has_no_letters_or_digits_is_dropped_and_logged(
    payload, caplog: pytest.LogCaptureFixture, plate: str
) -> None:
    stored: list[VendorRead] = []
    target = listener(stored)
    message = payload("frigate/lpr_known_vehicle")
    message["plate"] = plate

    with caplog.at_level(logging.WARNING, logger="local_node.ingest.vendors.mqtt"):
        assert deliver(target, json.dumps(message).encode()) is True

    assert stored == [] and target.malformed == 1
    assert "plate has no letters or digits" in caplog.text


def test_deeply_nested_message_is_dropped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    stored: list[VendorRead] = []
    target = listener(stored)

    with caplog.at_level(logging.WARNING, logger="local_node.ingest.vendors.mqtt"):
        assert deliver(target, b'{"type": "lpr", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}")

    assert stored == [] and target.malformed == 1
    assert "JSON nested deeper than 32 levels" in caplog.text
