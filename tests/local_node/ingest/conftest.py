"""A real Mosquitto broker for the MQTT tests (the listener's own and the node's end to end)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
HAVE_MOSQUITTO = Path(MOSQUITTO).exists()
WAIT = 20.0


def wait_for(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll `condition` until it holds or `timeout` passes; return its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


class Broker:
    """A Mosquitto process on a fixed port that a test can kill and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.config = workdir / "mosquitto.conf"
        # No persistence: a restarted broker has forgotten every session and subscription,
        # which is the case the listener must survive by subscribing again.
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [MOSQUITTO, "-c", str(self.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if not wait_for(self._accepts, timeout=10):
            raise RuntimeError("mosquitto did not start listening")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    """A running Mosquitto on loopback, killed after the test."""
    server = Broker(tmp_path)
    server.start()
    yield server
    server.kill()
