"""A node with its images in S3, killed with SIGKILL under load, loses no acknowledged image.

Given a real node process whose images go to a bucket of a moto server (real HTTP, reached
through EDGESYNC_NODE_IMAGE_STORE_ENDPOINT_URL) and the camera simulator posting 50 kB JPEGs
from many concurrent connections,
when the node is SIGKILLed several times mid-load (uploads in flight) and restarted each time,
then every read that got a 201/200 is stored exactly once and its object is in the bucket with
the recorded size and SHA-256; the kills left objects no row names (uploads confirmed before a
commit that never happened), and the node's own orphan sweep, once nothing writes any more and
without the grace kept for other tasks' commits, removes every one of them and nothing else.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

from local_node.clock import utc_now
from local_node.config import RetentionSettings
from local_node.db.engine import make_engine
from local_node.images.s3_store import S3ImageStore, S3Location, s3_client
from local_node.retention import Retention
from tests.faults.conftest import acked_rows, crash_run

pytestmark = pytest.mark.slow
KILLS = 4
PREFIX = "site-1/images"


def bucket_objects(client, bucket: str) -> dict[str, int]:
    """Every object under the prefix: its path relative to the prefix -> its size."""
    out: dict[str, int] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for item in page.get("Contents", []):
            out[item["Key"][len(PREFIX) + 1 :]] = item["Size"]
    return out


def image_rows(db_path: Path) -> dict[str, tuple]:
    """(id, event_id, image_path, image_bytes, image_sha256) of every read, by id."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return {
            r[0]: r
            for r in db.execute(
                "SELECT id, event_id, image_path, image_bytes, image_sha256 FROM detections"
            )
        }
    finally:
        db.close()


def test_acknowledged_images_survive_repeated_sigkill_and_no_orphan_outlives_the_sweep(
    tmp_path: Path, s3_bucket: str, moto_s3_endpoint: str
):
    run = crash_run(
        tmp_path,
        {
            # beside the fake AWS credentials of the aws_credentials fixture (os.environ)
            "EDGESYNC_NODE_IMAGE_STORE": f"s3://{s3_bucket}/{PREFIX}",
            "EDGESYNC_NODE_IMAGE_STORE_ENDPOINT_URL": moto_s3_endpoint,
        },
    )
    data_dir = run.data_dir
    client = boto3.client("s3", endpoint_url=moto_s3_endpoint)
    rowless_after_kill: list[int] = []

    def count_rowless() -> None:
        # The killed node wrote nothing more; uploads it had confirmed without a commit
        # are objects no row names. They accumulate: a restarted node keeps them (grace).
        referenced = {r[2] for r in image_rows(data_dir / "node.db").values() if r[2]}
        rowless_after_kill.append(len(set(bucket_objects(client, s3_bucket)) - referenced))

    # Many connections: many uploads in flight at each kill, so kills leave rowless objects.
    acks = run.load_and_kill(
        kills=KILLS,
        rng=random.Random(3),
        after=count_rowless,
        concurrency=24,
        image_size=50_000,
    )
    assert len(acks) > 100, "the load was too light to mean anything"
    rows = image_rows(data_dir / "node.db")
    objects = bucket_objects(client, s3_bucket)
    for row in acked_rows(acks, rows):
        _, _, path, size, sha256 = row
        assert objects.get(path) == size, f"{path}: object of {objects.get(path)} B, row {size}"
        body = client.get_object(Bucket=s3_bucket, Key=f"{PREFIX}/{path}")["Body"].read()
        assert (len(body), hashlib.sha256(body).hexdigest()) == (size, sha256), path

    referenced = {r[2] for r in rows.values() if r[2]}
    assert referenced <= set(objects), "rows whose image is not in the bucket"
    rowless = set(objects) - referenced
    assert rowless, (
        f"no kill left an object without a row (after each kill: {rowless_after_kill}); "
        "the sweep below would prove nothing"
    )

    # Every writer is stopped: the sweep without the grace is the one a later retention run
    # makes once the objects are older than the grace.
    store = S3ImageStore(
        S3Location.parse(f"s3://{s3_bucket}/{PREFIX}"),
        s3_client(moto_s3_endpoint),
        orphan_grace=timedelta(0),
    )
    engine = make_engine(f"sqlite:///{data_dir / 'node.db'}")
    try:
        Retention(engine=engine, images=store, settings=RetentionSettings(), clock=utc_now).run()
    finally:
        store.close()
        engine.dispose()
    assert set(bucket_objects(client, s3_bucket)) == referenced, (
        f"the sweep left orphans or removed images of reads ({len(rowless)} rowless before)"
    )
