"""deploy/caddy/Caddyfile run by a real Caddy in front of a real node (no Docker): the camera
port passes camera ingest and nothing else, browsers get HTTPS, HTTP redirects to it, and the
admin endpoint the compose health check reads answers.

Needs the `caddy` binary (Debian's package); the addresses Docker gives (ports 80/443/8081,
upstream `node:8080`) are replaced by free loopback ports, nothing else in the file changes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import free_port
from tests.deploy.conftest import CADDYFILE
from tests.e2e.harness import Service, edgesync, wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("caddy") is None, reason="caddy is not installed"),
]

READ = {"plate": "AB123CD", "captured_at": "2026-12-01T10:00:00Z", "event_id": "e-1"}


@dataclass
class Stack:
    camera_port: int
    http_port: int
    https_port: int
    admin_port: int
    camera_key: str

    def camera(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        url = f"http://127.0.0.1:{self.camera_port}{path}"
        return httpx.request(method, url, timeout=10, **kwargs)  # type: ignore[arg-type]


def caddyfile_for_loopback(upstream: int, stack: Stack) -> str:
    """The real Caddyfile with Docker's addresses swapped for loopback ones."""
    text = CADDYFILE.read_text()
    assert text.count("node:8080") == 2 and text.count("http://:8081 {") == 1
    text = text.replace("node:8080", f"127.0.0.1:{upstream}")
    text = text.replace("http://:8081 {", f"http://:{stack.camera_port} {{")
    ports = (
        f"\thttp_port {stack.http_port}\n\thttps_port {stack.https_port}\n"
        f"\tadmin 127.0.0.1:{stack.admin_port}\n"
    )
    return text.replace("\n{\n", "\n{\n" + ports, 1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("proxy")
    env = {**os.environ, "EDGESYNC_NODE_DATA_DIR": str(root / "node")}
    key = edgesync("node", "add-camera", "gate-1", "--json", env=env)["api_key"]
    node = Service("node", ["node", "serve", "--no-agent"], env, root / "node.log", free_port())
    node.start()
    ports = [free_port() for _ in range(4)]
    stack = Stack(*ports, camera_key=key)
    config = root / "Caddyfile"
    config.write_text(caddyfile_for_loopback(node.port, stack))
    caddy_env = {
        **os.environ,
        "SITE_ADDRESS": "localhost",
        "HOME": str(root),
        "XDG_DATA_HOME": str(root / "caddy-data"),
        "XDG_CONFIG_HOME": str(root / "caddy-config"),
    }
    log = (root / "caddy.log").open("wb")
    caddy = subprocess.Popen(
        ["caddy", "run", "--config", str(config), "--adapter", "caddyfile"],
        env=caddy_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: httpx.get(f"http://127.0.0.1:{stack.admin_port}/config/").status_code == 200,
            timeout=30,
            what="caddy's admin endpoint",
        )
        yield stack
    finally:
        caddy.terminate()
        caddy.wait(15)
        log.close()
        node.stop()


def test_a_camera_posts_a_read_over_plain_http(stack: Stack):
    response = stack.camera(
        "POST",
        "/api/v1/detections",
        json=READ,
        headers={"Authorization": f"Bearer {stack.camera_key}"},
    )
    assert response.status_code in (200, 201), response.text
    assert response.json()["plate_norm"] == "AB123CD"


def test_a_vendor_camera_reaches_its_ingest_path_over_plain_http(stack: Stack):
    event = {"data_type": "heartbeat", "agent_uid": "agent-1", "video_streams": []}
    response = stack.camera(
        "POST",
        "/api/v1/ingest/openalpr",
        content=json.dumps(event),
        headers={"X-API-Key": stack.camera_key, "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/detections"),  # the reading API: tokens would travel in clear
        ("GET", "/"),
        ("POST", "/sign-in"),
        ("GET", "/api/v1/status"),
        ("GET", "/metrics"),
        ("POST", "/api/v1/cameras"),
        ("GET", "/healthz"),
    ],
)
def test_the_camera_port_answers_404_to_everything_else(stack: Stack, method: str, path: str):
    response = stack.camera(method, path, headers={"Authorization": f"Bearer {stack.camera_key}"})
    assert (response.status_code, response.text) == (404, "not a camera endpoint")


def test_browsers_get_the_web_app_over_https(stack: Stack):
    # Caddy's internal CA is not trusted here; the certificate is not what is under test.
    response = httpx.get(f"https://localhost:{stack.https_port}/sign-in", verify=False)
    assert response.status_code == 200
    assert "Sign in" in response.text


def test_plain_http_for_browsers_redirects_to_https(stack: Stack):
    response = httpx.get(
        f"http://127.0.0.1:{stack.http_port}/search", headers={"Host": "localhost"}
    )
    assert response.status_code in (301, 308)
    # Caddy leaves the port out of the redirect here (443 in production).
    assert re.fullmatch(r"https://localhost(:\d+)?/search", response.headers["location"])


def test_the_admin_url_of_the_proxy_healthcheck_answers(stack: Stack, compose: dict[str, Any]):
    (url,) = [a for a in compose["services"]["proxy"]["healthcheck"]["test"] if "://" in a]
    assert url.startswith("http://127.0.0.1:2019/")  # Caddy's default admin address
    response = httpx.get(url.replace(":2019/", f":{stack.admin_port}/"), timeout=5)
    assert response.status_code == 200
