"""The image stores side by side: durable reads/s with the folder store and with an S3 bucket.

`--image-store file,s3,s3-serial`: each store gets a fresh node (SQLite default) and one
saturation run at the same concurrency with the same body, in the same benchmark run:

- `file`: the images folder of the data dir (the default store);
- `s3`: `EDGESYNC_NODE_IMAGE_STORE=s3://<bucket>/images` in a moto server (a child process of
  its own, so it does not share the benchmark's GIL), the node's default upload concurrency;
- `s3-serial`: the same with `EDGESYNC_NODE_IMAGE_PUT_CONCURRENCY=1`: one PUT at a time, what
  the node would do if it serialised the uploads of a group commit.

moto is slower than S3 and runs on the node's own cores here, so `s3 / file` understates
what a node on AWS gets; the point is `s3 / s3-serial`: that the uploads run concurrently.
moto's CPU during each run is reported beside the node's. Every 201 must be one row and one
image (a file or an object), checked per run.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.ingest.procs import Children, wait_http
from edgesync.ports import free_port

STORES = ("file", "s3", "s3-serial")
BASE = "file"
BUCKET_PREFIX = "images"
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "eu-west-1",
}
"""Credentials moto accepts, set for the node: never an account's (they override the
environment's own, and the endpoint is always the moto server's)."""


def parse_stores(value: str) -> list[str]:
    """`--image-store file,s3,s3-serial` (or `none`) as a list of stores."""
    if value.strip() in ("", "none"):
        return []
    stores = list(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
    unknown = [s for s in stores if s not in STORES]
    if unknown:
        raise ValueError(f"unknown image store(s) {unknown}; choose from {STORES}")
    return stores


def start_moto(children: Children, log: Path) -> tuple[subprocess.Popen, str]:
    """A moto server in a process of its own (threaded, real HTTP); (process, endpoint URL)."""
    port = free_port()
    proc = children.start(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], log=log
    )
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(f"{endpoint}/moto-api/", proc, log)
    return proc, endpoint


def node_settings(store: str, endpoint: str | None, bucket: str | None) -> dict[str, str]:
    """The node's environment for `store` beyond its data dir (the folder store needs none)."""
    if store == "file":
        return {}
    assert endpoint and bucket, "an s3 store needs the moto server and its bucket"
    settings = {
        **FAKE_AWS,
        "EDGESYNC_NODE_IMAGE_STORE": f"s3://{bucket}/{BUCKET_PREFIX}",
        "EDGESYNC_NODE_IMAGE_STORE_ENDPOINT_URL": endpoint,
    }
    if store == "s3-serial":
        settings["EDGESYNC_NODE_IMAGE_PUT_CONCURRENCY"] = "1"
    return settings


def new_bucket(endpoint: str) -> str:
    """A fresh bucket in the moto server (one per node, so counts are per run)."""
    import boto3

    name = f"bench-{secrets.token_hex(6)}"
    client = boto3.client("s3", endpoint_url=endpoint, **_client_kwargs())
    region = FAKE_AWS["AWS_DEFAULT_REGION"]
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    return name


def count_objects(endpoint: str, bucket: str) -> int:
    """Objects in the bucket (the images the node uploaded)."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, **_client_kwargs())
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sum(page.get("KeyCount", 0) for page in pages)


def _client_kwargs() -> dict[str, str]:
    return {
        "aws_access_key_id": FAKE_AWS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": FAKE_AWS["AWS_SECRET_ACCESS_KEY"],
        "region_name": FAKE_AWS["AWS_DEFAULT_REGION"],
    }


def compare(stores: list[str], measure: Callable[[str], dict]) -> dict:
    """Run `measure(store)` for each store; durable reads/s of each and the ratios."""
    runs = {store: measure(store) for store in stores}
    per_s = {s: r["ok_per_s"] for s, r in runs.items()}
    ratios: dict[str, float] = {}
    for num, den in (("s3", "file"), ("s3-serial", "file"), ("s3", "s3-serial")):
        if per_s.get(num) and per_s.get(den):
            name = f"{num}_{den}_ratio".replace("-", "_")
            ratios[f"store_{name}"] = round(per_s[num] / per_s[den], 3)
    return {"runs": runs, "durable_per_s": per_s, "ratios": ratios}


def render(result: dict) -> list[str]:
    """Lines for the printed report."""
    if not result or not result.get("runs"):
        return []
    lines = ["", "image stores (fresh node each, saturation, same concurrency and body):"]
    per_s = result["durable_per_s"]
    for store, run in result["runs"].items():
        vs = []
        if per_s.get(BASE) and store != BASE:
            vs.append(f"x{run['ok_per_s'] / per_s[BASE]:.2f} of file")
        if store == "s3" and per_s.get("s3-serial"):
            vs.append(f"x{run['ok_per_s'] / per_s['s3-serial']:.2f} of s3-serial")
        cpu = f"node {run['server_cpu_cores']:.2f}"
        if "moto_cpu_cores" in run:
            cpu += f", moto {run['moto_cpu_cores']:.2f}"
        cpu += f", other processes {run['other_cpu_cores']:.2f}"
        match = "match" if run["rows_match"] else "MISMATCH"
        lines.append(
            f"  {store:<10} {run['ok_per_s']:>8.0f} durable reads/s, p50 {run['p50_ms']:.1f} ms, "
            f"p99 {run['p99_ms']:.1f} ms{'  ' + ', '.join(vs) if vs else ''}; CPU cores {cpu}; "
            f"{run['rows_in_db']} rows, {run['images_stored']} images ({match} 201s)"
        )
    if "s3" in per_s or "s3-serial" in per_s:
        lines.append(
            "  (moto is slower than S3 and shares these cores: s3 / file understates AWS; "
            "s3 / s3-serial is what concurrent uploads buy)"
        )
    return lines


def moto_cpu_cores(cpu_before: float, cpu_after: float, seconds: float) -> float:
    """moto's share of the machine during a run, in cores."""
    return round((cpu_after - cpu_before) / seconds, 2) if seconds else 0.0
