"""Frigate over MQTT end to end: a real node with `mqtt_url`, a real Mosquitto, real reads.

Frigate publishes a car's plate again each time its reading improves, under the same
tracked-object id; the node must store each car once (its best reading), also across a
broker restart.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from local_node.config import NodeSettings
from local_node.ingest.mqtt_runner import MqttConfigError
from local_node.main import create_app
from tests.local_node.conftest import RunningNode
from tests.local_node.ingest.conftest import HAVE_MOSQUITTO, WAIT, Broker, wait_for

pytestmark = [
    pytest.mark.mqtt,
    pytest.mark.skipif(
        not HAVE_MOSQUITTO, reason="needs the mosquitto binary (apt install mosquitto)"
    ),
]

TOPIC = "frigate/tracked_object_update"


class Frigate:
    """Frigate's side: publishes tracked-object updates with QoS 1."""

    def __init__(self, broker: Broker) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="fake-frigate")
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def send(self, message: dict[str, Any] | str) -> None:
        body = message if isinstance(message, str) else json.dumps(message)
        self.client.publish(TOPIC, body, qos=1).wait_for_publish(timeout=WAIT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def frigate(broker: Broker) -> Iterator[Frigate]:
    publisher = Frigate(broker)
    yield publisher
    publisher.close()


def lpr(object_id: str, plate: str, camera: str = "gate_lpr", score: float = 0.93) -> dict:
    return {
        "type": "lpr",
        "id": object_id,
        "name": None,
        "plate": plate,
        "score": score,
        "camera": camera,
        "timestamp": time.time(),
    }


def detections(node: RunningNode) -> list[dict[str, Any]]:
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def event_ids(node: RunningNode) -> list[str]:
    return sorted(d["event_id"] for d in detections(node))


@pytest.fixture
def mqtt_node(
    node_factory: Callable[..., RunningNode], broker: Broker
) -> Callable[..., RunningNode]:
    """A node reading Frigate from the test broker; its first camera is `gate-0`."""

    def start(**overrides: Any) -> RunningNode:
        overrides.setdefault("mqtt_cameras", {"gate_lpr": "gate-0"})
        return node_factory(mqtt_url=broker.url, **overrides)

    return start


def test_frigate_reads_become_detections_once(mqtt_node, frigate: Frigate):
    node = mqtt_node()

    for n in range(3):
        frigate.send(lpr(f"1764145{n}00.0-car{n}", f"AB{n}2CDE", score=0.81))
        # Frigate's later refinements of the same car: same id, better score.
        frigate.send(lpr(f"1764145{n}00.0-car{n}", f"AB{n}2CDE", score=0.95))

    expected = [f"frigate:1764145{n}00.0-car{n}" for n in range(3)]
    assert wait_for(lambda: event_ids(node) == expected), event_ids(node)
    time.sleep(0.5)  # a duplicate delivery would arrive within this
    items = detections(node)
    assert sorted(d["event_id"] for d in items) == expected
    first = next(d for d in items if d["event_id"] == expected[0])
    assert first["camera_id"] == node.camera_id and first["source_camera"] == "gate_lpr"
    # The refinement with the better score became the read (Frigate reads are refinable).
    assert first["plate_norm"] == "AB02CDE" and first["confidence"] == pytest.approx(0.95)


def test_reads_keep_arriving_once_after_a_broker_restart(mqtt_node, broker: Broker):
    node = mqtt_node()
    before = Frigate(broker)
    before.send(lpr("1764145000.0-before", "BEFORE1"))
    assert wait_for(lambda: event_ids(node) == ["frigate:1764145000.0-before"])
    before.close()

    broker.kill()
    broker.start()
    after = Frigate(broker)
    try:
        # Until the node has subscribed again the broker drops what Frigate publishes;
        # Frigate keeps publishing refinements of a car in view, as it does here.
        def stored_after_restart() -> bool:
            after.send(lpr("1764145100.0-after", "AFTER01"))
            after.send(lpr("1764145000.0-before", "BEFORE1"))  # the first car again
            return "frigate:1764145100.0-after" in event_ids(node)

        assert wait_for(stored_after_restart, timeout=60), "no read stored after the restart"
        after.send(lpr("1764145200.0-later", "LATER01"))
        assert wait_for(lambda: len(event_ids(node)) == 3)
        time.sleep(0.5)
    finally:
        after.close()

    assert event_ids(node) == [
        "frigate:1764145000.0-before",
        "frigate:1764145100.0-after",
        "frigate:1764145200.0-later",
    ]


def test_unmapped_frigate_camera_goes_to_the_default_camera(
    mqtt_node, node_factory, frigate: Frigate
):
    node = mqtt_node(mqtt_cameras={}, mqtt_default_camera="gate-0")

    frigate.send(lpr("1764145000.0-side", "SIDE123", camera="side_street"))

    assert wait_for(lambda: len(detections(node)) == 1)
    (read,) = detections(node)
    assert (read["camera_id"], read["source_camera"]) == (node.camera_id, "side_street")


def test_unmapped_camera_without_default_and_malformed_messages_store_nothing(
    mqtt_node, frigate: Frigate
):
    node = mqtt_node()

    frigate.send(lpr("1764145000.0-side", "SIDE123", camera="side_street"))
    frigate.send("{not json")
    frigate.send({"type": "lpr", "plate": "AB12CDE", "camera": "gate_lpr"})  # no id
    frigate.send({"type": "lpr", "name": None, "plate": None, "camera": "gate_lpr"})
    frigate.send(lpr("1764145000.0-gate", "GATE123"))

    assert wait_for(lambda: event_ids(node) == ["frigate:1764145000.0-gate"])
    time.sleep(0.3)
    assert event_ids(node) == ["frigate:1764145000.0-gate"]


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"mqtt_cameras": {"gate_lpr": "no-such-camera"}}, "add-camera 'no-such-camera'"),
        ({"mqtt_default_camera": "no-such-camera"}, "mqtt_default_camera"),
        ({}, "--mqtt-camera"),
    ],
    ids=["unregistered", "unregistered-default", "no-camera"],
)
def test_a_bad_camera_mapping_stops_the_start_with_a_message(
    tmp_path, database_url: str, broker: Broker, mapping, message
):
    settings = NodeSettings(
        data_dir=tmp_path / "node",
        database_url=database_url,
        min_free_bytes=0,
        mqtt_url=broker.url,
        **mapping,
    )
    app = create_app(settings, run_jobs=False)

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    with pytest.raises(MqttConfigError, match=re.escape(message)):
        asyncio.run(start())
