"""`edgesync demo` runs the whole system, reports what happens, and stops cleanly."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.e2e


def demo(*args: str, tmp: Path | None = None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    if tmp is not None:
        env["TMPDIR"] = str(tmp)  # where the demo's temporary folder goes
    return subprocess.Popen(
        [sys.executable, "-m", "edgesync", "demo", "--cloud-port", "0", "--rate", "120", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE if tmp is None else (tmp / "demo.err").open("w"),
        text=True,
    )


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, list[psutil.Process]]]:
    """A one-site demo that has printed its banner, and its long-running children."""
    proc = demo("--sites", "1", "--cameras", "1", tmp=tmp_path)
    assert proc.stdout is not None
    for line in proc.stdout:
        if "Press Ctrl-C to stop." in line:
            break
    else:
        raise AssertionError((tmp_path / "demo.err").read_text()[-3000:])
    children = psutil.Process(proc.pid).children(recursive=True)
    try:
        assert len(children) == 3  # cloud, node, camera simulator
        yield proc, children
    finally:  # a failing test must not leave the demo's processes behind
        proc.kill()
        proc.wait(10)
        for child in children:
            with contextlib.suppress(psutil.NoSuchProcess):
                child.kill()


def still_running(procs: list[psutil.Process], within: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=within)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def test_demo_runs_syncs_and_stops_on_ctrl_c():
    proc = demo("--sites", "2", "--cameras", "2")
    children: list[psutil.Process] = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(children) < 5:
        children = psutil.Process(proc.pid).children(recursive=True)
        time.sleep(0.5)
    time.sleep(25)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err[-3000:]
    assert "cloud API" in out and "site-a" in out and "site-b" in out
    assert "hits" in err and "stopped." in err
    assert "messages sent" in err and "(acknowledged " in err
    reports = [line for line in err.splitlines() if "site-a:" in line and "reads" in line]
    assert reports, err[-3000:]
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_closing_the_terminal_stops_every_child_and_removes_the_folder(
    running_demo: tuple[subprocess.Popen, list[psutil.Process]], tmp_path: Path
):
    proc, children = running_demo
    proc.send_signal(signal.SIGHUP)
    proc.wait(timeout=60)
    assert not still_running(children, within=5)
    assert [p.name for p in tmp_path.iterdir()] == ["demo.err"]


def test_children_die_with_a_killed_demo(
    running_demo: tuple[subprocess.Popen, list[psutil.Process]],
):
    proc, children = running_demo
    proc.kill()
    proc.wait(timeout=10)
    assert not still_running(children, within=10)
