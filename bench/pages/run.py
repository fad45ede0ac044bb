"""Orchestration of one page benchmark run: seed, start the servers, sign in, time, report."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urljoin

import httpx
from sqlalchemy import select

from bench.ingest.procs import Children, install_signal_handlers, progress, wait_http
from bench.ingest.report import write_json
from bench.ingest.run import _clean_env, _cli_json, _code_version, _edgesync, _rmtree
from bench.pages.forms import poll_urls, sign_in
from bench.pages.measure import Timings, search_urls, time_page
from bench.pages.report import evaluate, render
from bench.pages.seed import CloudSeeder, generated_batches, node_batches
from bench.sync import backlog
from edgesync.ports import free_port
from local_node.db.engine import make_engine
from local_node.db.tables import Camera

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "pages.json"
DAY = backlog.CAMERAS * 10 * 1440  # the seed site's day: 20 cameras x 10 reads/min
QUICK_READS = 20_000
PASSWORD = "bench-password-123"
HOTLIST_SIZE = 200


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.pages

    p = argparse.ArgumentParser(
        prog="python -m bench.pages",
        description=bench.pages.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke run: {QUICK_READS:,} reads/site, 10 requests",
    )
    p.add_argument("--reads", type=int, help=f"reads per site (default {DAY:,}: one day)")
    p.add_argument("--requests", type=int, help="timed requests per page (default 50)")
    p.add_argument(
        "--page-seconds",
        type=float,
        default=60.0,
        help="stop timing a page after this long (at least 5 requests; default 60)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = p.parse_args(argv)
    args.reads = args.reads or (QUICK_READS if args.quick else DAY)
    args.requests = args.requests or (10 if args.quick else 50)
    if args.reads < 1 or args.requests < 1:
        p.error("--reads and --requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run everything once; 0 when the run completed (targets are reported, not asserted)."""
    args = parse_args(argv)
    install_signal_handlers()
    children = Children()
    tmp = Path(tempfile.mkdtemp(prefix="edgesync-bench-pages-"))
    try:
        report = PagesBench(args, children, tmp).run()
    except KeyboardInterrupt:
        progress("interrupted: stopping every process this run started")
        return 130
    finally:
        children.stop_all()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            _rmtree(tmp)
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0


class PagesBench:
    """One run; every process it starts is in `children`."""

    def __init__(self, args: argparse.Namespace, children: Children, tmp: Path) -> None:
        self.args, self.children, self.tmp = args, children, tmp
        base = _clean_env()
        self.cloud_dir, self.node_dir = tmp / "cloud", tmp / "node"
        self.cloud_env = {**base, "EDGESYNC_CLOUD_DATA_DIR": str(self.cloud_dir)}
        self.cloud_port, self.node_port = free_port(), free_port()
        self.cloud_url = f"http://127.0.0.1:{self.cloud_port}"
        self.node_url = f"http://127.0.0.1:{self.node_port}"
        self.node_env = {**base, "EDGESYNC_NODE_DATA_DIR": str(self.node_dir)}
        self.problems: list[str] = []

    def run(self) -> dict:
        args = self.args
        started, load_at_start = datetime.now(UTC), os.getloadavg()[0]
        if load_at_start > 0.5:
            progress(f"WARNING: load average {load_at_start:.2f} before the run: other work "
                     "shares this machine and will raise the figures")  # fmt: skip
        seed = self._seed()
        cloud = self._start("cloud", ["cloud", "serve", "--port", str(self.cloud_port)])
        node = self._start("node", ["node", "serve", "--port", str(self.node_port)])
        self._wait_node_in_sync()
        pages, baseline = self._time_pages()
        self.children.stop(node)
        self.children.stop(cloud)
        summaries = [p.summary() for p in pages]
        for page in summaries:
            server = "cloud" if page["name"].startswith("cloud") else "node"
            base = baseline[f"{server} /healthz"].summary()
            page["wall_p95_over_baseline"] = (
                round(page["wall_p95_ms"] / base["wall_p95_ms"], 1)
                if page["wall_p95_ms"] and base["wall_p95_ms"]
                else None
            )
        return {
            "schema": 1,
            "started_at": started.isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "kernel": platform.release(),
                "loadavg_at_start": round(load_at_start, 2),
            },
            "config": {
                "quick": args.quick,
                "sites": 2,
                "reads_per_site": args.reads,
                "requests": args.requests,
                "page_seconds": args.page_seconds,
                "hotlist_entries": HOTLIST_SIZE,
                "servers": "`edgesync cloud serve` (SQLite) and `edgesync node serve`, defaults",
            },
            "seed": seed,
            "pages": summaries,
            "baseline": {name: t.summary() for name, t in baseline.items()},
            "targets": evaluate(summaries),
            "problems": self.problems,
            "code": _code_version(),
        }

    # -- seeding ------------------------------------------------------------------------
    def _seed(self) -> dict:
        args = self.args
        _cli_json(
            ["cloud", "create-user", "admin@bench", "--role", "admin", "--password", PASSWORD,
             "--json"],
            self.cloud_env,
        )  # fmt: skip
        sites = {
            name: _cli_json(["cloud", "create-site", name, "--json"], self.cloud_env)
            for name in ("site-a", "site-b")
        }
        self.hot = backlog.hotlist_plates(HOTLIST_SIZE)
        # The node enrols in site A and pulls the cloud's hotlist once, as in the field.
        cloud = self._start("cloud", ["cloud", "serve", "--port", str(self.cloud_port)])
        version = self._put_hotlist()
        self.admin_token = _cli_json(
            ["node", "create-token", "--role", "admin", "--json"], self.node_env
        )["token"]
        _cli_json(
            ["node", "enroll", "--cloud", self.cloud_url, "--code",
             sites["site-a"]["enrollment_code"], "--json"],
            self.node_env,
        )  # fmt: skip
        node = self._start("node", ["node", "serve", "--port", str(self.node_port)])
        _wait(lambda: self._node_status()["sync"]["hotlist_version"] >= version, 60,
              "the node to pull the hotlist")  # fmt: skip
        self.children.stop(node)
        self.children.stop(cloud)
        progress(f"node enrolled in site-a, pulled the hotlist ({HOTLIST_SIZE} entries)")

        progress(f"node: writing {args.reads:,} reads into its database")
        built = backlog.fill(backlog.node_db_url(self.node_dir), args.reads, progress=progress)
        progress(f"  {built.records:,} reads, {built.hits} hits in {built.build_s:.1f} s")
        self.node_user = _cli_json(
            ["node", "create-user", "bench", "--role", "admin", "--json"], self.node_env
        )
        seeder = CloudSeeder(self.cloud_dir)
        try:
            progress("cloud: site-a's reads (the node's rows) through the sync use case")
            a = seeder.ship(
                sites["site-a"]["site_id"], node_batches(self.node_dir / "node.db"),
                self._node_cameras(), progress, "site-a",
            )  # fmt: skip
            progress(f"  {a.records:,} reads, {a.cloud_hits:,} hits in {a.seconds:.1f} s")
            progress("cloud: site-b's reads (generated alike) through the sync use case")
            cameras, batches = generated_batches(
                args.reads, hotlist=self.hot, end=datetime.now(UTC)
            )
            b = seeder.ship(sites["site-b"]["site_id"], batches, cameras, progress, "site-b")
            progress(f"  {b.records:,} reads, {b.cloud_hits:,} hits in {b.seconds:.1f} s")
        finally:
            seeder.close()
        self.plate = self._a_plate()
        return {
            "node": built.__dict__,
            "cloud": [
                {"name": "site-a", **a.__dict__},
                {"name": "site-b", **b.__dict__},
            ],
            "search_plate": self.plate,
        }

    def _put_hotlist(self) -> int:
        token = httpx.post(
            f"{self.cloud_url}/api/v1/auth/login",
            json={"username": "admin@bench", "password": PASSWORD},
            timeout=30,
        ).json()["access_token"]
        version = 0
        with httpx.Client(
            base_url=self.cloud_url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        ) as api:
            for i, plate in enumerate(self.hot):
                r = api.put(
                    f"/api/v1/hotlist/{'stolen' if i % 4 else 'wanted'}/{quote(plate, safe='')}",
                    json={"reason": "bench", "priority": 80},
                )
                r.raise_for_status()
                version = max(version, r.json()["version"] or 0)
        return version

    def _node_cameras(self) -> list[str]:
        engine = make_engine(backlog.node_db_url(self.node_dir))
        try:
            with engine.connect() as conn:
                return list(conn.execute(select(Camera.id)).scalars())
        finally:
            engine.dispose()

    def _a_plate(self) -> str:
        """A plate read at site A (the first hotlist plate: read a few dozen times a day)."""
        return self.hot[0]

    # -- servers ------------------------------------------------------------------------
    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        env = self.cloud_env if name == "cloud" else self.node_env
        proc = self.children.start([*_edgesync(), *args], log=log, env=env)
        url = self.cloud_url if name == "cloud" else self.node_url
        wait_http(f"{url}/healthz", proc, log, timeout=120)
        return proc

    def _node_status(self) -> dict:
        return httpx.get(
            f"{self.node_url}/api/v1/status",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        ).json()

    def _wait_node_in_sync(self) -> None:
        """The node's agent finds the cloud holding its reads: backlog 0 before timing."""
        _wait(lambda: self._node_status()["sync"]["backlog_count"] == 0, 300,
              "the node's backlog to reach 0")  # fmt: skip
        progress("servers up; the node's agent found the cloud up to date")

    # -- timing -------------------------------------------------------------------------
    def _time_pages(self) -> tuple[list[Timings], dict[str, Timings]]:
        n = self.args.requests
        pages: list[Timings] = []
        with (
            httpx.Client(base_url=self.cloud_url, timeout=60) as cloud,
            httpx.Client(base_url=self.node_url, timeout=60) as node,
        ):
            signed_in = {
                "cloud": self._sign_in(cloud, "admin@bench", PASSWORD),
                "node": self._sign_in(node, self.node_user["username"], self.node_user["password"]),
            }
            progress(f"signed in: {signed_in}; timing {n} requests per page")
            plan: list[tuple[httpx.Client, str, object]] = [
                (cloud, "cloud overview", "/"),
                (cloud, "cloud search", lambda: search_urls(cloud, self.plate)),
                (cloud, "cloud alerts", "/alerts"),
                (cloud, "cloud alerts feed", lambda: self._fragment(cloud, "/alerts")),
                (node, "node live", "/"),
                (node, "node live feed", lambda: self._fragment(node, "/")),
                (node, "node search", lambda: search_urls(node, self.plate)),
            ]
            for client, name, target in plan:
                if not signed_in[name.split()[0]]:
                    continue
                try:
                    urls = target() if callable(target) else target
                except (ValueError, httpx.HTTPError, StopIteration) as exc:
                    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    self.problems.append(f"{name}: {reason}")
                    progress(f"  {name}: not timed ({reason})")
                    continue
                named = urls if isinstance(urls, dict) else {"": urls}
                for mode, url in named.items():
                    label = f"{name} {mode}".strip()
                    pages.append(
                        time_page(
                            client,
                            label,
                            str(url),
                            n,
                            budget_s=self.args.page_seconds,
                            expect=self.plate if "search" in name else None,
                        )
                    )
                    s = pages[-1].summary()
                    progress(
                        f"  {label}: server p95 {s['server_p95_ms']} ms, statuses {s['status']}"
                    )
            baseline = {
                "cloud /healthz": time_page(cloud, "cloud /healthz", "/healthz", n),
                "node /healthz": time_page(node, "node /healthz", "/healthz", n),
            }
        return pages, baseline

    def _sign_in(self, client: httpx.Client, username: str, password: str) -> bool:
        """Sign in as a browser does; a refusal or a missing form is a problem, not a crash."""
        try:
            sign_in(client, username, password)
        except (ValueError, httpx.HTTPError) as exc:
            reason = str(exc).splitlines()[0]
            self.problems.append(f"sign-in at {client.base_url}: {reason}")
            progress(f"  sign-in at {client.base_url} failed: {reason}")
            return False
        return True

    def _fragment(self, client: httpx.Client, path: str) -> str:
        """The first live fragment the page at ``path`` polls; ValueError if it polls none."""
        page = client.get(path)
        page.raise_for_status()
        urls = poll_urls(page.text)
        if not urls:
            raise ValueError(f"{path} polls no fragment (no data-poll)")
        return urljoin(str(page.url), urls[0])


def _wait(predicate, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except (httpx.HTTPError, KeyError, ValueError):
            pass
        time.sleep(every)
    raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")
