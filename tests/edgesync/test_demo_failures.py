"""When the demo cannot run it says why, names the log that shows it, and keeps that log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from edgesync.demo_procs import Child, explain_exit

BUSY = "(another edgesync cloud?); use --cloud-port 0 or stop it"
UVICORN_BIND_ERROR = (
    "ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 8090): "
    "address already in use"
)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def run_demo(tmp_path: Path, cloud_port: int, *code: str) -> subprocess.CompletedProcess[str]:
    """Run the demo in a child Python, after ``code`` (to stub one of its checks)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    env["TMPDIR"] = str(tmp_path)
    script = "\n".join([*code, "from edgesync.cli import main", "main()"])
    args = ["demo", "--sites", "1", "--cameras", "1", "--duration", "5"]
    return subprocess.run(
        [sys.executable, "-c", script, *args, "--cloud-port", str(cloud_port)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def exited(log: Path, port: int | None, advice: str = BUSY) -> Child:
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    proc.wait()
    return Child(proc=proc, what="cloud serve", log=log, port=port, busy_advice=advice)


def test_a_busy_cloud_port_is_named_before_anything_starts(tmp_path: Path, taken_port: int):
    out = run_demo(tmp_path, taken_port)
    assert out.returncode == 1
    assert out.stderr.strip() == f"Error: port {taken_port} is in use {BUSY}"
    assert not list(tmp_path.iterdir())


def test_a_child_that_could_not_bind_is_explained_as_a_busy_port(tmp_path: Path):
    log = tmp_path / "cloud.log"
    log.write_text(f"starting\n{UVICORN_BIND_ERROR}\n")
    message = explain_exit(exited(log, 8090))
    assert message.startswith(
        f"cloud serve exited early (exit code 1): port 8090 is in use {BUSY}; {log} ends:"
    )


def test_an_early_exit_quotes_the_end_of_the_log(tmp_path: Path):
    log = tmp_path / "cloud.log"
    log.write_text("".join(f"line {i}\n" for i in range(1, 31)))
    message = explain_exit(exited(log, None))
    assert message.splitlines()[1:] == [f"    line {i}" for i in range(16, 31)]


def test_a_failed_run_keeps_its_folder_and_names_the_log_that_explains(
    tmp_path: Path, taken_port: int
):
    # The pre-start check is stubbed so the cloud itself meets the busy port.
    out = run_demo(
        tmp_path, taken_port, "import edgesync.demo", "edgesync.demo.port_in_use = lambda *a: False"
    )
    assert out.returncode == 1
    [kept] = tmp_path.iterdir()
    assert f"kept in {kept}" in out.stderr
    assert f"port {taken_port} is in use {BUSY}; {kept / 'cloud.log'} ends:" in out.stderr
    assert "address already in use" in (kept / "cloud.log").read_text()
