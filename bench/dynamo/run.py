"""One run of the DynamoDB capacity benchmark: load two sites, then search them."""

from __future__ import annotations

import argparse
import os
import platform
import time
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.dynamo.report import KindMeter, evaluate, load_summary, render
from bench.dynamo.traffic import PUSH_INTERVAL_S, backlog_batches, push_batches, site_reads
from bench.ingest.procs import progress
from bench.ingest.report import write_json
from bench.ingest.run import _code_version
from cloud_plane.config import CloudSettings
from cloud_plane.records.detections import DetectionQuery
from cloud_plane.store.dynamo import DynamoStore
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.dynamo.table import DynamoTable
from sync_protocol.detections import DetectionRecord
from sync_protocol.messages import CameraHealth, Heartbeat

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "bench" / "out" / "dynamo.json"
DAY = 288_000  # the seed site's day: 20 cameras x 10 reads/min
# Half an hour at the seed rate (~880 batches): the units per read depend on the rate, not
# the length, and moto answers every Query by scanning the whole table, so searches over a
# bigger table take minutes each here (not on DynamoDB, where a Query reads one partition).
STEADY_READS = DAY // 48
QUICK_READS = 2_000
BACKLOG_READS = 5_000
RETENTION_DAYS = 30
TABLE = "edgesync-bench"
HEARTBEAT_INTERVAL_S = 30.0  # the node agent's default
# A seed node's heartbeat: 20 cameras, each with its name, last read and counts.
HEARTBEAT = Heartbeat(
    node_version="0.9.0",
    uptime_s=86_400,
    disk_used_bytes=120 * 2**30,
    disk_total_bytes=2 * 2**40,
    db_size_bytes=3 * 2**30,
    backlog_count=0,
    cameras=[
        CameraHealth(
            camera_id=f"cam-{i:02d}",
            name=f"Gate {i} northbound",
            last_seen=datetime(2026, 12, 3, tzinfo=UTC),
            detections_last_interval=5,
            clock_offset_s=0.2,
        )
        for i in range(20)
    ],
)
# The push period a DynamoDB cloud asks its nodes for (ExchangeReply.push_interval_s).
PACED_PUSH_INTERVAL_S = float(CloudSettings(store="dynamodb").resolved_push_interval_s or 0)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    import bench.dynamo

    p = argparse.ArgumentParser(
        prog="python -m bench.dynamo",
        description=bench.dynamo.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--quick", action="store_true", help=f"a smoke run: {QUICK_READS:,} reads")
    p.add_argument(
        "--reads",
        type=int,
        help=f"steady reads at the seed rate (default {STEADY_READS:,}: half an hour; "
        f"{DAY:,} is a day: its load takes ~10 minutes on moto, its searches much longer)",
    )
    p.add_argument("--backlog", type=int, help=f"backlog reads (default {BACKLOG_READS:,})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = p.parse_args(argv)
    args.reads = args.reads or (QUICK_READS if args.quick else STEADY_READS)
    args.backlog = args.backlog or (QUICK_READS // 2 if args.quick else BACKLOG_READS)
    if args.reads < 1 or args.backlog < 1:
        p.error("--reads and --backlog must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run once; 0 when the run completed (the target is reported, not asserted)."""
    args = parse_args(argv)
    # moto in this process, with fake credentials: nothing can reach a real account.
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": "eu-west-1"}.items():  # fmt: skip
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, TABLE)
        report = run(args, client)
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0


def run(args: argparse.Namespace, client: object) -> dict:
    started = datetime.now(UTC)
    end = started.replace(microsecond=0)
    meter = KindMeter()
    db = DynamoDb(
        DynamoTable(client, TABLE, meter=meter),
        retention=timedelta(days=RETENTION_DAYS),
        clock=lambda: end,
    )
    store = DynamoStore(db)
    store.meta.ensure()

    progress(f"generating {args.reads:,} steady and {args.backlog:,} backlog reads")
    steady_stream, steady = site_reads(args.reads, end=end, seed=7)
    backlog_stream, backlog = site_reads(args.backlog, end=end, seed=8)
    fast_stream, fast = site_reads(max(1, args.reads // 4), end=end, seed=9)
    loads = [
        # As a node syncs to a DynamoDB cloud: at the push period the cloud asks for.
        _load(store, meter, "steady", "site-a", steady_stream,
              push_batches(steady, PACED_PUSH_INTERVAL_S), len(steady)),
        # For comparison (no target): the same traffic at the node's own 2 s, unpaced.
        _load(store, meter, "unpaced-2s", "site-c", fast_stream, push_batches(fast),
              len(fast), target=False),
        _load(store, meter, "backlog", "site-b", backlog_stream, backlog_batches(backlog),
              len(backlog)),
    ]  # fmt: skip
    searches = _searches(store, meter, steady, end, loads[0]["site_id"])
    return {
        "schema": 1,
        "started_at": started.isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "config": {
            "quick": args.quick,
            "steady_reads": args.reads,
            "backlog_reads": args.backlog,
            "push_interval_s": PUSH_INTERVAL_S,
            "paced_push_interval_s": PACED_PUSH_INTERVAL_S,
            "cameras": 20,
            "retention_days": RETENTION_DAYS,
            "capacity": "counted by item size (cloud_plane/store/dynamo/capacity.py); "
            "reads eventually consistent",
        },
        "loads": loads,
        "searches": searches,
        "targets": evaluate(loads),
        "code": _code_version(),
    }


def _load(
    store: DynamoStore,
    meter: KindMeter,
    name: str,
    site_id: str,
    stream_id: str,
    batches: Iterable[list[DetectionRecord]],
    reads: int,
    *,
    target: bool = True,
) -> dict:
    site_id = store.sites.create_site(site_id, now=datetime.now(UTC)).site_id
    progress(f"{name}: shipping {reads:,} reads to {site_id}")
    # The site's first batch also writes its DETSITES item once; counted, it is part of a day.
    meter.reset()
    began, count, stored = time.perf_counter(), 0, 0
    next_heartbeat = None
    for batch in batches:
        at = batch[-1].received_at + timedelta(seconds=1)
        # What every exchange costs besides its reads (cloud_plane/api/routes/sync.py and
        # sync/exchange.py): the replay-cache nonce, the node's hotlist version, and a
        # heartbeat every HEARTBEAT_INTERVAL_S.
        store.sites.remember_nonce(uuid.uuid4().hex, at + timedelta(minutes=10), at)
        store.sites.record_hotlist_version(site_id, 1, at=at)
        if next_heartbeat is None or at >= next_heartbeat:
            store.detections.record_heartbeat(site_id, HEARTBEAT, at)
            next_heartbeat = at + timedelta(seconds=HEARTBEAT_INTERVAL_S)
        outcome = store.detections.put_batch(site_id, stream_id, batch, received_at=at)
        stored += outcome.stored
        count += 1
        if count % 5000 == 0:
            progress(f"  {count:,} batches, {stored:,} reads")
    if stored != reads:
        raise RuntimeError(f"{name}: stored {stored:,} of {reads:,} reads")
    summary = load_summary(name, meter, reads, count, time.perf_counter() - began)
    summary["site_id"] = site_id
    summary["target"] = target
    progress(f"  {summary['write_units_per_read']} write units per read")
    return summary


def _searches(
    store: DynamoStore,
    meter: KindMeter,
    steady: list[DetectionRecord],
    end: datetime,
    steady_site: str,
) -> list[dict]:
    seen: dict[str, int] = {}
    for record in steady:
        seen[record.plate_norm] = seen.get(record.plate_norm, 0) + 1
    plate = max(seen, key=lambda p: (seen[p], p))  # a vehicle seen often, as a search finds
    hour = DetectionQuery(site_ids={steady_site}, since=end - timedelta(hours=1), until=end)
    cases = [
        (f"exact plate {plate}", DetectionQuery(plate=plate)),
        (f"fuzzy plate {plate}", DetectionQuery(plate=plate, fuzzy=True)),
        (f"prefix {plate[:3]}*", DetectionQuery(plate=plate[:3] + "*")),
        (f"prefix {plate[:3]}* fuzzy", DetectionQuery(plate=plate[:3] + "*", fuzzy=True)),
        ("site-a, last hour, page 1", hour),
        ("site-a, last hour, page 2", hour),
        ("newest, every site", DetectionQuery()),
    ]
    out, cursor = [], None
    for name, query in cases:
        if name.endswith("page 2"):
            query = replace(query, cursor=cursor)
        meter.reset()
        began = time.perf_counter()
        page = store.detections.search_detections(query)
        cursor = page.next_cursor
        out.append(
            {
                "search": name,
                "read_units": meter.total_reads(),
                "requests": meter.requests,
                "items": len(page.items),
                "next_cursor": page.next_cursor is not None,
                "seconds_on_moto": round(time.perf_counter() - began, 2),
            }
        )
    return out
