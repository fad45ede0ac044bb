"""Orchestration of one sync benchmark run: cloud, proxy, node, backlog, hits, report."""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx

from bench.ingest.procs import (
    Children,
    cpu_seconds,
    free_port,
    install_signal_handlers,
    progress,
    wait_http,
)
from bench.ingest.profile import find_py_spy
from bench.ingest.report import write_json
from bench.ingest.run import _clean_env, _cli_json, _code_version, _edgesync, _rmtree
from bench.ingest.stats import latency_summary
from bench.sync import backlog as backlog_mod
from bench.sync import profiling
from bench.sync.proxy import CountingProxy
from bench.sync.report import evaluate, render

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "sync.json"
DAY = 288_000  # one day of the seed site: 20 cameras x 10 reads/min x 1440 min
PASSWORD = "bench-password-123"
HOTLIST_SIZE = 200


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.sync

    p = argparse.ArgumentParser(
        prog="python -m bench.sync",
        description=bench.sync.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help="a smoke test: 20,000 records, 10 hits")
    p.add_argument("--records", type=int, help=f"backlog size (default {DAY:,}: one day)")
    p.add_argument("--hits", type=int, help="hits timed for the latency figure (default 50)")
    p.add_argument(
        "--hit-gap",
        type=float,
        nargs=2,
        default=(0.5, 1.0),
        metavar=("MIN", "MAX"),
        help="seconds between timed hits, drawn uniformly (default 0.5 1.0)",
    )
    p.add_argument(
        "--no-background",
        action="store_true",
        help="time hits without the seed's camera load in the background",
    )
    p.add_argument(
        "--event-ids",
        choices=["counter", "uuid", "none"],
        default="counter",
        help="camera event ids in the backlog: per-camera counters (default), random UUIDs "
        "(what `edgesync camera simulate` sends), or none",
    )
    p.add_argument("--poll", type=float, default=0.005, help="seconds between hit polls")
    p.add_argument(
        "--profile",
        action="store_true",
        help="sample node and cloud with py-spy during the drain (slows it slightly); "
        "summaries in the report, raw stacks in bench/out/",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    p.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = p.parse_args(argv)
    args.records = args.records or (20_000 if args.quick else DAY)
    args.hits = args.hits or (10 if args.quick else 50)
    if args.records < 1 or args.hits < 1:
        p.error("--records and --hits must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run everything once; 0 when the run completed (targets are reported, not asserted)."""
    args = parse_args(argv)
    install_signal_handlers()
    children = Children()
    tmp = Path(tempfile.mkdtemp(prefix="edgesync-bench-sync-"))
    bench = SyncBench(args, children, tmp)
    try:
        report = bench.run()
    except KeyboardInterrupt:
        progress("interrupted: stopping every process this run started")
        return 130
    finally:
        bench.close()
        children.stop_all()
        if args.keep:
            progress(f"kept {tmp}")
        else:
            _rmtree(tmp)
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0


class SyncBench:
    """One run; every process it starts is in `children`, the proxy stops in `close`."""

    def __init__(self, args: argparse.Namespace, children: Children, tmp: Path) -> None:
        self.args, self.children, self.tmp = args, children, tmp
        self.proxy: CountingProxy | None = None
        self.node_proc: subprocess.Popen | None = None
        self.spies: list[subprocess.Popen] = []

    def close(self) -> None:
        for spy in self.spies:
            if spy.poll() is None:
                spy.kill()
                spy.wait(5)
        if self.proxy is not None:
            self.proxy.stop()

    # -- setup -----------------------------------------------------------------------
    def run(self) -> dict:
        args, tmp = self.args, self.tmp
        started, load_at_start = datetime.now(UTC), os.getloadavg()[0]
        if load_at_start > 0.5:
            progress(
                f"WARNING: load average {load_at_start:.2f} before the run: other work shares "
                "this machine and will lower the figures"
            )
        base = _clean_env()
        self.cloud_dir = tmp / "cloud"
        self.cloud_env = {**base, "EDGESYNC_CLOUD_DATA_DIR": str(self.cloud_dir)}
        _cli_json(
            ["cloud", "create-user", "admin@bench", "--role", "admin", "--password", PASSWORD,
             "--json"],
            self.cloud_env,
        )  # fmt: skip
        site = _cli_json(["cloud", "create-site", "bench-site", "--json"], self.cloud_env)
        self.site_id = site["site_id"]
        self.cloud_port = free_port()
        log = tmp / "cloud.log"
        cloud = self.children.start(
            [*_edgesync(), "cloud", "serve", "--port", str(self.cloud_port)],
            log=log,
            env=self.cloud_env,
        )
        self.cloud_proc = cloud
        self.cloud_url = f"http://127.0.0.1:{self.cloud_port}"
        wait_http(f"{self.cloud_url}/healthz", cloud, log)
        progress(f"cloud pid {cloud.pid} on port {self.cloud_port} (SQLite store)")
        self.proxy = CountingProxy(self.cloud_port)
        proxy_port = self.proxy.start()
        progress(f"counting proxy on port {proxy_port} -> cloud")

        self.cloud_token = httpx.post(
            f"{self.cloud_url}/api/v1/auth/login",
            json={"username": "admin@bench", "password": PASSWORD},
            timeout=30,
        ).json()["access_token"]
        self.hot = backlog_mod.hotlist_plates(HOTLIST_SIZE)
        version = self._put_hotlist(self.hot)
        progress(f"cloud hotlist: {len(self.hot)} entries, version {version}")

        data = tmp / "node"
        self.node_data = data
        self.node_port = free_port()
        self.node_env = {
            **base,
            "EDGESYNC_NODE_DATA_DIR": str(data),
            "EDGESYNC_NODE_HOST": "127.0.0.1",
            "EDGESYNC_NODE_PORT": str(self.node_port),
        }
        self.camera_key = _cli_json(["node", "add-camera", "bench-gate", "--json"], self.node_env)[
            "api_key"
        ]
        self.admin_token = _cli_json(
            ["node", "create-token", "--role", "admin", "--json"], self.node_env
        )["token"]
        _cli_json(
            ["node", "enroll", "--cloud", f"http://127.0.0.1:{proxy_port}", "--code",
             site["enrollment_code"], "--json"],
            self.node_env,
        )  # fmt: skip
        progress(f"node enrolled in site {self.site_id} through the proxy")

        # The node pulls the hotlist as it would in the field (its first exchange), then
        # stops: the backlog is written while no agent runs.
        proc = self._start_node("node-pull.log")
        self._wait(lambda: self._node_status()["sync"]["hotlist_version"] >= version, 60,
                   "the node to pull the hotlist")  # fmt: skip
        self.children.stop(proc)
        progress("node pulled the hotlist and stopped")

        progress(f"backlog: writing {args.records:,} detections into the node's database")
        built = backlog_mod.fill(
            backlog_mod.node_db_url(data), args.records, event_ids=args.event_ids,
            progress=progress,
        )  # fmt: skip
        progress(
            f"  {built.records:,} rows ({built.hit_reads} reads with {built.hits} hits) over "
            f"{built.span_s / 3600:.1f} h of receive times, written in {built.build_s:.1f} s"
        )
        drain = self._drain(built)
        latency = self._hit_latency()
        self.children.stop_all()

        figures = {
            "drain_per_s": drain["per_s"],
            "drain_s": drain["seconds"],
            "wire_bytes_per_detection": drain["wire"]["bytes_per_detection"],
            "hit_p50_ms": latency["p50_ms"],
            "hit_p99_ms": latency["p99_ms"],
        }
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
                "records": args.records,
                "hits": args.hits,
                "hit_gap_s": list(args.hit_gap),
                "background_load": not args.no_background,
                "event_ids": args.event_ids,
                "hotlist_entries": len(self.hot),
                "profiled": args.profile,
                "node_settings": "defaults (push 2 s, batch 1000 records / 1 MiB)",
            },
            "figures": figures,
            "targets": evaluate(figures, args.records),
            "backlog": built.__dict__,
            "drain": drain,
            "hit_latency": latency,
            "code": _code_version(),
        }

    def _put_hotlist(self, plates: list[str]) -> int:
        version = 0
        with httpx.Client(
            base_url=self.cloud_url,
            timeout=30,
            headers={"Authorization": f"Bearer {self.cloud_token}"},
        ) as api:
            for i, plate in enumerate(plates):
                list_name = "stolen" if i % 4 else "wanted"
                r = api.put(
                    f"/api/v1/hotlist/{list_name}/{quote(plate, safe='')}",
                    json={"reason": "bench", "priority": 80},
                )
                r.raise_for_status()
                version = max(version, r.json()["version"] or 0)
        return version

    def _start_node(self, log_name: str) -> subprocess.Popen:
        log = self.tmp / log_name
        proc = self.children.start([*_edgesync(), "node", "serve"], log=log, env=self.node_env)
        self.node_log = log
        return proc

    def _node_status(self) -> dict:
        return httpx.get(
            f"http://127.0.0.1:{self.node_port}/api/v1/status",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=10,
        ).json()

    def _wait(self, predicate, timeout: float, what: str, every: float = 0.1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if predicate():
                    return
            except (httpx.HTTPError, KeyError, ValueError):
                pass
            time.sleep(every)
        raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}")

    def _cloud_db(self) -> sqlite3.Connection:
        return sqlite3.connect(
            f"file:{self.cloud_dir / 'cloud.db'}?mode=ro", uri=True, timeout=30,
            isolation_level=None, check_same_thread=False,
        )  # fmt: skip

    # -- 1 and 2: the drain and its bytes -------------------------------------------------
    def _drain(self, built: backlog_mod.Backlog) -> dict:
        args = self.args
        db = sqlite3.connect(f"file:{self.node_data / 'node.db'}?mode=ro", uri=True)
        base = db.execute(
            "SELECT seq_base FROM sync_streams WHERE stream_id = ?", (built.stream_id,)
        ).fetchone()[0]
        db.close()
        target = built.last_seq - base
        cloud = self._cloud_db()

        def high_water() -> int:
            row = cloud.execute(
                "SELECT high_water FROM cloud_streams WHERE site_id = ? AND stream_id = ?",
                (self.site_id, built.stream_id),
            ).fetchone()
            return row[0] if row else 0

        def cloud_hits() -> int:
            return cloud.execute(
                "SELECT count(*) FROM cloud_hits WHERE site_id = ?", (self.site_id,)
            ).fetchone()[0]

        hits_before = cloud_hits()
        progress(f"drain: starting `edgesync node serve` (default settings) to ship {target:,}")
        cloud_cpu0 = cpu_seconds(self.cloud_proc.pid)
        self.proxy.reset()
        t0 = time.perf_counter()
        proc = self._start_node("node.log")
        self.node_proc = proc
        if args.profile:
            self._start_spies(proc.pid)
        timeline: list[tuple[float, int]] = []
        first_at = None
        last_report = t0
        limit = 120 + args.records / 500
        while True:
            now = time.perf_counter()
            hw = high_water()
            if hw and (not timeline or timeline[-1][1] != hw):
                timeline.append((round(now - t0, 3), hw))
                if first_at is None:
                    first_at = now
            if hw >= target:
                done_at = now
                break
            if proc.poll() is not None:
                raise RuntimeError(f"the node exited ({proc.returncode}) during the drain; "
                                   f"see {self.node_log}")  # fmt: skip
            if now - t0 > limit:
                raise RuntimeError(f"drain not finished after {limit:.0f} s (at {hw:,})")
            if now - last_report > 5:
                last_report = now
                progress(f"  cloud high-water {hw:,} / {target:,} after {now - t0:.1f} s")
            time.sleep(0.02)
        seconds = done_at - t0
        node_cpu = cpu_seconds(proc.pid)
        cloud_cpu = cpu_seconds(self.cloud_proc.pid) - cloud_cpu0
        profile = self._stop_spies() if args.profile else None
        # The last reply reaches the node just after the cloud's commit: wait for the node
        # to apply it (backlog 0) before reading the byte counters.
        self._wait(lambda: self._node_status()["sync"]["backlog_count"] == 0, 60,
                   "the node's backlog to reach 0", every=0.02)  # fmt: skip
        wire = self.proxy.snapshot()
        self._wait(lambda: cloud_hits() - hits_before >= built.hits, 60,
                   "the backlog's hits in the cloud")  # fmt: skip
        hits_stored = cloud_hits() - hits_before
        cloud.close()
        records = target
        body_bytes = wire["total_bytes"] - wire["up_header_bytes"] - wire["down_header_bytes"]
        steady = None
        if first_at is not None and done_at > first_at:
            steady = round((target - timeline[0][1]) / (done_at - first_at), 1)
        per_s = round(records / seconds, 1)
        progress(
            f"  drained {records:,} in {seconds:.1f} s ({per_s:,.0f}/s; "
            f"first ack after {first_at - t0:.1f} s), {wire['total_bytes'] / records:.1f} "
            f"wire B/detection over {wire['requests']} requests"
        )
        return {
            "records": records,
            "seconds": round(seconds, 2),
            "per_s": per_s,
            "first_ack_after_s": round(first_at - t0, 2) if first_at else None,
            "steady_per_s": steady,
            "node_cpu_s": round(node_cpu, 2),
            "cloud_cpu_s": round(cloud_cpu, 2),
            "hits_in_backlog": built.hits,
            "hits_stored_in_cloud": hits_stored,
            "wire": {
                **wire,
                "body_bytes": body_bytes,
                "bytes_per_detection": round(wire["total_bytes"] / records, 2),
                "body_bytes_per_detection": round(body_bytes / records, 2),
                "request_bytes_per_detection": round(wire["up_bytes"] / records, 2),
                "reply_bytes_per_detection": round(wire["down_bytes"] / records, 2),
                "records_per_request": round(records / max(1, wire["requests"]), 1),
            },
            "timeline": _thin(timeline, 60),
            "profile": profile,
        }

    def _start_spies(self, node_pid: int) -> None:
        py_spy = find_py_spy()
        if py_spy is None:
            progress("--profile: installing py-spy with pip")
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", "py-spy"], check=False)
            py_spy = find_py_spy()
        if py_spy is None:
            progress("--profile: py-spy is not available; no profile")
            return
        out = self.args.out.parent
        self.spy_files = {
            "node": out / "sync-node-profile.txt",
            "cloud": out / "sync-cloud-profile.txt",
        }
        for name, pid in (("node", node_pid), ("cloud", self.cloud_proc.pid)):
            self.spies.append(profiling.start(py_spy, pid, self.spy_files[name]))

    def _stop_spies(self) -> dict | None:
        if not self.spies:
            return None
        for spy in self.spies:
            if spy.poll() is None:
                spy.send_signal(signal.SIGINT)  # py-spy writes what it has on Ctrl-C
        for spy in self.spies:
            try:
                spy.wait(60)
            except subprocess.TimeoutExpired:
                spy.kill()
        self.spies.clear()
        return {
            name: profiling.summarize(path) if path.exists() else None
            for name, path in self.spy_files.items()
        }

    # -- 3: hit-to-cloud latency ------------------------------------------------------
    def _hit_latency(self) -> dict:
        args = self.args
        node_url = f"http://127.0.0.1:{self.node_port}"
        sim = None
        if not args.no_background:
            sim = self.children.start(
                [*_edgesync(), "camera", "simulate", "--node", node_url, "--key",
                 self.camera_key, "--rate", "10", "--cameras", "20", "--image-size", "0",
                 "--progress-every", "30"],
                log=self.tmp / "simulate.log",
                env=_clean_env(),
            )  # fmt: skip
            time.sleep(3.0)
            if sim.poll() is not None:
                raise RuntimeError(f"the camera simulator exited ({sim.returncode}); see "
                                   f"{self.tmp / 'simulate.log'}")  # fmt: skip
            progress("hit latency: seed load running (20 cameras x 10 reads/min, no images)")
        progress(
            f"hit latency: {args.hits} hotlist reads, {args.hit_gap[0]:g}-{args.hit_gap[1]:g} s "
            f"apart, cloud polled every {args.poll * 1000:.0f} ms"
        )
        cloud = self._cloud_db()
        rng = random.Random(5)
        latencies, acks, missed, timed = [], [], 0, []
        with httpx.Client(
            base_url=node_url,
            timeout=30,
            headers={"Authorization": f"Bearer {self.camera_key}"},
        ) as cam:
            for i in range(args.hits):
                plate = self.hot[i % len(self.hot)]
                body = {
                    "plate": plate,
                    "captured_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "event_id": f"bench-hit-{i}",
                    "confidence": 0.93,
                    "direction": "approaching",
                }
                t0 = time.perf_counter()
                r = cam.post("/api/v1/detections", json=body)
                t_ack = time.perf_counter()
                if r.status_code != 201 or not r.json().get("hits"):
                    raise RuntimeError(f"hit read not stored as a hit: {r.status_code} {r.text}")
                detection_id = r.json()["id"]
                timed.append(detection_id)
                deadline = t0 + 30
                found = None
                while time.perf_counter() < deadline:
                    row = cloud.execute(
                        "SELECT 1 FROM cloud_hits WHERE detection_id = ? LIMIT 1",
                        (detection_id,),
                    ).fetchone()
                    if row:
                        found = time.perf_counter()
                        break
                    time.sleep(args.poll)
                if found is None:
                    missed += 1
                    progress(f"  hit {i}: not in the cloud after 30 s")
                else:
                    latencies.append(found - t0)
                    acks.append(t_ack - t0)
                if (i + 1) % 10 == 0:
                    progress(f"  {i + 1}/{args.hits} hits, last {latencies[-1] * 1000:.0f} ms")
                time.sleep(rng.uniform(*args.hit_gap))
        cloud.close()
        api_seen = self._hits_via_api(set(timed))
        background = None
        if sim is not None:
            self.children.stop(sim)
            background = _sim_summary(self.tmp / "simulate.log")
        summary = latency_summary(latencies)
        progress(f"  p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms")
        return {
            **summary,
            "samples": len(latencies),
            "missed": missed,
            "camera_ack": latency_summary(acks),
            "all_ms": [round(x * 1000, 1) for x in latencies],
            "hits_listed_by_api": api_seen,
            "background": background,
        }

    def _hits_via_api(self, timed: set[str]) -> int:
        """Cross-check: how many of the timed hits the staff API lists."""
        r = httpx.get(
            f"{self.cloud_url}/api/v1/hits",
            params={"site_id": self.site_id, "limit": 1000},
            headers={"Authorization": f"Bearer {self._fresh_cloud_token()}"},
            timeout=30,
        )
        r.raise_for_status()
        return len({h["detection_id"] for h in r.json()["items"]} & timed)

    def _fresh_cloud_token(self) -> str:
        return httpx.post(
            f"{self.cloud_url}/api/v1/auth/login",
            json={"username": "admin@bench", "password": PASSWORD},
            timeout=30,
        ).json()["access_token"]


def _thin(points: list[tuple[float, int]], keep: int) -> list[list[float]]:
    if len(points) <= keep:
        return [list(p) for p in points]
    step = len(points) / keep
    out = [list(points[int(i * step)]) for i in range(keep)]
    out.append(list(points[-1]))
    return out


def _sim_summary(log: Path) -> str:
    try:
        lines = [ln for ln in log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return " | ".join(lines[-4:])[-600:]
