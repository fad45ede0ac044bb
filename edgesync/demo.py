"""`edgesync demo`: the whole hybrid system on one machine, as real processes.

One cloud plane (self-hosted mode), N sites each with a local node enrolled in it, and
simulated cameras posting real JPEGs, some of them of plates on the hotlist. Everything is
started through the same commands an operator would use, so the demo exercises the product
rather than a special path. Ctrl-C, closing the terminal, SIGTERM (or --duration) stops every
process and removes the temporary folder; a failed run keeps it, naming the log that explains.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import click
import httpx

from edgesync.demo_procs import Child, explain_exit, port_busy, port_in_use, spawn, stop_all

DEMO_PASSWORD = "edgesync-demo"
DEMO_USER = "admin@demo.local"
HOTLIST = [
    ("stolen", "AB12CDE", "Stolen vehicle (demo)", 3),
    ("wanted", "KX71ABC", "Wanted in connection with an incident (demo)", 2),
    ("watch", "M-AB1234", "Watch list (demo)", 1),
]


@dataclass
class Site:
    """One demo site: its node process and what it needs."""

    name: str
    site_id: str
    data_dir: Path
    port: int
    token: str = ""
    keys_file: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(*args: str, env: dict[str, str]) -> dict:
    """Run an `edgesync` command that prints one JSON object; fail loudly otherwise."""
    out = subprocess.run(
        [sys.executable, "-m", "edgesync", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise click.ClickException(f"`edgesync {' '.join(args[:2])}` failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


CLOUD_PORT_ADVICE = "(another edgesync cloud?); use --cloud-port 0 or stop it"


class DemoStopped(BaseException):
    """A signal ended the demo (a BaseException, like KeyboardInterrupt: nothing swallows it)."""


def _wait_healthy(url: str, child: Child, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise click.ClickException(explain_exit(child))
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"{child.what} at {url} did not become healthy; see {child.log}")


def _say(message: str) -> None:
    """Echo to stderr unless it is gone (the terminal was closed: SIGHUP)."""
    with contextlib.suppress(OSError):
        click.echo(message, err=True)


@click.command()
@click.option(
    "--sites",
    default=2,
    show_default=True,
    type=click.IntRange(1, 10),
    help="How many sites (each a local node) to run.",
)
@click.option(
    "--cameras",
    default=4,
    show_default=True,
    type=click.IntRange(1, 50),
    help="Simulated cameras per site.",
)
@click.option(
    "--rate",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="Reads per minute per camera.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep everything here (default: a temporary folder, removed at the end of a good run; "
    "a failed run keeps it for its logs).",
)
@click.option("--duration", type=click.FloatRange(min=1), help="Stop after this many seconds.")
@click.option(
    "--cloud-port",
    default=8090,
    show_default=True,
    type=int,
    help="Port of the cloud plane (0 = any free port).",
)
def demo(
    sites: int,
    cameras: int,
    rate: float,
    data_dir: Path | None,
    duration: float | None,
    cloud_port: int,
) -> None:
    """Run the whole hybrid system on one machine: a cloud plane, sites, simulated cameras."""
    if cloud_port and port_in_use(cloud_port):
        raise click.ClickException(port_busy(cloud_port, CLOUD_PORT_ADVICE))
    tmp = None
    if data_dir is None:
        # Not a TemporaryDirectory: a failed run keeps the folder so its logs can be read.
        tmp = data_dir = Path(tempfile.mkdtemp(prefix="edgesync-demo-"))
    data_dir.mkdir(parents=True, exist_ok=True)
    children: list[Child] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        if not stopping:  # once: a second Ctrl-C must not interrupt the clean-up
            stopping = True
            raise DemoStopped(signum)

    # SIGHUP too: closing the terminal must stop the children and remove the folder.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    failed = True
    try:
        _run(data_dir, sites, cameras, rate, duration, cloud_port, children)
        failed = False
    except DemoStopped:
        failed = False
    finally:
        stopping = True
        _say("stopping...")
        stop_all(children)
        if tmp is not None and not failed:
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp is not None:
            _say(f"the failed run's data and logs are kept in {tmp} (remove it when done)")
        _say("stopped.")


def _run(
    data_dir: Path,
    sites: int,
    cameras: int,
    rate: float,
    duration: float | None,
    cloud_port: int,
    children: list[Child],
) -> None:
    """Start everything, then report every 5 s until --duration (a signal raises DemoStopped)."""
    cloud_url, token, site_list = _start(data_dir, sites, cameras, rate, cloud_port, children)
    click.echo(
        f"\nedgesync demo is running (data in {data_dir})\n"
        f"  cloud API       : {cloud_url}/docs   login {DEMO_USER} / {DEMO_PASSWORD}"
        f" (POST /api/v1/auth/login)\n"
        + "".join(f"  site {s.name:<8}: {s.url}/docs   (token {s.token})\n" for s in site_list)
        + f"  alert messages  : {data_dir / 'cloud' / 'alerts' / 'messages.jsonl'}"
        " (file channel: SMS and email as sent)\n"
        + "  hotlist plates  : "
        + ", ".join(p for _, p, _, _ in HOTLIST)
        + "\nPress Ctrl-C to stop.\n"
    )
    started = time.monotonic()
    while duration is None or time.monotonic() - started < duration:
        for child in children:
            if child.proc.poll() is not None:
                raise click.ClickException(explain_exit(child))
        _report(cloud_url, token, site_list, data_dir / "cloud" / "alerts" / "messages.jsonl")
        time.sleep(5)


def _start(
    data_dir: Path,
    n_sites: int,
    cameras: int,
    rate: float,
    cloud_port: int,
    children: list[Child],
) -> tuple[str, str, list[Site]]:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
    base_env["EDGESYNC_LOG_LEVEL"] = "WARNING"
    cloud_env = {**base_env, "EDGESYNC_CLOUD_DATA_DIR": str(data_dir / "cloud")}
    port = cloud_port or _free_port()
    cloud_url = f"http://127.0.0.1:{port}"
    cloud_env["EDGESYNC_CLOUD_PUBLIC_URL"] = cloud_url
    messages_file = data_dir / "cloud" / "alerts" / "messages.jsonl"
    cloud_env["EDGESYNC_CLOUD_ALERT_FILE_PATH"] = str(messages_file)
    _cli(
        "cloud",
        "create-user",
        DEMO_USER,
        "--role",
        "admin",
        "--password",
        DEMO_PASSWORD,
        "--json",
        env=cloud_env,
    )
    site_list = []
    for i in range(n_sites):
        name = f"site-{chr(ord('a') + i)}"
        created = _cli("cloud", "create-site", name, "--json", env=cloud_env)
        site_list.append(
            Site(name=name, site_id=created["site_id"], data_dir=data_dir / name, port=_free_port())
        )
        site_list[-1].token = created["enrollment_code"]  # replaced by a node token below
    cloud = spawn(
        ["cloud", "serve", "--port", str(port)],
        cloud_env,
        data_dir / "cloud.log",
        "cloud serve",
        port=port,
        busy_advice=CLOUD_PORT_ADVICE,
    )
    children.append(cloud)
    _wait_healthy(cloud_url, cloud)
    click.echo(f"cloud plane up at {cloud_url}", err=True)
    token = httpx.post(
        f"{cloud_url}/api/v1/auth/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD}
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for list_name, plate, reason, priority in HOTLIST:
        r = httpx.put(
            f"{cloud_url}/api/v1/hotlist/{list_name}/{plate}",
            json={"reason": reason, "priority": priority},
            headers=auth,
        )
        r.raise_for_status()
    # A duty officer who gets every hit by SMS and email; in the embedded default both
    # channels are the file channel, so the messages land in cloud/alerts/messages.jsonl.
    httpx.put(
        f"{cloud_url}/api/v1/recipients/duty",
        json={"name": "Duty Officer", "phone": "+447700900123", "email": "duty@demo.local"},
        headers=auth,
    ).raise_for_status()
    httpx.put(
        f"{cloud_url}/api/v1/recipients/duty/subscriptions/all-hits",
        json={"channels": ["sms", "email"], "kinds": ["hit"]},
        headers=auth,
    ).raise_for_status()
    for site in site_list:
        env = {
            **base_env,
            "EDGESYNC_NODE_DATA_DIR": str(site.data_dir),
            "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
        }
        keys = {}
        for c in range(cameras):
            cam = _cli("node", "add-camera", f"{site.name}-cam{c + 1}", "--json", env=env)
            keys[f"{site.name}-cam{c + 1}"] = cam["api_key"]
        site.keys_file = site.data_dir / "camera-keys.json"
        site.keys_file.write_text(json.dumps(keys))
        site.keys_file.chmod(0o600)
        _cli("node", "enroll", "--cloud", cloud_url, "--code", site.token, "--json", env=env)
        site.token = _cli("node", "create-token", "--role", "admin", "--json", env=env)["token"]
        node = spawn(
            ["node", "serve", "--port", str(site.port)],
            env,
            site.data_dir / "node.log",
            f"{site.name} node serve",
            port=site.port,
        )
        children.append(node)
        _wait_healthy(site.url, node)
        click.echo(f"{site.name} node up at {site.url}, enrolled as {site.site_id}", err=True)
        children.append(
            spawn(
                [
                    "camera",
                    "simulate",
                    "--node",
                    site.url,
                    "--keys-file",
                    str(site.keys_file),
                    "--rate",
                    str(rate),
                    "--image-size",
                    "30000",
                    "--hotlist-plates",
                    ",".join(p for _, p, _, _ in HOTLIST),
                    "--hotlist-share",
                    "0.03",
                ],
                env,
                site.data_dir / "cameras.log",
                f"{site.name} camera simulate",
            )
        )
    return cloud_url, token, site_list


def _report(cloud_url: str, token: str, sites: list[Site], messages: Path) -> None:
    """One line: reads and sync lag per site, hits the cloud holds."""
    parts = []
    for site in sites:
        try:
            status = httpx.get(
                f"{site.url}/api/v1/status",
                headers={"Authorization": f"Bearer {site.token}"},
                timeout=2,
            ).json()
            sync = status.get("sync", {})
            lag = sync.get("backlog_oldest_age_s")
            parts.append(
                f"{site.name}: {status.get('detections', '?')} reads, "
                f"backlog {sync.get('backlog_count', '?')}" + (f" ({lag:.0f}s)" if lag else "")
            )
        except (httpx.HTTPError, ValueError):
            parts.append(f"{site.name}: unreachable")
    try:
        hits = httpx.get(
            f"{cloud_url}/api/v1/hits",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {token}"},
            timeout=2,
        ).json()["items"]
        latest = hits[0] if hits else None
        parts.append(
            f"cloud: {len(hits)}{'+' if len(hits) == 1000 else ''} hits"
            + (f", latest {latest.get('plate')} on {latest.get('list')}" if latest else "")
        )
    except (httpx.HTTPError, ValueError, KeyError):
        parts.append("cloud: unreachable")
    parts.append(_alerts_line(cloud_url, token, messages))
    click.echo(time.strftime("%H:%M:%S ") + " | ".join(parts), err=True)


def _alerts_line(cloud_url: str, token: str, messages: Path) -> str:
    """Alerts raised, messages handed to the channel, and the demo's acknowledgement."""
    auth = {"Authorization": f"Bearer {token}"}
    try:
        alerts = httpx.get(
            f"{cloud_url}/api/v1/alerts", params={"limit": 100}, headers=auth, timeout=2
        ).json()["items"]
    except (httpx.HTTPError, ValueError, KeyError):
        return "alerts: unreachable"
    sent = len(messages.read_text().splitlines()) if messages.exists() else 0
    acked = [a for a in alerts if a.get("acked_by")]
    note = ""
    hits = [a for a in alerts if a["kind"] == "hit"]
    if hits and not acked:
        # The demo plays the operator once: acknowledge the oldest hit alert.
        oldest = hits[-1]
        r = httpx.post(f"{cloud_url}/api/v1/alerts/{oldest['alert_id']}/ack", headers=auth)
        if r.status_code == 200:
            note = f" (acknowledged {oldest['plate']} alert as {r.json()['acked_by']})"
            acked = [oldest]
    return f"alerts: {len(alerts)} raised, {sent} messages sent, {len(acked)} acknowledged{note}"
