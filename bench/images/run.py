"""One run of the images-on-demand latency benchmark (see the package docstring)."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.ingest.procs import Children, install_signal_handlers, progress, wait_http
from bench.ingest.report import write_json
from bench.ingest.run import _clean_env, _cli_json, _edgesync, _rmtree
from bench.ingest.stats import latency_summary, percentile
from edgesync.ports import free_port

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "images.json"
PASSWORD = "bench-password-123"
TARGET_P95_S = 3.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.images

    p = argparse.ArgumentParser(
        prog="python -m bench.images",
        description=bench.images.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--requests", type=int, default=40, help="images requested (default 40)")
    p.add_argument(
        "--gap",
        type=float,
        nargs=2,
        default=(0.5, 2.5),
        metavar=("MIN", "MAX"),
        help="seconds of idle before each request, drawn uniformly (default 0.5 2.5)",
    )
    p.add_argument("--image-kib", type=int, default=60, help="size of each image (default 60)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    p.add_argument("--seed", type=int, default=14)
    return p.parse_args(argv)


def jpeg(rng: random.Random, kib: int) -> bytes:
    """Bytes a node stores as a JPEG (its check is by content: the JPEG markers)."""
    return b"\xff\xd8\xff\xe0" + rng.randbytes(kib * 1024) + b"\xff\xd9"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    install_signal_handlers()
    children = Children()
    tmp = Path(tempfile.mkdtemp(prefix="bench-images-"))
    try:
        report = run(args, children, tmp)
    finally:
        children.stop_all()
        if os.environ.get("BENCH_KEEP_TMP"):
            progress(f"kept {tmp}")
        else:
            _rmtree(tmp)
    write_json(report, args.out)
    lat = report["latency"]
    print(
        f"images on demand, {report['requests']} requests: p50 {lat['p50_ms']:.0f} ms, "
        f"p95 {lat['p95_ms']:.0f} ms, max {lat['max_ms']:.0f} ms "
        f"(target p95 < {TARGET_P95_S * 1000:.0f} ms: {'met' if report['met'] else 'NOT met'})"
    )
    return 0 if report["met"] else 1


def run(args: argparse.Namespace, children: Children, tmp: Path) -> dict:
    rng = random.Random(args.seed)
    base = _clean_env()
    cloud_env = {**base, "EDGESYNC_CLOUD_DATA_DIR": str(tmp / "cloud")}
    _cli_json(
        ["cloud", "create-user", "admin@bench", "--role", "admin", "--password", PASSWORD,
         "--json"],
        cloud_env,
    )  # fmt: skip
    site = _cli_json(["cloud", "create-site", "bench-site", "--json"], cloud_env)
    cloud_port = free_port()
    log = tmp / "cloud.log"
    cloud = children.start(
        [*_edgesync(), "cloud", "serve", "--port", str(cloud_port)], log=log, env=cloud_env
    )
    cloud_url = f"http://127.0.0.1:{cloud_port}"
    wait_http(f"{cloud_url}/healthz", cloud, log)
    node_port = free_port()
    node_env = {
        **base,
        "EDGESYNC_NODE_DATA_DIR": str(tmp / "node"),
        "EDGESYNC_NODE_HOST": "127.0.0.1",
        "EDGESYNC_NODE_PORT": str(node_port),
    }
    camera_key = _cli_json(["node", "add-camera", "gate", "--json"], node_env)["api_key"]
    _cli_json(
        ["node", "enroll", "--cloud", cloud_url, "--code", site["enrollment_code"], "--json"],
        node_env,
    )
    node_log = tmp / "node.log"
    node = children.start([*_edgesync(), "node", "serve"], log=node_log, env=node_env)
    wait_http(f"http://127.0.0.1:{node_port}/healthz", node, node_log)
    progress(f"cloud pid {cloud.pid}, node pid {node.pid} (defaults: push and poll every 2 s)")

    sent: dict[str, str] = {}
    with httpx.Client(
        base_url=f"http://127.0.0.1:{node_port}",
        headers={"Authorization": f"Bearer {camera_key}"},
        timeout=30,
    ) as cam:
        for i in range(args.requests):
            image = jpeg(rng, args.image_kib)
            meta = {"plate": f"IM{i:04d}", "captured_at": datetime.now(UTC).isoformat()}
            r = cam.post(
                "/api/v1/detections",
                files={"metadata": (None, json.dumps(meta)), "image": ("a.jpg", image)},
            )
            r.raise_for_status()
            sent[r.json()["id"]] = hashlib.sha256(image).hexdigest()
    token = httpx.post(
        f"{cloud_url}/api/v1/auth/login",
        json={"username": "admin@bench", "password": PASSWORD},
        timeout=30,
    ).json()["access_token"]
    api = httpx.Client(base_url=cloud_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    _wait_synced(api, site["site_id"], len(sent))
    progress(f"{len(sent)} reads with images synced; requesting them one by one")

    latencies, wrong = [], 0
    for n, (read_id, sha) in enumerate(sent.items(), 1):
        time.sleep(rng.uniform(*args.gap))
        started = time.monotonic()
        asked = api.post(f"/api/v1/detections/{read_id}/image")
        if asked.status_code not in (200, 202):
            raise RuntimeError(f"request refused: {asked.status_code} {asked.text}")
        while True:
            got = api.get(f"/api/v1/detections/{read_id}/image", params={"wait": 10})
            if got.status_code != 202:
                break
        took = time.monotonic() - started
        if got.status_code != 200:
            raise RuntimeError(f"image not served: {got.status_code} {got.text}")
        wrong += hashlib.sha256(got.content).hexdigest() != sha
        latencies.append(took)
        progress(f"{read_id}: {took * 1000:.0f} ms")
        if n % 10 == 0:
            progress(f"{n}/{len(sent)}: last {took * 1000:.0f} ms")
    api.close()
    summary = {**latency_summary(latencies), "p95_ms": round(percentile(latencies, 95) * 1000, 2)}
    return {
        "bench": "images",
        "command": "python -m bench.images "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in (("requests", args.requests),)),
        "at": datetime.now(UTC).isoformat(),
        "load_average": os.getloadavg()[0],
        "requests": len(latencies),
        "image_bytes": args.image_kib * 1024 + 6,
        "gap_s": list(args.gap),
        "latency": summary,
        "wrong_hashes": wrong,
        "met": summary["p95_ms"] < TARGET_P95_S * 1000 and wrong == 0,
    }


def _wait_synced(api: httpx.Client, site_id: str, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = api.get("/api/v1/detections", params={"site_id": site_id, "limit": 1000})
        if r.status_code == 200 and len(r.json()["items"]) >= count:
            return
        time.sleep(0.5)
    raise RuntimeError("the reads did not reach the cloud in time")
