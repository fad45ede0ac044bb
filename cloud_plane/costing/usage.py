"""What one AWS-mode deployment does in a month, from its inputs and the measured figures.

How a node talks to a DynamoDB cloud (``local_node/sync/scheduler.py``): three interval
ticks, whose exchanges (a signed POST /sync/v1/exchange that also carries every read
waiting, pulls the hotlist and may carry the heartbeat) the scheduler folds:

- **push**, every ``max(node's 2 s, the cloud's asked push_interval_s)`` (5 s on DynamoDB),
  only when something waits;
- **hotlist pull**, every ``sync_hotlist_interval_s`` (10 s): an exchange only when none
  succeeded within that interval (every reply carries the hotlist changes);
- **heartbeat**, every ``sync_heartbeat_interval_s`` (30 s): rides on the next push when
  reads wait and pushes come within ``HEARTBEAT_RIDES_WITHIN_S``; else an exchange of its own.

A busy site (the seed) thus exchanges 12 times a minute, one per push period
(``bench.lambda_cost`` runs the node's own scheduler and counts them).

Reads spread over every exchange, so reads per exchange = reads a minute / exchanges a
minute.

Write units are rebuilt from item sizes (``measured.py``), per exchange with reads: each
read's plate item (1 unit), the batch's chunk(s) (by size: the expected rounding of a
varying size adds half a unit), the stream cursor and the hour counter; per exchange: the
replay nonce; per heartbeat: the site item; per read, the plate dictionary (issue 14): the
rotations and key item of keys new to the table, a key item rewrite per later visit
(``Assumptions``). TTL deletes are free. A 30-day month.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass, field

from cloud_plane.costing import measured as m
from sync_protocol.rules import HEARTBEAT_RIDES_WITHIN_S

MINUTES_PER_MONTH = 30 * 24 * 60  # 43,200: a 30-day month (the seed's 288,000 reads a day x 30)
GIB = 2**30
KB = 1024


@dataclass(frozen=True)
class Inputs:
    """What the estimate is for (per site: cameras; per camera: reads a minute)."""

    sites: int
    cameras: int
    reads_per_minute: float
    retention_days: int = 30
    push_interval_s: float = 5.0  # EDGESYNC_CLOUD_SYNC_PUSH_INTERVAL_S (unset: 5 on DynamoDB)
    hotlist_interval_s: float = 10.0  # the node's EDGESYNC_NODE_SYNC_HOTLIST_INTERVAL_S
    heartbeat_interval_s: float = 30.0  # the node's EDGESYNC_NODE_SYNC_HEARTBEAT_INTERVAL_S
    staff: int = 3
    staff_hours_per_day: float = 2.0  # each, with a dashboard page open (it refreshes)
    alert_hits_per_month: int = 30
    log_retention_days: int = 90  # the CDK app's default (DeployConfig.log_retention_days)

    def __post_init__(self) -> None:
        for name in ("sites", "cameras", "reads_per_minute", "retention_days",
                     "push_interval_s", "hotlist_interval_s", "heartbeat_interval_s",
                     "log_retention_days"):  # fmt: skip
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("staff", "staff_hours_per_day", "alert_hits_per_month"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative, not {getattr(self, name)}")
        if self.staff_hours_per_day > 24:
            raise ValueError(
                f"staff_hours_per_day must be at most 24, not {self.staff_hours_per_day}"
            )


@dataclass(frozen=True)
class Assumptions:
    """What the model assumes where nothing here measured it (each said in the JSON)."""

    dynamodb_ms_per_call: float = 6.0  # in-region DynamoDB call: "single-digit ms" (AWS docs)
    api_memory_mb: int = 1024  # cdk DeployConfig.api_memory_mb
    worker_memory_mb: int = 512  # cdk DeployConfig.worker_memory_mb (delivery, monitor)
    # Lambda gives one vCPU at 1,769 MB, a share below: the app's CPU time measured on this
    # machine's one core is stretched by 1769 / memory.
    full_vcpu_mb: int = 1769
    platform_log_bytes: int = 450  # Lambda's JSON platform.start / platform.report lines
    access_log_bytes: int = 350  # one HTTP API access-log line (JSON, ~12 fields)
    dashboard_refresh_s: float = 10.0  # the overview and sites pages poll their fragment
    # A dashboard refresh costs what an empty exchange does (a Lambda call, ~7 DynamoDB
    # calls, ~5.5 read units): not measured; the same order (a user read, sites, heartbeats).
    emails_per_hit: int = 2
    sms_per_hit: int = 1
    sqs_requests_per_delivery: float = 3.3  # send, receive, delete; 10 % retried
    # Lambda's SQS event source long-polls with 5 pollers, 20 s each, while the queue is idle.
    sqs_idle_pollers: int = 5
    sqs_poll_s: float = 20.0
    delivery_ms: float = 250.0  # one SES/SNS call and the delivery's DynamoDB updates
    delivery_log_bytes: int = 300  # the delivery worker's app lines per message
    write_units_per_hit: float = 20.0  # the hit, the alert, its deliveries (transactions x2)
    alarms: int = 8  # DLQ depth, 3 x Lambda errors, 3 x throttles, API 5xx
    dashboards: int = 1
    secrets_calls_per_month: int = 2_000  # GetSecretValue once per cold start
    # The plate dictionary (issue 14, dynamo/plate_dictionary.py): a read of a confusion key
    # the table does not hold writes the key's rotations and key item (measured per key); a
    # later visit of a known plate (past NEWEST_STEP, 15 min) rewrites its key item.
    # New keys a read: the seed site's first month in bench.search's traffic model (1.58 M
    # plates in 8.64 M reads), an upper bound once the table holds a retention's worth.
    new_keys_per_read: float = 0.18
    # Visits a read (bursts of 2-4 reads: ~1 in 3) of plates already held.
    revisits_per_read: float = 0.15
    cold_starts_note: str = "cold starts (~0.5 s) not priced: a few a day per function"


@dataclass
class Usage:
    """One month of a deployment, every quantity the estimate prices."""

    reads: float
    exchanges: float
    exchanges_with_reads: float
    reads_per_exchange: float
    heartbeats: float
    write_units: dict[str, float] = field(default_factory=dict)
    read_units: dict[str, float] = field(default_factory=dict)
    table_gib: float = 0.0
    api_requests: float = 0.0
    invocations: dict[str, float] = field(default_factory=dict)
    gb_seconds: dict[str, float] = field(default_factory=dict)
    ms_per_exchange: float = 0.0
    log_gib: float = 0.0
    log_stored_gib: float = 0.0
    sqs_requests: float = 0.0
    emails: float = 0.0
    sms: float = 0.0
    staff_mau: int = 0
    secrets_calls: float = 0.0

    def as_dict(self) -> dict:
        """Plain values, rounded for reading."""
        return {k: rounded(v) for k, v in asdict(self).items()}


def rounded(value: object) -> object:
    """``value`` with its floats rounded for reading (6 places under 1, else 2), in dicts too."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 6 if abs(value) < 1 else 2)
    return value


def chunk_bytes(reads: float) -> float:
    """The chunk item's size for ``reads`` reads: piecewise linear between the measured points,
    the last slope beyond them."""
    points = sorted(m.CHUNK_ITEM_BYTES.items())
    if reads <= points[0][0]:
        return float(points[0][1])
    for (n0, b0), (n1, b1) in itertools.pairwise(points):
        if reads <= n1:
            return b0 + (b1 - b0) * (reads - n0) / (n1 - n0)
    (n0, b0), (n1, b1) = points[-2], points[-1]
    return b1 + (b1 - b0) / (n1 - n0) * (reads - n1)


def units(size: float) -> int:
    """Write units of an item of a fixed ``size`` bytes (1 per started KB)."""
    return max(1, math.ceil(size / KB))


def expected_units(size: float) -> float:
    """Write units of an item whose size varies around ``size``: rounding up adds half a unit
    on average (a fixed size rounds exactly: ``units``)."""
    return max(1.0, size / KB + 0.5)


def exchanges_per_minute(i: Inputs) -> float:
    """Return exchanges a minute per site: pushes, and the hotlist and heartbeat ticks no
    push covered (module docstring)."""
    reads_per_s = i.cameras * i.reads_per_minute / 60
    # The push tick sends only when a read waits: P(a read in the last period), Poisson.
    busy = 1 - math.exp(-reads_per_s * i.push_interval_s)
    push = 60 / i.push_interval_s * busy
    # A hotlist tick pulls only if none of the pushes of its interval went.
    pushes_per_pull = math.floor(i.hotlist_interval_s / i.push_interval_s)
    hotlist = 60 / i.hotlist_interval_s * (1 - busy) ** pushes_per_pull
    rides = i.push_interval_s <= HEARTBEAT_RIDES_WITHIN_S
    heartbeat = 60 / i.heartbeat_interval_s * ((1 - busy) if rides else 1.0)
    return push + hotlist + heartbeat


def exchange_write_units(i: Inputs, reads_per_exchange: float, gap_s: float) -> dict[str, float]:
    """Write units of one exchange that carries ``reads_per_exchange`` reads (> 0), by item."""
    # A chunk holds at most 500 reads and 60 s of receive time (detection_items.py).
    chunks = max(math.ceil(reads_per_exchange / 500), math.ceil(gap_s / 60))
    counter = m.COUNTER_ITEM_BYTES_20.value + m.COUNTER_BYTES_PER_CAMERA * (i.cameras - 20)
    return {
        "plate items": reads_per_exchange * units(m.PLATE_ITEM_BYTES.value),
        "chunks": chunks * expected_units(chunk_bytes(reads_per_exchange / chunks)),
        "stream cursor": float(units(m.CURSOR_ITEM_BYTES.value)),
        "hour counter": float(units(counter)),
    }


def site_item_units(cameras: int) -> int:
    """Write units of one heartbeat (the site item with the heartbeat's JSON)."""
    size = m.SITE_ITEM_BYTES_20.value + m.HEARTBEAT_BYTES_PER_CAMERA * (cameras - 20)
    return units(size)


def app_ms(reads: float) -> float:
    """The API Lambda's own time (this machine) for an exchange of ``reads`` reads."""
    empty, full = m.APP_MS_EMPTY_EXCHANGE.value, m.APP_MS_17_READS.value
    return empty + (full - empty) * reads / 17


def dynamo_calls(reads: float) -> float:
    """DynamoDB calls of an exchange of ``reads`` reads (BatchWriteItem: 25 items a call)."""
    calls = m.DDB_CALLS_EMPTY_EXCHANGE.value
    if reads > 0:
        calls += m.DDB_CALLS_EXTRA_WITH_READS.value + math.ceil((reads + 1) / 25)
    return calls


def invocation_ms(app: float, calls: float, memory_mb: int, a: Assumptions) -> float:
    """Billed ms of one invocation: CPU stretched by the memory's vCPU share, plus the
    DynamoDB calls' latency, rounded up to the ms (half a ms on average)."""
    stretch = max(1.0, a.full_vcpu_mb / memory_mb)
    return app * stretch + calls * a.dynamodb_ms_per_call + 0.5


def usage(i: Inputs, a: Assumptions | None = None) -> Usage:
    """The month of a deployment of ``i.sites`` sites alike."""
    a = a or Assumptions()
    minutes = MINUTES_PER_MONTH
    reads_site_min = i.cameras * i.reads_per_minute
    per_min = exchanges_per_minute(i)
    # Reads spread over the exchanges; of those, the ones with no read: Poisson, from the
    # mean reads per exchange.
    carrying = per_min
    reads_per_exchange = reads_site_min / per_min
    with_reads_share = 1 - math.exp(-reads_site_min / carrying)
    with_reads_min = carrying * with_reads_share
    n = reads_site_min / with_reads_min  # reads in an exchange that has some
    heartbeats_min = 60 / i.heartbeat_interval_s

    site = i.sites * minutes  # site-minutes in the month
    u = Usage(
        reads=reads_site_min * site,
        exchanges=per_min * site,
        exchanges_with_reads=with_reads_min * site,
        reads_per_exchange=reads_per_exchange,
        heartbeats=heartbeats_min * site,
    )
    per_exchange = exchange_write_units(i, n, gap_s=60 / per_min)
    u.write_units = {kind: v * u.exchanges_with_reads for kind, v in per_exchange.items()}
    u.write_units["exchange nonces"] = u.exchanges * units(m.NONCE_ITEM_BYTES.value)
    u.write_units["heartbeats"] = u.heartbeats * site_item_units(i.cameras)
    u.write_units["alerts"] = i.alert_hits_per_month * a.write_units_per_hit
    u.write_units["plate dictionary"] = u.reads * (
        a.new_keys_per_read * m.DICTIONARY_WU_PER_NEW_KEY.value + a.revisits_per_read
    )

    empty_exchanges = u.exchanges - u.exchanges_with_reads
    refreshes = i.staff * i.staff_hours_per_day * 3600 / a.dashboard_refresh_s * 30
    monitor_runs = float(minutes)  # every minute, whatever the sites
    u.read_units = {
        "exchanges": u.exchanges_with_reads * m.READ_UNITS_WITH_READS.value
        + empty_exchanges * m.READ_UNITS_EMPTY_EXCHANGE.value
        + u.heartbeats * m.READ_UNITS_HEARTBEAT_EXTRA.value,
        "monitor": monitor_runs * m.MONITOR_READ_UNITS.value,
        "dashboard": refreshes * m.READ_UNITS_EMPTY_EXCHANGE.value,
    }

    # Storage: the reads of the last retention_days, plate items and their chunks' share.
    chunk_share = (chunk_bytes(n) + m.ITEM_OVERHEAD_BYTES) / n
    per_read = m.PLATE_ITEM_BYTES.value + m.ITEM_OVERHEAD_BYTES + chunk_share
    # and the dictionary's items: about as many a key as its writes (a rotation or key item each)
    per_read += (
        a.new_keys_per_read
        * m.DICTIONARY_WU_PER_NEW_KEY.value
        * (m.DICTIONARY_ITEM_BYTES + m.ITEM_OVERHEAD_BYTES)
    )
    u.table_gib = reads_site_min * 60 * 24 * i.retention_days * i.sites * per_read / GIB

    # Lambda: the API function answers exchanges and dashboard refreshes.
    full_ms = invocation_ms(app_ms(n), dynamo_calls(n), a.api_memory_mb, a)
    empty_ms = invocation_ms(app_ms(0), dynamo_calls(0), a.api_memory_mb, a)
    share = with_reads_min / per_min  # of all exchanges, those carrying reads
    u.ms_per_exchange = full_ms * share + empty_ms * (1 - share)
    monitor_ms = invocation_ms(
        m.MONITOR_APP_MS.value, m.MONITOR_DDB_CALLS.value, a.worker_memory_mb, a
    )
    # A heartbeat adds its site-item update (and a read) to the exchange carrying it.
    heartbeat_ms = u.heartbeats * m.DDB_CALLS_EXTRA_HEARTBEAT.value * a.dynamodb_ms_per_call
    deliveries = i.alert_hits_per_month * (a.emails_per_hit + a.sms_per_hit)
    u.api_requests = u.exchanges + refreshes
    u.invocations = {"api": u.api_requests, "monitor": monitor_runs, "delivery": deliveries}
    u.gb_seconds = {
        "api": (u.exchanges * u.ms_per_exchange + refreshes * empty_ms + heartbeat_ms)
        / 1000
        * a.api_memory_mb
        / 1024,
        "monitor": monitor_runs * monitor_ms / 1000 * a.worker_memory_mb / 1024,
        "delivery": deliveries * a.delivery_ms / 1000 * a.worker_memory_mb / 1024,
    }

    log_bytes = (
        u.api_requests * (a.platform_log_bytes + m.APP_LOG_BYTES_PER_INVOCATION.value)
        + u.api_requests * a.access_log_bytes
        + monitor_runs * (a.platform_log_bytes + m.MONITOR_LOG_BYTES.value)
        + deliveries * (a.platform_log_bytes + a.delivery_log_bytes)
    )
    u.log_gib = log_bytes / GIB
    # Kept log_retention_days: in steady state that many days of ingestion are stored
    # (billed on compressed bytes; counted uncompressed here, an upper bound).
    u.log_stored_gib = u.log_gib * i.log_retention_days / 30

    idle_polls = a.sqs_idle_pollers * 60 / a.sqs_poll_s * minutes
    u.sqs_requests = idle_polls + deliveries * a.sqs_requests_per_delivery
    u.emails = i.alert_hits_per_month * a.emails_per_hit
    u.sms = i.alert_hits_per_month * a.sms_per_hit
    u.staff_mau = i.staff
    u.secrets_calls = a.secrets_calls_per_month
    return u
