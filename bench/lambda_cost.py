"""`python -m bench.lambda_cost`: the API Lambda's time and DynamoDB calls per exchange, and the
monitor's per run: the Lambda and DynamoDB-read inputs of `edgesync cloud cost`.

In this process, against moto (fake credentials, nothing reaches AWS): the seed site (20
cameras x 10 reads/min) enrols and ships a few minutes of its reads through
`cloud_plane.aws.api:handler` as a node paced by a DynamoDB cloud does (a signed exchange
every 5 s, ~17 reads each; a heartbeat every 30 s), each request an API Gateway HTTP API v2
event, as `tests/cloud_plane/aws` builds them; then hotlist pulls with no reads (the node's
10 s hotlist tick), then `cloud_plane.aws.monitor:handler` runs a few times. Last, the
node's own sync scheduler (`local_node.sync.scheduler.SyncRunner`, its real jobs) runs at a
tenth of its periods against an agent that always has reads, to count how many exchanges
a minute its push, hotlist and heartbeat ticks make (`--tick-seconds`, 6 s: one modelled
minute; 0 skips it).

Per invocation it reports the wall time, the part of it spent inside boto3 calls (on moto:
moto's own in-process work, not DynamoDB's network time), the rest ("app ms": parsing,
signature checks, JSON, the app's own work), the DynamoDB calls by operation and the read
units they returned (counted by item size, `cloud_plane/store/dynamo/capacity.py`), and
the log bytes the app wrote. The cost model prices an invocation at app ms + calls x an
assumed DynamoDB latency per call (`cloud_plane/costing/measured.py`), not moto's time.
The first invocation (the container building the app) is reported apart as the cold start.
Progress goes to stderr, the table to stdout, the figures to `bench/out/lambda_cost.json`.
"""

from __future__ import annotations

import argparse
import base64
import itertools
import logging
import os
import platform
import statistics
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "out" / "lambda_cost.json"
REGION = "us-east-1"
TABLE = "edgesync-lambda-bench"
SENDER = "alerts@example.com"
PUSH_INTERVAL_S = 5.0  # what a DynamoDB cloud asks its nodes for
HEARTBEAT_EVERY = 6  # exchanges: 30 s at 5 s
SEED_READS_PER_MINUTE = 200  # 20 cameras x 10
WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def plain_item(raw: dict) -> dict:
    """A low-level DynamoDB item as Python values ``capacity.item_size`` can size."""
    from boto3.dynamodb.types import Binary, TypeDeserializer

    des = TypeDeserializer()
    out = {}
    for name, value in raw.items():
        got = des.deserialize(value)
        out[name] = got.value if isinstance(got, Binary) else got
    return out


class CallMeter:
    """Counts boto3 calls by (service, operation), their time, and DynamoDB read units."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.seconds = 0.0
        self.read_units = 0.0

    def reset(self) -> None:
        """Forget what was counted."""
        self.calls.clear()
        self.seconds = 0.0
        self.read_units = 0.0

    def dynamo_calls(self) -> int:
        """DynamoDB API calls counted."""
        return sum(n for k, n in self.calls.items() if k.startswith("dynamodb."))

    def count(self, service: str, operation: str, params: dict, result: dict, took: float) -> None:
        """Count one call (read units of a GetItem/Query from the items it returned)."""
        from cloud_plane.store.dynamo.capacity import item_size, read_units

        self.calls[f"{service}.{operation}"] += 1
        self.seconds += took
        if service != "dynamodb" or operation not in {"GetItem", "Query"}:
            return
        items = [result["Item"]] if result.get("Item") else result.get("Items", [])
        size = sum(item_size(plain_item(i)) for i in items)
        self.read_units += read_units(size, consistent=bool(params.get("ConsistentRead")))


@contextmanager
def metered_boto(meter: CallMeter) -> Iterator[None]:
    """Wrap every boto3 client call in this process with ``meter``."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def wrapped(self: Any, operation: str, params: dict) -> dict:
        began = time.perf_counter()
        result = original(self, operation, params)
        meter.count(
            self.meta.service_model.service_name, operation, params, result,
            time.perf_counter() - began,
        )  # fmt: skip
        return result

    BaseClient._make_api_call = wrapped  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


class LogBytes(logging.Handler):
    """Bytes of the app's log records as Lambda's JSON log format writes them (approx.)."""

    # Lambda's JSON format: {"timestamp","level","message","logger","requestId"} + the text.
    OVERHEAD = 160

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.bytes = 0
        self.lines = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.bytes += len(record.getMessage().encode()) + len(record.name) + self.OVERHEAD
        self.lines += 1


class Invoker:
    """Calls a handler as Lambda would, timing each call and metering its boto3 calls."""

    def __init__(self, meter: CallMeter, logs: LogBytes) -> None:
        self.meter = meter
        self.logs = logs
        self.samples: dict[str, list[dict]] = {}

    def __call__(
        self, kind: str, handler: Callable[[dict, Any], Any], event: dict, reads: int = 0
    ) -> Any:
        from types import SimpleNamespace

        context = SimpleNamespace(function_name=kind, aws_request_id=uuid.uuid4().hex,
                                  memory_limit_in_mb=1024,
                                  get_remaining_time_in_millis=lambda: 30_000)  # fmt: skip
        self.meter.reset()
        self.logs.bytes = self.logs.lines = 0
        began = time.perf_counter()
        result = handler(event, context)
        wall = time.perf_counter() - began
        self.samples.setdefault(kind, []).append(
            {
                "wall_ms": wall * 1000,
                "boto_ms": self.meter.seconds * 1000,
                "app_ms": (wall - self.meter.seconds) * 1000,
                "dynamodb_calls": self.meter.dynamo_calls(),
                "calls": dict(self.meter.calls),
                "read_units": self.meter.read_units,
                "log_bytes": self.logs.bytes,
                "log_lines": self.logs.lines,
                "reads": reads,
            }
        )
        return result


def summary(samples: list[dict]) -> dict:
    """Medians and means of one kind of invocation."""
    calls: Counter[str] = Counter()
    for s in samples:
        calls.update(s["calls"])
    n = len(samples)
    return {
        "invocations": n,
        "reads_per_invocation": round(statistics.mean(s["reads"] for s in samples), 1),
        "wall_ms_median": round(statistics.median(s["wall_ms"] for s in samples), 2),
        "app_ms_median": round(statistics.median(s["app_ms"] for s in samples), 2),
        "app_ms_mean": round(statistics.mean(s["app_ms"] for s in samples), 2),
        "boto_ms_median_on_moto": round(statistics.median(s["boto_ms"] for s in samples), 2),
        "dynamodb_calls_mean": round(statistics.mean(s["dynamodb_calls"] for s in samples), 2),
        "read_units_mean": round(statistics.mean(s["read_units"] for s in samples), 2),
        "log_bytes_mean": round(statistics.mean(s["log_bytes"] for s in samples)),
        "calls_per_invocation": {k: round(v / n, 2) for k, v in sorted(calls.items())},
    }


def healthy_heartbeat() -> Any:
    """The seed node's heartbeat (bench.dynamo's) with every camera seen just now: a healthy
    site, so the monitor measures its steady state (an open problem costs it more)."""
    from bench.dynamo.run import HEARTBEAT

    now = datetime.now(UTC)
    cameras = [c.model_copy(update={"last_seen": now}) for c in HEARTBEAT.cameras]
    return HEARTBEAT.model_copy(update={"cameras": cameras})


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.lambda_cost",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--minutes", type=float, default=5.0, help="minutes of the seed site's reads")
    p.add_argument("--monitor-runs", type=int, default=10, help="monitor invocations")
    p.add_argument(
        "--tick-seconds",
        type=float,
        default=6.0,
        help="seconds to run the node's sync scheduler at a tenth of its periods (0: skip)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON report path")
    args = p.parse_args(argv)
    if args.minutes <= 0 or args.monitor_runs < 1:
        p.error("--minutes and --monitor-runs must be positive")
    return args


def _world() -> None:
    """The moto account and the env of a deployed function (as tests/cloud_plane/aws)."""
    import boto3
    from cryptography.fernet import Fernet

    from cloud_plane.store.dynamo.schema import create_table

    create_table(boto3.client("dynamodb", region_name=REGION), TABLE)
    sqs = boto3.client("sqs", region_name=REGION)
    dlq = sqs.create_queue(QueueName="deliveries-dlq")["QueueUrl"]
    queue = sqs.create_queue(QueueName="deliveries")["QueueUrl"]
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity=SENDER)
    os.environ.update(
        {
            "EDGESYNC_CLOUD_STORE": "dynamodb",
            "EDGESYNC_CLOUD_TABLE": TABLE,
            "EDGESYNC_CLOUD_SECRET_KEY": Fernet.generate_key().decode(),
            "EDGESYNC_CLOUD_WEB_SECRET": "w" * 32,
            "EDGESYNC_CLOUD_DATA_DIR": str(Path("/tmp") / f"edgesync-lambda-bench-{os.getpid()}"),
            "EDGESYNC_CLOUD_AWS_REGION": REGION,
            "EDGESYNC_CLOUD_DELIVERY_QUEUE_URL": queue,
            "EDGESYNC_CLOUD_DELIVERY_DLQ_URL": dlq,
            "EDGESYNC_CLOUD_ALERT_EMAIL": "ses",
            "EDGESYNC_CLOUD_ALERT_SES_FROM": SENDER,
            "EDGESYNC_CLOUD_ALERT_SMS": "sns",
            "EDGESYNC_CLOUD_PUBLIC_URL": "https://abc123.execute-api.us-east-1.amazonaws.com",
        }
    )


def run(args: argparse.Namespace, meter: CallMeter) -> dict:
    """Enrol the seed site, ship its reads, pull the hotlist, run the monitor; the figures."""
    import httpx

    from bench.dynamo.traffic import push_batches, site_reads
    from bench.ingest.procs import progress
    from cloud_plane import staff_admin
    from cloud_plane.aws import api, monitor, runtime
    from cloud_plane.records.audit import CLI_ACTOR, Actor
    from cloud_plane.services import open_store
    from local_node.sync.client import SyncClient
    from sync_protocol.messages import DetectionBatch, EnrollRequest, ExchangeRequest
    from sync_protocol.signing import generate_keypair
    from tests.cloud_plane.aws.conftest import http_event

    _world()
    runtime.reset()
    logs = LogBytes()
    logging.getLogger().addHandler(logs)
    logging.getLogger().setLevel(logging.INFO)
    invoke = Invoker(meter, logs)
    kind = {"now": "exchange"}
    pending_reads = {"n": 0}

    def transport(request: httpx.Request) -> httpx.Response:
        event = http_event(request.method, request.url.path, headers=dict(request.headers),
                           body=request.read())  # fmt: skip
        reply = invoke(kind["now"], api.handler, event, reads=pending_reads["n"])
        body = reply.get("body") or ""
        raw = base64.b64decode(body) if reply.get("isBase64Encoded") else body.encode()
        return httpx.Response(reply["statusCode"], headers=reply.get("headers"), content=raw)

    store = open_store(runtime.lambda_settings())
    now = datetime.now(UTC)
    by = Actor(CLI_ACTOR, now, "bench")
    _, code = staff_admin.create_site(store, "bench site", now=now, ttl_s=3600, by=by)
    client = SyncClient("https://abc123.execute-api.us-east-1.amazonaws.com", timeout_s=30,
                        transport=httpx.MockTransport(transport))  # fmt: skip
    private_pem, public_pem = generate_keypair()
    kind["now"] = "cold start (enrol)"
    enrolled = client.enroll(EnrollRequest(code=code, public_key_pem=public_pem,
                                           node_name="bench", node_version="0.9.0"))  # fmt: skip

    reads = int(args.minutes * SEED_READS_PER_MINUTE)
    stream_id, records = site_reads(reads, end=datetime.now(UTC).replace(microsecond=0), seed=7)
    progress(f"lambda_cost: {reads:,} reads of the seed site through the API handler")
    epoch = None
    batches = list(push_batches(records, PUSH_INTERVAL_S))
    for i, batch in enumerate(batches):
        beat = i % HEARTBEAT_EVERY == 0
        kind["now"] = "exchange + heartbeat" if beat else "exchange"
        pending_reads["n"] = len(batch)
        request = ExchangeRequest(
            site_id=enrolled.site_id, stream_id=stream_id, node_time=datetime.now(UTC),
            cloud_epoch=epoch, hotlist_version=0,
            batch=DetectionBatch(stream_id=stream_id, first_seq=batch[0].seq, records=batch),
            heartbeat=healthy_heartbeat() if beat else None,
        )  # fmt: skip
        reply = client.exchange(request, private_pem=private_pem, key_id=enrolled.key_id,
                                now=datetime.now(UTC))  # fmt: skip
        epoch = reply.cloud_epoch
        if reply.ack.get(stream_id) != batch[-1].seq:
            raise RuntimeError(f"exchange {i}: ack {reply.ack} != {batch[-1].seq}")
    kind["now"] = "exchange, no reads (hotlist pull)"
    pending_reads["n"] = 0
    for _ in range(12):
        request = ExchangeRequest(site_id=enrolled.site_id, stream_id=stream_id,
                                  node_time=datetime.now(UTC), cloud_epoch=epoch,
                                  hotlist_version=0)  # fmt: skip
        client.exchange(request, private_pem=private_pem, key_id=enrolled.key_id,
                        now=datetime.now(UTC))  # fmt: skip
    progress(f"lambda_cost: {args.monitor_runs} monitor runs")
    event = {"time": datetime.now(UTC).isoformat(), "detail": {}}
    invoke("monitor (cold start)", monitor.handler, event)
    for _ in range(args.monitor_runs):
        invoke("monitor", monitor.handler, event)
    logging.getLogger().removeHandler(logs)
    items = item_sizes(len(records))
    items["chunk_bytes_by_reads"] = chunk_sizes(enrolled.site_id, stream_id, records)
    store.meta.close()
    runtime.reset()
    return {
        "schema": 1,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "config": {
            "reads": reads,
            "batches": len(batches),
            "push_interval_s": PUSH_INTERVAL_S,
            "heartbeat_every_exchanges": HEARTBEAT_EVERY,
            "sites": 1,
            "store": "moto DynamoDB, in process",
            "read_units": "counted by item size of GetItem/Query results (capacity.py)",
        },
        "invocations": {k: summary(v) for k, v in invoke.samples.items()},
        "items": items,
        "ticks": node_ticks(args.tick_seconds) if args.tick_seconds > 0 else None,
    }


TICK_SCALE = 10  # the scheduler runs at a tenth of the real periods


def node_ticks(seconds: float) -> dict:
    """Run the node's own ``SyncRunner`` (real APScheduler jobs) with an agent that always has
    reads waiting and answers as a DynamoDB cloud does (push_interval_s 5), its periods a
    tenth of the defaults (push 2 s, hotlist 10 s, heartbeat 30 s); count the exchanges, the
    heartbeats carried, and the exchanges that followed another within a tenth of a (scaled)
    second (a tick arriving while an exchange runs goes round the loop again; the scheduler
    folds such ticks, so this should be zero)."""
    import threading

    from local_node.config import SyncSettings
    from local_node.sync.agent import ExchangeOutcome
    from local_node.sync.scheduler import SyncRunner

    class Agent:
        def __init__(self) -> None:
            self.calls: list[tuple[float, bool]] = []
            self.lock = threading.Lock()

        def has_work(self) -> bool:
            return True

        def exchange(self, *, heartbeat: bool = False) -> ExchangeOutcome:
            with self.lock:
                self.calls.append((time.monotonic(), heartbeat))
            time.sleep(0.075 / TICK_SCALE)  # an exchange's ~75 ms
            return ExchangeOutcome(enrolled=True, push_interval_s=PUSH_INTERVAL_S / TICK_SCALE)

        def close(self) -> None:
            pass

    defaults = SyncSettings()
    settings = SyncSettings(
        push_interval_s=defaults.push_interval_s / TICK_SCALE,
        hotlist_interval_s=defaults.hotlist_interval_s / TICK_SCALE,
        heartbeat_interval_s=defaults.heartbeat_interval_s / TICK_SCALE,
        command_poll_s=0,  # a DynamoDB cloud asks its nodes not to poll (issue 14)
    )
    agent = Agent()
    runner = SyncRunner(agent, settings)  # type: ignore[arg-type]
    runner.start()
    time.sleep(seconds)
    runner.stop()
    calls = agent.calls[1:]  # the first: the heartbeat at start
    minutes = seconds * TICK_SCALE / 60
    close = sum(1 for (a, _), (b, _) in itertools.pairwise(calls)
                if b - a < 0.1 / TICK_SCALE)  # fmt: skip
    return {
        "modelled_minutes": round(minutes, 2),
        "exchanges_per_minute": round(len(calls) / minutes, 2),
        "heartbeats_per_minute": round(sum(1 for _, h in calls if h) / minutes, 2),
        "back_to_back_per_minute": round(close / minutes, 2),
        "periods_s": {
            "push": PUSH_INTERVAL_S,
            "hotlist": defaults.hotlist_interval_s,
            "heartbeat": defaults.heartbeat_interval_s,
        },
    }


# DynamoDB's storage counts each item's size plus 100 bytes of overhead (indexing).
ITEM_OVERHEAD_BYTES = 100


CHUNK_READS = (1, 2, 5, 10, 17, 25, 50, 100, 200, 500)


def chunk_sizes(site_id: str, stream_id: str, records: list) -> dict[int, int]:
    """The size of the chunk item holding a batch's first n reads, for each n in CHUNK_READS
    (the store's own builder; zlib makes the size per read fall as batches grow)."""
    from cloud_plane.store.dynamo.capacity import item_size
    from cloud_plane.store.dynamo.detection_items import chunk_item

    now = datetime.now(UTC)
    return {
        n: item_size(chunk_item(site_id, stream_id, records[:n], ingested_at=now, expires_at=1))
        for n in CHUNK_READS
        if n <= len(records)
    }


def item_sizes(reads: int) -> dict:
    """Stored bytes by item kind (pk prefix) after the run, and per read for the reads' items."""
    import boto3

    from cloud_plane.store.dynamo.capacity import item_size

    client = boto3.client("dynamodb", region_name=REGION)
    by_kind: dict[str, list[int]] = {}
    for page in client.get_paginator("scan").paginate(TableName=TABLE):
        for raw in page["Items"]:
            item = plain_item(raw)
            kind = str(item["pk"]).split("#")[0]
            by_kind.setdefault(kind, []).append(item_size(item))
    kinds = {
        kind: {
            "items": len(sizes),
            "mean_bytes": round(statistics.mean(sizes)),
            "total_bytes": sum(sizes),
        }
        for kind, sizes in sorted(by_kind.items())
    }
    per_read = (
        sum(
            kinds[k]["total_bytes"] + kinds[k]["items"] * ITEM_OVERHEAD_BYTES
            for k in ("PLATE", "DETS")
            if k in kinds
        )
        / reads
    )
    return {"by_kind": kinds, "stored_bytes_per_read": round(per_read, 1),
            "overhead_bytes_per_item": ITEM_OVERHEAD_BYTES}  # fmt: skip


def render(report: dict) -> str:
    """The human-readable table."""
    lines = ["", "Lambda per invocation (in process, moto; app ms = wall - time in boto3)", ""]
    lines.append(f"{'invocation':<36}{'n':>4}{'reads':>7}{'wall ms':>9}{'app ms':>8}"
                 f"{'DDB calls':>10}{'RU':>7}{'log B':>7}")  # fmt: skip
    for name, s in report["invocations"].items():
        lines.append(
            f"{name:<36}{s['invocations']:>4}{s['reads_per_invocation']:>7}"
            f"{s['wall_ms_median']:>9}{s['app_ms_median']:>8}{s['dynamodb_calls_mean']:>10}"
            f"{s['read_units_mean']:>7}{s['log_bytes_mean']:>7}"
        )
    lines.append("")
    items = report["items"]
    lines.append(
        f"stored bytes per read (plate item + its share of a chunk, with DynamoDB's "
        f"{items['overhead_bytes_per_item']} B per item): {items['stored_bytes_per_read']}"
    )
    for kind, k in items["by_kind"].items():
        lines.append(f"  {kind:<10}{k['items']:>7} items, mean {k['mean_bytes']:>6} B")
    chunks = ", ".join(f"{n}: {b}" for n, b in items["chunk_bytes_by_reads"].items())
    lines.append(f"  chunk bytes by reads in it: {chunks}")
    lines.append("")
    for name, s in report["invocations"].items():
        calls = ", ".join(f"{k} {v}" for k, v in s["calls_per_invocation"].items())
        lines.append(f"{name}: {calls}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run once; 0 when it completed."""
    args = parse_args(argv)
    for name, value in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                        "AWS_DEFAULT_REGION": REGION}.items():  # fmt: skip
        os.environ[name] = value
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("EDGESYNC_CLOUD_SECRETS_ARN", None)
    from moto import mock_aws

    from bench.ingest.procs import progress
    from bench.ingest.report import write_json

    meter = CallMeter()
    with mock_aws(), metered_boto(meter):
        report = run(args, meter)
    write_json(report, args.out)
    print(render(report))
    progress(f"JSON report: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
