"""Listen to Frigate over MQTT and hand each licence-plate read to the node.

Two topics carry plates: `<prefix>/tracked_object_update` (`lpr` messages) and
`<prefix>/events` (tracked objects with a `recognized_license_plate`). Both give the
same event id for one tracked object, so a car seen on both is stored once.

The listener runs paho-mqtt's network loop in its own thread. It subscribes in
`on_connect`, so every reconnect (broker restart, network drop) subscribes again even
when the broker forgot the session, and paho reconnects by itself with a 1–30 s backoff.
Messages use QoS 1 with manual acknowledgement: a message is acknowledged only after
`on_read` returns (the read is durable) or after it was judged unusable, so a read whose
storing failed is delivered again by the broker on the next connection.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from local_node.clock import Clock, utc_now
from local_node.ingest.vendors.base import VendorPayloadError, VendorRead, decode_json_object
from local_node.ingest.vendors.frigate import parse_frigate_lpr
from local_node.ingest.vendors.frigate_events import parse_frigate_event

logger = logging.getLogger(__name__)

OnRead = Callable[[str, VendorRead], None]

QOS = 1
RECONNECT_MIN_DELAY = 1
RECONNECT_MAX_DELAY = 30


@dataclass(frozen=True)
class BrokerAddress:
    """Where and how to reach the broker, parsed from `mqtt://user:pass@host:port`."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False


def parse_broker_url(url: str) -> BrokerAddress:
    """Parse `mqtt://[user[:pass]@]host[:port]` (or `mqtts://` for TLS); raise ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
        raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"MQTT URL has no host: {url!r}")
    tls = parts.scheme in ("mqtts", "ssl")
    try:
        port = parts.port or (8883 if tls else 1883)
    except ValueError:
        raise ValueError(f"MQTT URL has an invalid port: {url!r}") from None
    return BrokerAddress(
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        tls=tls,
    )


@dataclass(frozen=True)
class ListenerStats:
    """A consistent snapshot of the listener's counters."""

    received: int
    stored: int
    ignored: int
    rejected: int
    malformed: int
    failed: int
    connected: bool


class FrigateMqttListener:
    """Subscribe to Frigate's plate topics and pass each plate read to `on_read`.

    `<prefix>/tracked_object_update` always; `<prefix>/events` too unless `events` is
    False (a site whose Frigate floods the broker with events of other objects).

    `cameras` maps Frigate camera names to node camera ids; a name not in it goes to
    `default_camera`, or is counted as rejected when there is none. `on_read(camera_id,
    read)` may block until the read is durable; if it raises, the message is left
    unacknowledged (counted as failed) and the broker delivers it again after the next
    reconnect. `on_read` runs on the network thread: while it blocks no keepalive is sent,
    so it should return well within 1.5 x `keepalive` seconds. Malformed messages are
    logged with the reason and counted, never raised. `client_id` names the broker
    session (default: derived from the host name).
    """

    def __init__(
        self,
        broker_url: str,
        *,
        on_read: OnRead,
        cameras: Mapping[str, str],
        default_camera: str | None = None,
        topic_prefix: str = "frigate",
        events: bool = True,
        client_id: str | None = None,
        keepalive: int = 30,
        clock: Clock = utc_now,
    ) -> None:
        self._address = parse_broker_url(broker_url)
        self._on_read = on_read
        self._cameras = dict(cameras)
        self._default_camera = default_camera
        prefix = topic_prefix.rstrip("/")
        self.topic = f"{prefix}/tracked_object_update"
        self.events_topic = f"{prefix}/events" if events else None
        # The broker keeps our session under this id, so it must be stable across restarts
        # and distinct per node: two nodes sharing one id would keep taking over each other.
        self._client_id = client_id or f"edgesync-frigate-{socket.gethostname()}"
        self._keepalive = keepalive
        self._clock = clock
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(
            ("received", "stored", "ignored", "rejected", "malformed", "failed"), 0
        )
        self._connected = False
        self._subscribed = threading.Event()
        self._client: mqtt.Client | None = None

    # -- counters -------------------------------------------------------------------

    @property
    def topics(self) -> list[str]:
        """The topics subscribed to."""
        return [self.topic] + ([self.events_topic] if self.events_topic else [])

    @property
    def stats(self) -> ListenerStats:
        """All counters at one instant."""
        with self._lock:
            return ListenerStats(**self._counts, connected=self._connected)

    @property
    def received(self) -> int:
        """Messages that arrived on the topic."""
        return self.stats.received

    @property
    def stored(self) -> int:
        """Reads that `on_read` accepted."""
        return self.stats.stored

    @property
    def rejected(self) -> int:
        """Reads from a Frigate camera with no node camera (and no default)."""
        return self.stats.rejected

    @property
    def malformed(self) -> int:
        """Messages that were not valid JSON or not a valid plate read."""
        return self.stats.malformed

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up right now."""
        return self.stats.connected

    def wait_subscribed(self, timeout: float) -> bool:
        """Block until the broker confirmed the current subscription (for start-up and tests)."""
        return self._subscribed.wait(timeout)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background and keep reconnecting until `stop()`.

        Returns at once: a broker that is down at start-up is retried like a lost one.
        """
        if self._client is not None:
            raise RuntimeError("listener already started")
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._client_id,
            # A persistent session keeps unacknowledged messages across our reconnects.
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        if self._address.username is not None:
            client.username_pw_set(self._address.username, self._address.password)
        if self._address.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=RECONNECT_MIN_DELAY, max_delay=RECONNECT_MAX_DELAY)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_subscribe = self._handle_subscribe
        client.on_message = self._handle_message
        self._client = client
        client.connect_async(self._address.host, self._address.port, self._keepalive)
        client.loop_start()

    def stop(self) -> None:
        """Disconnect and stop the network thread; safe to call twice."""
        client, self._client = self._client, None
        if client is None:
            return
        client.disconnect()
        client.loop_stop()
        with self._lock:
            self._connected = False

    # -- paho callbacks (network thread) -----------------------------------------------

    def _handle_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("MQTT broker refused the connection: %s", reason_code)
            return
        with self._lock:
            self._connected = True
        self._subscribed.clear()
        # Subscribing here, not once after start(), is what survives a broker restart.
        client.subscribe([(topic, QOS) for topic in self.topics])
        logger.info("MQTT connected to %s:%s", self._address.host, self._address.port)

    def _handle_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        if any(code.is_failure for code in reason_codes):
            logger.error("MQTT broker refused the subscription to %s", ", ".join(self.topics))
            return
        self._subscribed.set()

    def _handle_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._lock:
            self._connected = False
        self._subscribed.clear()
        if reason_code.is_failure:
            logger.warning("MQTT connection lost (%s); reconnecting", reason_code)

    def _handle_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            if self._dispatch(message):
                client.ack(message.mid, message.qos)
        except Exception:
            # Never let an error escape into paho's loop: it would end the thread.
            logger.exception("unexpected error handling MQTT message on %s", message.topic)
            self._count("failed")

    def _dispatch(self, message: mqtt.MQTTMessage) -> bool:
        """Handle one message; True when it is finished with and may be acknowledged."""
        self._count("received")
        try:
            payload = decode_json_object(bytes(message.payload), field="payload")
            if message.topic == self.events_topic:
                read = parse_frigate_event(payload, clock=self._clock)
            else:
                read = parse_frigate_lpr(payload, clock=self._clock)
        except VendorPayloadError as exc:
            logger.warning("malformed Frigate message on %s: %s", message.topic, exc)
            self._count("malformed")
            return True
        if read is None:
            self._count("ignored")
            return True
        source = read.detection.source_camera or ""
        camera_id = self._cameras.get(source, self._default_camera)
        if camera_id is None:
            logger.warning("Frigate camera %r is not mapped to a node camera; read dropped", source)
            self._count("rejected")
            return True
        try:
            self._on_read(camera_id, read)
        except Exception:
            logger.exception("storing Frigate read %s failed", read.detection.event_id)
            self._count("failed")
            return False
        self._count("stored")
        return True
