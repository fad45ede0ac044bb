"""The SQS wire layer: batches of ten, delays within SQS's bounds, a cheap cached DLQ depth."""

from __future__ import annotations

import boto3
import pytest

from cloud_plane.alerts.sqs import CachedDepth, QueueError, SqsQueue, _region_of, delay_for
from tests.cloud_plane.alerts.conftest import REGION


@pytest.fixture
def queue(aws: None) -> SqsQueue:
    client = boto3.client("sqs", region_name=REGION)
    return SqsQueue(client.create_queue(QueueName="q")["QueueUrl"], client=client)


def test_more_than_ten_ids_go_out_in_batches_of_ten(queue: SqsQueue) -> None:
    ids = [f"d-{i}" for i in range(25)]
    assert queue.send(ids) == []
    assert queue.depth() == 25
    got: list[str] = []
    while batch := queue.receive(wait_s=0):
        got += [r["body"] for r in batch]
    assert sorted(got) == sorted(ids)


def test_ids_a_missing_queue_cannot_take_are_returned(aws: None) -> None:
    client = boto3.client("sqs", region_name=REGION)
    url = client.create_queue(QueueName="q")["QueueUrl"]
    assert SqsQueue(url + "-gone", client=client).send(["a", "b"]) == ["a", "b"]


def test_delays_are_whole_seconds_within_what_sqs_allows() -> None:
    assert [delay_for(s) for s in (-3, 0, 0.2, 59.01, 900, 5000)] == [0, 0, 1, 60, 900, 900]


def test_the_region_is_read_from_an_aws_queue_url_only() -> None:
    assert _region_of("https://sqs.eu-west-2.amazonaws.com/123456789012/q") == "eu-west-2"
    assert _region_of("http://127.0.0.1:5000/123456789012/q") is None


def test_the_depth_is_read_at_most_once_per_ttl() -> None:
    reads, now = [], [0.0]

    def read() -> int:
        reads.append(1)
        return len(reads)

    depth = CachedDepth(read, ttl_s=15, monotonic=lambda: now[0])
    assert (depth(), depth()) == (1, 1)
    now[0] = 16
    assert depth() == 2


def test_an_unreadable_depth_is_unknown_not_an_error() -> None:
    def read() -> int:
        raise QueueError("cannot read the depth of q: no route")

    assert CachedDepth(read)() is None
