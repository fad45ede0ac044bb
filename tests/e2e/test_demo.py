"""`edgesync demo` runs the whole system, reports what happens, and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

pytestmark = pytest.mark.e2e


def demo(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    return subprocess.Popen(
        [sys.executable, "-m", "edgesync", "demo", "--cloud-port", "0", "--rate", "120", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


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
