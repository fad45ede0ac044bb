"""`edgesync demo` runs the whole system, reports what happens, and stops cleanly."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from bench.pages.forms import sign_in
from tests.e2e.harness import demo_logins, read_banner
from tests.e2e.harness import start_demo as demo

pytestmark = pytest.mark.e2e


Running = tuple[subprocess.Popen, list[psutil.Process], str]


@pytest.fixture
def running_demo(tmp_path: Path) -> Iterator[Running]:
    """A one-site demo that has printed its banner, its long-running children, the banner."""
    proc = demo("--sites", "1", "--cameras", "1", tmp=tmp_path)
    banner = read_banner(proc, tmp_path / "demo.err")
    children = psutil.Process(proc.pid).children(recursive=True)
    try:
        assert len(children) == 3  # cloud, node, camera simulator
        yield proc, children, banner
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
    assert [login.what for login in demo_logins(out)] == ["cloud", "site-a", "site-b"]
    assert "hits" in err and "stopped." in err
    assert "messages sent" in err and "(acknowledged " in err
    reports = [line for line in err.splitlines() if "site-a:" in line and "reads" in line]
    assert reports, err[-3000:]
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]


def test_the_printed_logins_sign_in_to_both_dashboards(running_demo: Running):
    *_, banner = running_demo
    logins = demo_logins(banner)
    assert [login.what for login in logins] == ["cloud", "site-a"], banner
    for login in logins:
        with httpx.Client(base_url=login.url, timeout=30) as browser:
            landed = sign_in(browser, login.username, login.password)
            home = browser.get(landed)
        assert home.status_code == 200, (login, home.text[:500])
        assert "Sign out" in home.text and login.username in home.text


def test_closing_the_terminal_stops_every_child_and_removes_the_folder(
    running_demo: Running, tmp_path: Path
):
    proc, children, _ = running_demo
    proc.send_signal(signal.SIGHUP)
    proc.wait(timeout=60)
    assert not still_running(children, within=5)
    assert [p.name for p in tmp_path.iterdir()] == ["demo.err"]


def test_children_die_with_a_killed_demo(running_demo: Running):
    proc, children, _ = running_demo
    proc.kill()
    proc.wait(timeout=10)
    assert not still_running(children, within=10)
