"""Run the Frigate MQTT listener inside the node: resolve its cameras and store its reads.

The listener (`local_node.ingest.vendors.mqtt`) knows nothing about the node; this module
maps the configured Frigate camera names to registered node cameras and hands each read
to `ingest_blocking`, so an MQTT read is stored exactly like an HTTP one (same writer,
same idempotency by Frigate's tracked-object id).
"""

from __future__ import annotations

import logging
import math
from typing import Protocol

from sqlalchemy.engine import Engine

from local_node.clock import Clock
from local_node.config import MqttSettings
from local_node.credentials import CachedCredential
from local_node.db import repo
from local_node.ingest.camera_errors import CameraErrors
from local_node.ingest.service import ingest_blocking
from local_node.ingest.vendors import VendorRead
from local_node.ingest.vendors.mqtt import FrigateMqttListener, parse_broker_url
from local_node.ingest.writer import IngestWriter
from local_node.metrics import NodeMetrics

log = logging.getLogger(__name__)

# Below the listener's keepalive x 1.5: a blocked network thread must not lose the session.
STORE_TIMEOUT_S = 20.0
# A reachable broker is subscribed to before the node serves; a down one is retried later.
STARTUP_WAIT_S = 3.0


class MqttHost(Protocol):
    """What the listener needs of the running node; `local_node.services.NodeServices` has it.

    Declared here rather than imported so that ingest does not depend on the composition
    root, which builds the writer.
    """

    @property
    def engine(self) -> Engine: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def writer(self) -> IngestWriter: ...
    @property
    def camera_errors(self) -> CameraErrors: ...
    @property
    def metrics(self) -> NodeMetrics: ...


class MqttConfigError(ValueError):
    """The MQTT settings name a node camera that is not registered, or a bad broker URL."""


def resolve_cameras(
    services: MqttHost, settings: MqttSettings
) -> tuple[dict[str, CachedCredential], str | None]:
    """Frigate name → node camera, and the default camera's id; refuse unknown node cameras."""
    known: dict[str, CachedCredential] = {}
    for cam in repo.list_cameras(services.engine):
        cred = CachedCredential(subject=cam.id, name=cam.name, expires=math.inf)
        known[cam.id] = cred
        known[cam.name] = cred

    def find(node_camera: str, setting: str) -> CachedCredential:
        found = known.get(node_camera)
        if found is None:
            raise MqttConfigError(
                f"{setting} names node camera {node_camera!r}, which is not registered "
                f"(register it with: edgesync node add-camera {node_camera!r})"
            )
        return found

    mapping = {
        frigate: find(node_camera, f"mqtt_cameras[{frigate!r}]")
        for frigate, node_camera in settings.cameras.items()
    }
    default = settings.default_camera
    if default is not None:
        mapping[""] = find(default, "mqtt_default_camera")
    elif not mapping:
        raise MqttConfigError(
            "mqtt_url is set but no camera is: give --mqtt-camera FRIGATE_NAME=NODE_CAMERA "
            "or --mqtt-default-camera NODE_CAMERA"
        )
    return mapping, (mapping[""].subject if default is not None else None)


def start_frigate_listener(
    services: MqttHost, settings: MqttSettings
) -> FrigateMqttListener | None:
    """Start listening when `mqtt_url` is set (None otherwise); raise MqttConfigError early."""
    if not settings.url:
        return None
    try:
        address = parse_broker_url(settings.url)
    except ValueError as exc:
        raise MqttConfigError(str(exc)) from None
    mapping, default_id = resolve_cameras(services, settings)
    by_id = {cred.subject: cred for cred in mapping.values()}
    state = repo.ensure_state(services.engine, services.clock())

    def on_read(camera_id: str, read: VendorRead) -> None:
        result = ingest_blocking(
            services.writer,
            camera=by_id[camera_id],
            detection=read.detection,
            image=read.image,
            image_kind=None,
            timeout=STORE_TIMEOUT_S,
            errors=services.camera_errors,
            refinable=read.refinable,
            preview=read.preview,
        )
        if result.created:
            services.metrics.reads.inc()
        hits = len(result.hits) if result.created else result.new_hits
        if hits:
            services.metrics.hits.inc(hits)

    listener = FrigateMqttListener(
        settings.url,
        on_read=on_read,
        cameras={f: cred.subject for f, cred in mapping.items() if f},
        default_camera=default_id,
        topic_prefix=settings.topic_prefix,
        events=settings.events,
        # Stable per database and distinct per node, so two nodes on one host sharing a
        # broker keep separate sessions (and a restart resumes its own). 23 characters:
        # the most MQTT 3.1.1 obliges every broker to accept.
        client_id="edgesync-" + state.stream_id.replace("-", "")[:14],
        clock=services.clock,
    )
    listener.start()
    log.info(
        "MQTT listener for %s on %s:%s started (%d Frigate cameras mapped%s)",
        ", ".join(listener.topics),
        address.host,
        address.port,
        len(settings.cameras),
        ", others to the default camera" if default_id else "",
    )
    if not listener.wait_subscribed(STARTUP_WAIT_S):
        log.warning(
            "MQTT broker %s:%s not reachable yet; retrying in the background",
            address.host,
            address.port,
        )
    return listener


def stop_frigate_listener(listener: FrigateMqttListener | None) -> None:
    """Disconnect cleanly (reads in flight finish first: paho's loop thread is joined)."""
    if listener is None:
        return
    stats = listener.stats
    listener.stop()
    log.info(
        "MQTT listener stopped (received %d, stored %d, ignored %d, malformed %d, "
        "unmapped %d, failed %d)",
        stats.received,
        stats.stored,
        stats.ignored,
        stats.malformed,
        stats.rejected,
        stats.failed,
    )
