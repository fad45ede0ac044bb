"""`edgesync demo`: the whole hybrid system on one machine, as real processes.

One cloud plane (self-hosted mode), N sites each with a local node enrolled in it, and
simulated cameras posting real JPEGs, some of them of plates on the hotlist. Everything is
started through the same commands an operator would use, so the demo exercises the product
rather than a special path. Ctrl-C (or --duration) stops every process cleanly.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx

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
    procs: list[subprocess.Popen] = field(default_factory=list)

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


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "edgesync", *args],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"{url} exited early; see {log}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise click.ClickException(f"{url} did not become healthy; see {log}")


def _describe(proc: subprocess.Popen) -> str:
    """Return the demo's words for a process: its command after the interpreter."""
    args = proc.args
    return " ".join(map(str, args[3:5])) if isinstance(args, list) else str(args)


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()


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
    help="Keep everything here (default: a temporary folder, removed at the end).",
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
    tmp = None
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="edgesync-demo-")
        data_dir = Path(tmp.name)
    data_dir.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        cloud_url, token, site_list = _start(data_dir, sites, cameras, rate, cloud_port, procs)
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
        while not stopping and (duration is None or time.monotonic() - started < duration):
            for proc in procs:
                if proc.poll() is not None:
                    raise click.ClickException(f"a demo process exited ({_describe(proc)})")
            _report(cloud_url, token, site_list, data_dir / "cloud" / "alerts" / "messages.jsonl")
            for _ in range(50):
                if stopping:
                    break
                time.sleep(0.1)
    finally:
        click.echo("stopping...", err=True)
        _stop(procs[::-1])
        if tmp is not None:
            tmp.cleanup()
        click.echo("stopped.", err=True)


def _start(
    data_dir: Path,
    n_sites: int,
    cameras: int,
    rate: float,
    cloud_port: int,
    procs: list[subprocess.Popen],
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
    log = data_dir / "cloud.log"
    procs.append(_spawn(["cloud", "serve", "--port", str(port)], cloud_env, log))
    _wait_healthy(cloud_url, procs[-1], log)
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
        log = site.data_dir / "node.log"
        procs.append(_spawn(["node", "serve", "--port", str(site.port)], env, log))
        _wait_healthy(site.url, procs[-1], log)
        click.echo(f"{site.name} node up at {site.url}, enrolled as {site.site_id}", err=True)
        procs.append(
            _spawn(
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
