"""Frigate's `frigate/events` topic end to end: a real node, a real Mosquitto, real reads.

Frigate publishes a tracked object's whole state on `frigate/events` at every change;
once its plate is read the state carries `recognized_license_plate`. The node stores it
under the same event id as the `tracked_object_update` `lpr` message of the same object,
so a site with both topics on stores the car once, and a better reading of the car
(higher score) replaces the stored one. Messages follow Frigate 0.16's shape
(payloads/frigate/events_0_16_car_update.json, see its SOURCES.md).
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.local_node.conftest import RunningNode
from tests.local_node.ingest.conftest import HAVE_MOSQUITTO, WAIT, Broker, wait_for

pytestmark = [
    pytest.mark.mqtt,
    pytest.mark.skipif(
        not HAVE_MOSQUITTO, reason="needs the mosquitto binary (apt install mosquitto)"
    ),
]

EVENTS = "frigate/events"
UPDATES = "frigate/tracked_object_update"
CAR = json.loads(
    (
        Path(__file__).parent / "vendors" / "payloads" / "frigate" / "events_0_16_car_update.json"
    ).read_text()
)


class Frigate:
    """Frigate's side: publishes on either topic with QoS 1."""

    def __init__(self, broker: Broker) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="fake-frigate-events")
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def send(self, topic: str, message: dict[str, Any]) -> None:
        self.client.publish(topic, json.dumps(message), qos=1).wait_for_publish(timeout=WAIT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def frigate(broker: Broker) -> Iterator[Frigate]:
    publisher = Frigate(broker)
    yield publisher
    publisher.close()


@pytest.fixture
def mqtt_node(
    node_factory: Callable[..., RunningNode], broker: Broker
) -> Callable[..., RunningNode]:
    """A node reading Frigate from the test broker; Frigate's `driveway_cam` is `gate-0`."""

    def start(**overrides: Any) -> RunningNode:
        overrides.setdefault("mqtt_cameras", {"driveway_cam": "gate-0"})
        return node_factory(mqtt_url=broker.url, **overrides)

    return start


def event(object_id: str, plate: str | None, score: float = 0.9, kind: str = "update") -> dict:
    """A `frigate/events` message about car `object_id` (Frigate 0.16's shape)."""
    message = copy.deepcopy(CAR)
    message["type"] = kind
    after = message["after"]
    after.update(id=object_id, frame_time=time.time())
    after["recognized_license_plate"] = [plate, score] if plate else None
    return message


def lpr(object_id: str, plate: str, score: float) -> dict:
    """The `tracked_object_update` `lpr` message about the same car."""
    return {
        "type": "lpr",
        "id": object_id,
        "name": None,
        "plate": plate,
        "score": score,
        "camera": "driveway_cam",
        "timestamp": time.time(),
    }


def detections(node: RunningNode) -> list[dict[str, Any]]:
    with node.viewer() as v:
        r = v.get("/api/v1/detections", params={"limit": 1000})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def event_ids(node: RunningNode) -> list[str]:
    return sorted(d["event_id"] for d in detections(node))


def test_event_with_a_plate_becomes_a_detection(mqtt_node, frigate: Frigate):
    node = mqtt_node()

    frigate.send(EVENTS, event("1764145300.0-car1", "AB12CDE", score=0.93))

    assert wait_for(lambda: event_ids(node) == ["frigate:1764145300.0-car1"])
    (read,) = detections(node)
    assert (read["plate_norm"], read["source_camera"]) == ("AB12CDE", "driveway_cam")
    assert read["camera_id"] == node.camera_id
    assert read["confidence"] == pytest.approx(0.93)


def test_the_same_car_on_both_topics_is_stored_once(mqtt_node, frigate: Frigate):
    node = mqtt_node()

    frigate.send(UPDATES, lpr("1764145300.0-car2", "CD34EFG", 0.91))
    frigate.send(EVENTS, event("1764145300.0-car2", "CD34EFG", 0.91))
    frigate.send(EVENTS, event("1764145300.0-car2", "CD34EFG", 0.91, kind="end"))
    frigate.send(EVENTS, event("1764145300.0-marker", "MARK001"))

    assert wait_for(lambda: len(event_ids(node)) == 2)
    time.sleep(0.5)  # a duplicate would arrive within this
    assert event_ids(node) == ["frigate:1764145300.0-car2", "frigate:1764145300.0-marker"]


def test_events_without_a_plate_store_nothing_and_do_not_block(mqtt_node, frigate: Frigate):
    node = mqtt_node()

    frigate.send(EVENTS, event("1764145300.0-noplate", None))
    person = event("1764145300.0-person", None)
    person["after"].update(label="person")
    frigate.send(EVENTS, person)
    frigate.send(EVENTS, event("1764145300.0-car3", "EF56GHI"))

    assert wait_for(lambda: event_ids(node) == ["frigate:1764145300.0-car3"])
    time.sleep(0.3)
    assert event_ids(node) == ["frigate:1764145300.0-car3"]


def test_events_topic_can_be_turned_off(mqtt_node, frigate: Frigate):
    node = mqtt_node(mqtt_events=False)

    frigate.send(EVENTS, event("1764145300.0-ignored", "GH78IJK"))
    frigate.send(UPDATES, lpr("1764145300.0-kept", "IJ90KLM", 0.9))

    assert wait_for(lambda: event_ids(node) == ["frigate:1764145300.0-kept"])
    time.sleep(0.3)
    assert event_ids(node) == ["frigate:1764145300.0-kept"]


# --- Improved readings (issue 15, item 5; the writer's refinement lands from main) -------


def _first_then(topic: str, object_id: str, first: tuple[str, float], then: tuple[str, float]):
    if topic == EVENTS:
        return event(object_id, *first), event(object_id, *then)
    return lpr(object_id, *first), lpr(object_id, *then)


@pytest.mark.parametrize("topic", [EVENTS, UPDATES], ids=["events", "tracked_object_update"])
def test_a_better_reading_of_the_car_becomes_the_stored_read(mqtt_node, frigate, topic):
    node = mqtt_node()
    worse, better = _first_then(topic, "1764145400.0-car", ("AB12CDF", 0.71), ("AB12CDE", 0.95))

    frigate.send(topic, worse)
    assert wait_for(lambda: [d["plate_norm"] for d in detections(node)] == ["AB12CDF"])
    (first,) = detections(node)
    frigate.send(topic, better)

    assert wait_for(lambda: [d["plate_norm"] for d in detections(node)] == ["AB12CDE"])
    (now,) = detections(node)
    assert (now["id"], now["event_id"]) == (first["id"], "frigate:1764145400.0-car")
    assert now["confidence"] == pytest.approx(0.95)


@pytest.mark.parametrize("topic", [EVENTS, UPDATES], ids=["events", "tracked_object_update"])
def test_a_worse_reading_of_the_car_changes_nothing(mqtt_node, frigate, topic):
    node = mqtt_node()
    good, worse = _first_then(topic, "1764145500.0-car", ("AB12CDE", 0.95), ("AB12CDF", 0.71))

    frigate.send(topic, good)
    assert wait_for(lambda: len(detections(node)) == 1)
    (first,) = detections(node)
    frigate.send(topic, worse)
    frigate.send(EVENTS, event("1764145500.0-marker", "MARK002"))  # processed after `worse`

    assert wait_for(lambda: len(detections(node)) == 2)
    now = next(d for d in detections(node) if d["id"] == first["id"])
    assert now == first


def test_a_better_reading_on_the_other_topic_also_replaces_the_read(mqtt_node, frigate: Frigate):
    node = mqtt_node()

    frigate.send(UPDATES, lpr("1764145600.0-car", "AB12CDF", 0.71))
    assert wait_for(lambda: [d["plate_norm"] for d in detections(node)] == ["AB12CDF"])
    (first,) = detections(node)
    frigate.send(EVENTS, event("1764145600.0-car", "AB12CDE", 0.95))

    assert wait_for(lambda: [d["plate_norm"] for d in detections(node)] == ["AB12CDE"])
    assert detections(node)[0]["id"] == first["id"]
