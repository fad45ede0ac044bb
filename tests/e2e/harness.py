"""Real processes for end-to-end tests: a cloud plane and local nodes, driven by the CLI."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.conftest import free_port

PASSWORD = "e2e-password-123"


def edgesync(*args: str, env: dict[str, str]) -> dict:
    """Run an `edgesync` command that prints one JSON object."""
    out = subprocess.run(
        [sys.executable, "-m", "edgesync", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if out.returncode != 0:
        raise RuntimeError(f"edgesync {' '.join(args)} failed: {out.stderr}")
    return json.loads(out.stdout) if "--json" in args else {"stdout": out.stdout}


def wait_for(
    predicate: Callable[[], object],
    timeout: float = 30,
    every: float = 0.1,
    what: str = "condition",
) -> object:
    """Poll until predicate() is truthy; return its value or fail naming `what`."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except (httpx.HTTPError, ValueError, KeyError):
            last = None
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass
class Service:
    """One long-running `edgesync ... serve` process."""

    name: str
    args: list[str]
    env: dict[str, str]
    log: Path
    port: int
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "edgesync", *self.args, "--port", str(self.port)],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(self._healthy, timeout=60, what=f"{self.name} to be healthy")

    def _healthy(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited: {self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def kill(self) -> None:
        """SIGKILL: a crash or a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM: a clean shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@dataclass
class Cloud(Service):
    """The cloud plane in self-hosted mode."""

    _token: str | None = None

    def create_site(self, name: str) -> tuple[str, str]:
        out = edgesync("cloud", "create-site", name, "--json", env=self.env)
        return out["site_id"], out["enrollment_code"]

    def token(self) -> str:
        if self._token is None:
            r = httpx.post(
                f"{self.url}/api/v1/auth/login",
                json={"username": "admin@e2e", "password": PASSWORD},
            )
            r.raise_for_status()
            self._token = r.json()["access_token"]
        return self._token

    def api(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.token()}"}
        )

    def create_user(self, email: str, role: str, sites: Sequence[str] = ()) -> dict:
        """A staff user (``cloud create-user``); returns its username and generated password."""
        return edgesync(
            "cloud", "create-user", email, "--role", role, "--sites", ",".join(sites), "--json",
            env=self.env,
        )  # fmt: skip

    def detection_ids(self, site_id: str) -> list[str]:
        """Every detection id the cloud holds for a site (all pages)."""
        ids: list[str] = []
        cursor = None
        with self.api() as api:
            while True:
                params = {
                    "site_id": site_id,
                    "limit": 1000,
                    **({"cursor": cursor} if cursor else {}),
                }
                r = api.get("/api/v1/detections", params=params)
                r.raise_for_status()
                body = r.json()
                ids += [i["id"] for i in body["items"]]
                cursor = body.get("next_cursor")
                if not cursor:
                    return ids


@dataclass
class Node(Service):
    """A local node at one site, enrolled in the cloud."""

    site_id: str = ""
    camera_key: str = ""
    admin_token: str = ""
    acked: dict[str, str] = field(default_factory=dict)  # event_id -> detection id

    def camera(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.camera_key}"}
        )

    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {self.admin_token}"}
        )

    def read(self, plate: str, event_id: str | None = None, image: bytes | None = None) -> dict:
        """Post one read (with a JPEG ``image``: multipart); remember it if acknowledged."""
        body = {"plate": plate, "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if event_id:
            body["event_id"] = event_id
        with self.camera() as cam:
            if image is None:
                r = cam.post("/api/v1/detections", json=body)
            else:
                r = cam.post(
                    "/api/v1/detections",
                    files={
                        "metadata": (None, json.dumps(body), "application/json"),
                        "image": ("gate.jpg", image, "image/jpeg"),
                    },
                )
        assert r.status_code in (200, 201), r.text
        answer = r.json()
        self.acked[event_id or answer["id"]] = answer["id"]
        return answer

    def create_user(self, name: str, role: str = "admin") -> dict:
        """A local web app user (``node create-user``): {"username", "password", "role"}."""
        return edgesync("node", "create-user", name, "--role", role, "--json", env=self.env)

    def status(self) -> dict:
        with self.admin() as admin:
            return admin.get("/api/v1/status").json()

    def backlog(self) -> int:
        return self.status()["sync"]["backlog_count"]


class Hybrid:
    """A cloud plane and nodes, all real processes on loopback."""

    def __init__(
        self,
        root: Path,
        *,
        node_env: dict[str, str] | None = None,
        cloud_env: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        base = {k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")}
        base["EDGESYNC_LOG_LEVEL"] = "INFO"
        self.base_env = base
        self.node_env = {
            "EDGESYNC_NODE_MIN_FREE_BYTES": "0",
            "EDGESYNC_NODE_SYNC_PUSH_INTERVAL_S": "0.5",
            "EDGESYNC_NODE_SYNC_HOTLIST_INTERVAL_S": "0.5",
            "EDGESYNC_NODE_SYNC_HEARTBEAT_INTERVAL_S": "2",
            "EDGESYNC_NODE_SYNC_BACKOFF_BASE_S": "0.2",
            "EDGESYNC_NODE_SYNC_BACKOFF_CAP_S": "1",
            "EDGESYNC_NODE_SYNC_TIMEOUT_S": "5",
            **(node_env or {}),
        }
        cloud_env = {**base, "EDGESYNC_CLOUD_DATA_DIR": str(root / "cloud"), **(cloud_env or {})}
        edgesync(
            "cloud",
            "create-user",
            "admin@e2e",
            "--role",
            "admin",
            "--password",
            PASSWORD,
            "--json",
            env=cloud_env,
        )
        self.cloud = Cloud(
            name="cloud",
            args=["cloud", "serve"],
            env=cloud_env,
            log=root / "cloud.log",
            port=free_port(),
        )
        self.nodes: list[Node] = []
        self.agents: list[subprocess.Popen] = []

    def start_cloud(self) -> Cloud:
        self.cloud.start()
        return self.cloud

    def add_node(
        self,
        name: str,
        *,
        cloud_url: str | None = None,
        separate_agent: bool = False,
        env: dict[str, str] | None = None,
    ) -> Node:
        """Create a site in the cloud, a node enrolled in it, and start the node.

        With `separate_agent`, the node serves with --no-agent and `edgesync node agent` runs
        beside it, as in docker-compose.local.yml.
        """
        site_id, code = self.cloud.create_site(name)
        data = self.root / name
        node_env = {**self.node_env, **(env or {})}
        env = {**self.base_env, **node_env, "EDGESYNC_NODE_DATA_DIR": str(data)}
        key = edgesync("node", "add-camera", f"{name}-gate", "--json", env=env)["api_key"]
        token = edgesync("node", "create-token", "--role", "admin", "--json", env=env)["token"]
        edgesync(
            "node",
            "enroll",
            "--cloud",
            cloud_url or self.cloud.url,
            "--code",
            code,
            "--json",
            env=env,
        )
        node = Node(
            name=name,
            args=["node", "serve", "--no-agent"] if separate_agent else ["node", "serve"],
            env=env,
            log=self.root / f"{name}.log",
            port=free_port(),
            site_id=site_id,
            camera_key=key,
            admin_token=token,
        )
        node.start()
        self.nodes.append(node)
        if separate_agent:
            self.agents.append(
                subprocess.Popen(
                    [sys.executable, "-m", "edgesync", "node", "agent"],
                    env=env,
                    stdout=(self.root / f"{name}-agent.log").open("ab"),
                    stderr=subprocess.STDOUT,
                )
            )
        return node

    def stop(self) -> None:
        for agent in self.agents:
            agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(20)
            except subprocess.TimeoutExpired:
                agent.kill()
        for node in self.nodes:
            node.stop()
        self.cloud.stop()

    def assert_cloud_holds_exactly(self, node: Node, timeout: float = 60) -> None:
        """The cloud holds exactly the node's acknowledged reads, each once; backlog zero."""
        expected = sorted(set(node.acked.values()))
        wait_for(lambda: node.backlog() == 0, timeout=timeout, what=f"{node.name} backlog 0")
        held = wait_for(
            lambda: (
                (ids := self.cloud.detection_ids(node.site_id))
                and sorted(set(ids)) == expected
                and ids
            ),
            timeout=timeout,
            what=f"cloud to hold {len(expected)} reads of {node.name}",
        )
        assert len(held) == len(set(held)), "a detection is held twice in the cloud"


@dataclass(frozen=True)
class Login:
    """A dashboard and the login `edgesync demo` printed for it."""

    what: str  # "cloud" or the site's name
    url: str
    username: str
    password: str


_BANNER_LOGIN = re.compile(
    r"^\s*(?:(cloud) dashboard|(\S+) web app)\s*: (http\S+)\s+sign in as (\S+) / (\S+)", re.M
)


def demo_logins(banner: str) -> list[Login]:
    """The dashboards and logins in the banner `edgesync demo` prints (cloud first)."""
    return [
        Login(what=cloud or site, url=url.rstrip("/"), username=user, password=password)
        for cloud, site, url, user, password in _BANNER_LOGIN.findall(banner)
    ]


def start_demo(*args: str, tmp: Path | None = None) -> subprocess.Popen:
    """`edgesync demo` on a free cloud port, its banner on stdout (a pipe, as text)."""
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


def read_banner(proc: subprocess.Popen, err_log: Path | None = None) -> str:
    """The demo's banner, read up to its last line ("Press Ctrl-C to stop.")."""
    assert proc.stdout is not None
    banner = []
    for line in proc.stdout:
        banner.append(line)
        if "Press Ctrl-C to stop." in line:
            return "".join(banner)
    tail = err_log.read_text()[-3000:] if err_log and err_log.exists() else ""
    raise AssertionError(f"the demo ended before its banner: {''.join(banner)}{tail}")


def sent_emails(region: str) -> list:
    """The emails moto's SES recorded in ``region`` (a moto server in this process)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages)


def aws_dev_env(endpoint: str, *, region: str, sender: str) -> dict[str, str]:
    """Run `cloud aws-dev-setup` at ``endpoint``; return the cloud's env (AWS_* + its settings)."""
    aws_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EDGESYNC_")},
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }
    settings = edgesync("cloud", "aws-dev-setup", "--sender", sender, "--json", env=aws_env)
    return {
        **{k: v for k, v in aws_env.items() if k.startswith("AWS_")},
        **{k: str(v) for k, v in settings.items()},
    }


def email_stolen_hits_to(api: httpx.Client, email: str, plate: str) -> None:
    """A recipient ``email`` subscribed to the stolen list, and ``plate`` on that list."""
    for path, body in (
        ("/api/v1/recipients/duty", {"name": "Duty officer", "email": email}),
        (
            "/api/v1/recipients/duty/subscriptions/stolen",
            {"channels": ["email"], "lists": ["stolen"]},
        ),
        (f"/api/v1/hotlist/stolen/{plate}", {"reason": "stolen", "priority": 1}),
    ):
        r = api.put(path, json=body)
        assert r.status_code == 200, r.text
