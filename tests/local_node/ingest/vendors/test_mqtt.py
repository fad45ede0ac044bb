"""The Frigate MQTT listener against a real Mosquitto broker, including a broker restart."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from local_node.ingest.vendors.base import VendorRead
from local_node.ingest.vendors.mqtt import FrigateMqttListener, parse_broker_url
from tests.local_node.ingest.conftest import HAVE_MOSQUITTO, WAIT, Broker, wait_for

TOPIC = "frigate/tracked_object_update"

pytestmark = [
    pytest.mark.mqtt,
    pytest.mark.skipif(
        not HAVE_MOSQUITTO, reason="needs the mosquitto binary (apt install mosquitto)"
    ),
]


class Publisher:
    """Frigate's side: publishes tracked-object updates with QoS 1."""

    def __init__(self, broker: Broker) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="fake-frigate")
        self.client.connect("127.0.0.1", broker.port)
        self.client.loop_start()

    def send(self, message: dict | str) -> None:
        body = message if isinstance(message, str) else json.dumps(message)
        self.client.publish(TOPIC, body, qos=1).wait_for_publish(timeout=WAIT)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def lpr(object_id: str, plate: str, camera: str = "gate_lpr") -> dict:
    return {
        "type": "lpr",
        "id": object_id,
        "name": None,
        "plate": plate,
        "score": 0.93,
        "camera": camera,
        "timestamp": time.time(),
    }


class Received:
    """The node's side of `on_read`: remembers every (camera, read) it was given."""

    def __init__(self) -> None:
        self.items: list[tuple[str, VendorRead]] = []
        self.lock = threading.Lock()

    def __call__(self, camera_id: str, read: VendorRead) -> None:
        with self.lock:
            self.items.append((camera_id, read))

    def event_ids(self) -> list[str | None]:
        with self.lock:
            return [read.detection.event_id for _, read in self.items]


@pytest.fixture
def received() -> Received:
    return Received()


@pytest.fixture
def make_listener(
    broker: Broker, received: Received
) -> Iterator[Callable[..., FrigateMqttListener]]:
    started: list[FrigateMqttListener] = []

    def make(**options) -> FrigateMqttListener:
        options.setdefault("cameras", {"gate_lpr": "cam-gate"})
        listener = FrigateMqttListener(broker.url, on_read=received, **options)
        listener.start()
        started.append(listener)
        assert listener.wait_subscribed(WAIT), "listener never subscribed"
        return listener

    yield make
    for listener in started:
        listener.stop()


@pytest.fixture
def publisher(broker: Broker) -> Iterator[Publisher]:
    frigate = Publisher(broker)
    yield frigate
    frigate.close()


def test_each_published_read_reaches_the_callback_once(make_listener, publisher, received):
    listener = make_listener()

    for n in range(5):
        publisher.send(lpr(f"1764145{n}00.0-obj{n}", f"AB{n}2CDE"))

    assert wait_for(lambda: listener.stored == 5)
    time.sleep(0.3)  # a duplicate delivery would arrive within this
    assert received.event_ids() == [f"frigate:1764145{n}00.0-obj{n}" for n in range(5)]
    assert {camera for camera, _ in received.items} == {"cam-gate"}


def test_listener_resubscribes_by_itself_after_a_broker_restart(broker, make_listener, received):
    listener = make_listener()
    before = Publisher(broker)
    before.send(lpr("1764145000.0-before", "BEFORE1"))
    assert wait_for(lambda: listener.stored == 1)
    before.close()

    broker.kill()
    assert wait_for(lambda: not listener.connected), "listener did not notice the broker died"
    broker.start()
    assert wait_for(lambda: listener.connected), "listener did not reconnect"
    assert listener.wait_subscribed(WAIT), "listener did not subscribe again"
    after = Publisher(broker)
    after.send(lpr("1764145100.0-after1", "AFTER01"))
    after.send(lpr("1764145100.0-after2", "AFTER02"))
    after.close()

    assert wait_for(lambda: listener.stored == 3)
    assert received.event_ids() == [
        "frigate:1764145000.0-before",
        "frigate:1764145100.0-after1",
        "frigate:1764145100.0-after2",
    ]


def test_malformed_messages_are_counted_and_the_loop_keeps_going(
    make_listener, publisher, received
):
    listener = make_listener()

    publisher.send("{not json")
    publisher.send({"type": "lpr", "plate": "AB12CDE", "camera": "gate_lpr"})  # no id
    publisher.send(lpr("1764145000.0-good", "GOOD123"))

    assert wait_for(lambda: listener.stored == 1)
    stats = listener.stats
    assert (stats.received, stats.malformed, stats.stored) == (3, 2, 1)
    assert received.event_ids() == ["frigate:1764145000.0-good"]


def test_other_update_types_are_ignored(make_listener, publisher, received):
    listener = make_listener()

    publisher.send({"type": "face", "id": "x", "name": "John", "camera": "gate_lpr"})
    publisher.send({"type": "lpr", "name": None, "plate": None, "camera": "gate_lpr"})
    publisher.send(lpr("1764145000.0-good", "GOOD123"))

    assert wait_for(lambda: listener.stored == 1)
    assert (listener.stats.ignored, listener.malformed) == (2, 0)


def test_unknown_camera_goes_to_the_default_camera(make_listener, publisher, received):
    listener = make_listener(default_camera="cam-default")

    publisher.send(lpr("1764145000.0-side", "SIDE123", camera="side_street"))

    assert wait_for(lambda: listener.stored == 1)
    camera_id, read = received.items[0]
    assert camera_id == "cam-default"
    assert read.detection.source_camera == "side_street"


def test_unknown_camera_without_default_is_rejected(make_listener, publisher, received):
    listener = make_listener()

    publisher.send(lpr("1764145000.0-side", "SIDE123", camera="side_street"))
    publisher.send(lpr("1764145000.0-gate", "GATE123"))

    assert wait_for(lambda: listener.stored == 1)
    assert listener.rejected == 1
    assert received.event_ids() == ["frigate:1764145000.0-gate"]


def test_a_failing_callback_is_counted_and_does_not_stop_the_listener(broker, publisher):
    calls: list[str | None] = []

    def flaky(camera_id: str, read: VendorRead) -> None:
        calls.append(read.detection.event_id)
        if len(calls) == 1:
            raise OSError("disk unavailable")

    listener = FrigateMqttListener(broker.url, on_read=flaky, cameras={"gate_lpr": "cam-gate"})
    listener.start()
    try:
        assert listener.wait_subscribed(WAIT)
        publisher.send(lpr("1764145000.0-first", "FIRST12"))
        publisher.send(lpr("1764145000.0-second", "SECOND1"))

        assert wait_for(lambda: listener.stored == 1)
        assert listener.stats.failed == 1
    finally:
        listener.stop()


def test_stop_disconnects_cleanly(make_listener):
    listener = make_listener()

    listener.stop()

    assert listener.connected is False
    listener.stop()  # a second stop is harmless


def test_broker_url_carries_credentials_and_default_port():
    address = parse_broker_url("mqtt://frigate:p%40ss@broker.local")

    assert (address.host, address.port, address.username, address.password, address.tls) == (
        "broker.local",
        1883,
        "frigate",
        "p@ss",
        False,
    )


def test_broker_url_with_another_scheme_is_refused():
    with pytest.raises(ValueError, match="mqtt://"):
        parse_broker_url("http://broker.local:1883")
