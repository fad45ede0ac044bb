"""An ingest URL's token never reaches the node's logs or metrics (a real node process).

The node runs as its own process with the uvicorn configuration `node serve` uses
(``local_node.api.server.server_config``), the access log turned on (`node serve` logs
uvicorn from WARNING up, so its access lines are off; here they are on, to show that even
they hold the path without the token). The camera and its URL come from the real CLI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port
from tests.local_node.conftest import _cli_json

PAYLOADS = Path(__file__).parent / "ingest" / "vendors" / "payloads"

SERVE_WITH_ACCESS_LOG = """
import sys, uvicorn
from local_node.api.server import server_config
from local_node.cli.options import settings_from
from local_node.main import create_app
from sync_protocol.log_format import configure
configure("INFO", "text")
settings = settings_from(port=int(sys.argv[1]))
uvicorn.Server(server_config(create_app(settings), settings, log_level="info")).run()
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    return clean | {
        "EDGESYNC_NODE_DATA_DIR": str(tmp_path / "node"),
        "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
        "EDGESYNC_NODE_METRICS_PUBLIC": "true",
    }


@pytest.fixture
def node_url(env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A node process with its access log on; yields its URL and its log file."""
    _cli_json(env, "add-camera", "gate", "--json")  # migrates the database first
    port = free_port()
    log = tmp_path / "node.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE_WITH_ACCESS_LOG, str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(log.read_text()[-3000:]) from None
                time.sleep(0.1)
        yield url, log
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_url_token_appears_in_no_log_line_and_no_metric(
    env: dict[str, str], node_url: tuple[str, Path]
):
    url, log = node_url
    token = _cli_json(env, "cameras", "ingest-url", "gate", "--json")["url_token"]
    wrong = "esu_" + "w" * 43
    event = json.loads((PAYLOADS / "platerecognizer" / "stream_recognition_mmc.json").read_text())

    stored = httpx.post(f"{url}/api/v1/ingest/platerecognizer/k/{token}", json=event)
    refused = httpx.post(f"{url}/api/v1/ingest/platerecognizer/k/{wrong}", json=event)
    invalid = httpx.post(f"{url}/api/v1/ingest/platerecognizer/k/{token}", json={"x": 1})
    no_route = httpx.post(f"{url}/api/v1/ingest/nosuchvendor/k/{token}", json=event)
    metrics = httpx.get(f"{url}/metrics").text

    assert [r.status_code for r in (stored, refused, invalid, no_route)] == [201, 401, 422, 404]
    for r in (refused, invalid, no_route):
        assert token not in r.text and wrong not in r.text
    assert token not in metrics and "/k/" not in metrics
    assert 'route="/api/v1/ingest/platerecognizer"' in metrics
    text = log.read_text()
    assert '"POST /api/v1/ingest/platerecognizer HTTP/1.1" 201' in text  # the access log is on
    assert '"POST /api/v1/ingest/nosuchvendor HTTP/1.1" 404' in text
    assert token not in text and wrong not in text and "/k/" not in text
