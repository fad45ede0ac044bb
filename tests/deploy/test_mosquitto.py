"""deploy/mosquitto/mosquitto.conf run by a real Mosquitto: every client must sign in.

Only the container's paths and port are swapped for a temporary folder and a free loopback
port, and Mosquitto keeps the test's user (started as root it would switch to `mosquitto`,
who cannot read pytest's private temporary folders); the rest of the file is what the `mqtt`
service runs.
"""

from __future__ import annotations

import getpass
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from tests.deploy.conftest import ROOT
from tests.local_node.ingest.conftest import HAVE_MOSQUITTO, Broker

CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.conf"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not HAVE_MOSQUITTO, reason="mosquitto is not installed"),
]


class SiteBroker(Broker):
    """Mosquitto with the site's configuration, one user `edgesync` in its password file."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        passwd, data = workdir / "passwd", workdir / "data"
        data.mkdir()
        subprocess.run(
            ["mosquitto_passwd", "-c", "-b", str(passwd), "edgesync", "s3cret-pass"], check=True
        )
        text = CONF.read_text()
        for container, here in [
            ("listener 1883\n", f"listener {self.port} 127.0.0.1\n"),
            ("/mosquitto/config/passwd", str(passwd)),
            ("/mosquitto/data/", f"{data}/"),
        ]:
            assert container in text
            text = text.replace(container, here)
        self.config.write_text(f"user {getpass.getuser()}\n{text}")


@pytest.fixture(scope="module")
def site_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SiteBroker]:
    broker = SiteBroker(tmp_path_factory.mktemp("mosquitto"))
    broker.start()
    yield broker
    broker.kill()


def connack(port: int, credentials: tuple[str, str] | None) -> bool:
    """Whether the broker accepts a connection with these credentials (None: anonymous)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    answered = threading.Event()
    accepted: list[bool] = []

    def on_connect(_c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        accepted.append(not getattr(reason, "is_failure", True))
        answered.set()

    client.on_connect = on_connect
    if credentials is not None:
        client.username_pw_set(*credentials)
    client.connect("127.0.0.1", port)
    client.loop_start()
    try:
        assert answered.wait(10), "no CONNACK"
    finally:
        client.loop_stop()
        client.disconnect()
    return accepted[0]


def test_the_broker_accepts_a_user_of_its_password_file(site_broker: SiteBroker):
    assert connack(site_broker.port, ("edgesync", "s3cret-pass"))


def test_the_broker_refuses_anonymous_clients(site_broker: SiteBroker):
    assert not connack(site_broker.port, None)


def test_the_broker_refuses_a_wrong_password(site_broker: SiteBroker):
    assert not connack(site_broker.port, ("edgesync", "guess"))
