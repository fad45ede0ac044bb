"""The figures the cost model takes from measurements, each with the command that measured it.

Two benchmarks, both in process against moto (nothing reaches AWS):

- ``python -m bench.dynamo`` (README "The DynamoDB store"): write units per read by item kind;
- ``python -m bench.lambda_cost`` (2026-12-04, this machine): per signed exchange through
  ``cloud_plane.aws.api:handler`` (the seed site, ~17 reads every 5 s, a heartbeat every
  6th), per hotlist pull with no reads, per monitor run; the stored item sizes.

The model rebuilds the write units from item sizes (``usage.py``) instead of scaling the
bench's per-read totals, so that the push interval, the cameras and the batch size each move
what they move; ``BENCH_DYNAMO_WU_PER_READ`` is what that rebuild is checked against
(tests/cloud_plane/costing/test_usage.py).
"""

from __future__ import annotations

from dataclasses import dataclass

LAMBDA_COST = "python -m bench.lambda_cost (2026-12-04)"
BENCH_DYNAMO = "python -m bench.dynamo (README 'The DynamoDB store', issue 9)"


@dataclass(frozen=True)
class Measured:
    """One measured figure and where it comes from."""

    value: float
    unit: str
    source: str


# -- bench.dynamo: write units per read, by load (the check of the rebuilt model) ----------
BENCH_DYNAMO_WU_PER_READ = {
    # load: (reads per exchange the bench shipped, WU per read measured)
    "paced 5 s": (17.0, 1.357),  # plate 1.0, chunk 0.121, cursor/counter/nonce 0.06 each,
    "unpaced 2 s": (6.7, 1.675),  # heartbeats 0.056 (a heartbeat every 30 s)
    "backlog": (5000.0, 1.059),
}

# -- the node's sync scheduler (bench.lambda_cost "ticks": local_node.sync.scheduler.SyncRunner
# with its real jobs at a tenth of the default periods, an agent always holding reads, a
# cloud asking for 5 s pushes; two runs of 5 modelled minutes) --------------------------
NODE_EXCHANGES_PER_MINUTE = Measured(
    11.8, "exchanges a minute (the model's 12: one per push; hotlist pulls and heartbeats "
    "ride on them, 1.8 heartbeats a minute carried; before the ticks were folded: 19.0-19.6)",
    "bench.lambda_cost.node_ticks(30), 2026-12-04",
)  # fmt: skip

# -- item sizes (bench.lambda_cost "items", sized by capacity.item_size) ------------------
PLATE_ITEM_BYTES = Measured(514, "bytes per plate item (one per read)", LAMBDA_COST)
# The chunk holding a batch's reads, by reads in it (zlib: the bytes per read fall).
CHUNK_ITEM_BYTES = {
    1: 339, 2: 446, 5: 664, 10: 984, 17: 1419, 25: 1877,
    50: 3288, 100: 5616, 200: 10213, 500: 24272,
}  # fmt: skip
NONCE_ITEM_BYTES = Measured(81, "bytes per exchange's replay-nonce item", LAMBDA_COST)
CURSOR_ITEM_BYTES = Measured(174, "bytes of the stream's cursor item", LAMBDA_COST)
# The hour counter: 814 B with 20 cameras, an attribute (a 32-character camera id and a
# count, ~35 B) per camera.
COUNTER_ITEM_BYTES_20 = Measured(814, "bytes of the hour counter item, 20 cameras", LAMBDA_COST)
COUNTER_BYTES_PER_CAMERA = 35.0
# The site item holding the latest heartbeat: 3,530 B with 20 cameras; the heartbeat JSON
# grows 153.5 B per camera (bench.lambda_cost.healthy_heartbeat with 1 and 20 cameras).
SITE_ITEM_BYTES_20 = Measured(3530, "bytes of the site item with a 20-camera heartbeat",
                              LAMBDA_COST)  # fmt: skip
HEARTBEAT_BYTES_PER_CAMERA = 153.5
# DynamoDB bills storage as item bytes plus 100 bytes of overhead per item.
ITEM_OVERHEAD_BYTES = 100

# -- the plate dictionary (issue 14; bench.dynamo, 2026-12-06) ------------------------------
DICTIONARY_WU_PER_NEW_KEY = Measured(
    4.06, "write units per confusion key new to the table (its rotations and key item): "
    "2.997 dictionary units a read over 0.738 new keys a read, the steady load's half hour",
    "python -m bench.dynamo (2026-12-06)",
)  # fmt: skip
DICTIONARY_ITEM_BYTES = 130  # a rotation or key item: a short key, the plates, a TTL

# -- the API Lambda per exchange (bench.lambda_cost "invocations") ------------------------
# App ms = wall time minus the time inside boto3 calls (moto's work, not DynamoDB's), on
# this machine (x86_64, Python 3.11); medians of 49 exchanges of ~17 reads and 12 empty.
# Runs on this shared machine ranged 5-12 ms (17 reads) and 3-6 ms (empty): small beside the
# DynamoDB calls' latency (~66 ms), which the model adds per call.
APP_MS_EMPTY_EXCHANGE = Measured(2.95, "ms of app time per exchange with no reads", LAMBDA_COST)
APP_MS_17_READS = Measured(5.16, "ms of app time per exchange of ~17 reads", LAMBDA_COST)
DDB_CALLS_EMPTY_EXCHANGE = Measured(7.0, "DynamoDB calls per exchange with no reads",
                                    LAMBDA_COST)  # fmt: skip
# With reads: the cursor's GetItem and the cursor and counter UpdateItems (11 calls for
# ~17 reads), plus a BatchWriteItem per 25 items (usage.dynamo_calls).
DDB_CALLS_EXTRA_WITH_READS = Measured(3.0, "calls per exchange with reads, besides the batch",
                                      LAMBDA_COST)  # fmt: skip
DDB_CALLS_EXTRA_HEARTBEAT = Measured(1.4, "extra calls per exchange with a heartbeat",
                                     LAMBDA_COST)  # fmt: skip
READ_UNITS_EMPTY_EXCHANGE = Measured(5.5, "read units per exchange with no reads", LAMBDA_COST)
READ_UNITS_WITH_READS = Measured(6.5, "read units per exchange with reads", LAMBDA_COST)
READ_UNITS_HEARTBEAT_EXTRA = Measured(0.2, "extra read units with a heartbeat", LAMBDA_COST)
APP_LOG_BYTES_PER_INVOCATION = Measured(197, "bytes of app log (JSON) per exchange",
                                        LAMBDA_COST)  # fmt: skip

# -- the monitor Lambda per run (healthy sites: nothing raised or resolved) ---------------
# Five Queries whatever the number of sites (open problems, the sites partition, due
# escalations, lost deliveries): an open problem adds ~3 GetItems per run while it lasts.
MONITOR_DDB_CALLS = Measured(5.0, "DynamoDB calls per monitor run", LAMBDA_COST)
MONITOR_READ_UNITS = Measured(3.5, "read units per monitor run", LAMBDA_COST)
MONITOR_APP_MS = Measured(1.0, "ms of app time per monitor run", LAMBDA_COST)
MONITOR_LOG_BYTES = Measured(288, "bytes of app log per monitor run", LAMBDA_COST)
