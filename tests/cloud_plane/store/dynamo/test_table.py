"""The table layer: DynamoDB's request limits kept by us, retries, conditional answers, paging.

moto accepts BatchWriteItem requests of any size and never leaves items unprocessed, so
the limits and retries are shown against a recording fake client; what moto does model
(conditions, transactions, paging) is shown against moto.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from cloud_plane.store.dynamo import table as table_module
from cloud_plane.store.dynamo.schema import create_table
from cloud_plane.store.dynamo.table import (
    BATCH_GET_LIMIT,
    BATCH_WRITE_LIMIT,
    RETRY_DELAYS_S,
    Contended,
    DynamoTable,
    UnprocessedItems,
    attempts,
    from_dynamo,
    to_dynamo,
)

NAME = "t"


def item(n: int, **extra: Any) -> dict[str, Any]:
    return {"pk": f"P#{n}", "sk": "S", "n": n, **extra}


class RecordingClient:
    """A DynamoDB client that records each batch request and leaves items unprocessed on cue.

    ``refuse`` holds how many requests of each call to send back unprocessed, call by call
    (then none); ``refuse_always`` sends every request back, as sustained throttling would.
    """

    def __init__(self, refuse: list[int] | None = None, refuse_always: bool = False) -> None:
        self.refuse = list(refuse or [])
        self.refuse_always = refuse_always
        self.batches: list[list[dict[str, Any]]] = []
        self.written: list[dict[str, Any]] = []

    def batch_write_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        requests = RequestItems[NAME]
        self.batches.append(requests)
        if len(requests) > BATCH_WRITE_LIMIT:  # what AWS answers; moto does not
            raise AssertionError(f"{len(requests)} requests in one BatchWriteItem")
        keep = len(requests) if self.refuse_always else (self.refuse.pop(0) if self.refuse else 0)
        done, back = requests[keep:], requests[:keep]
        self.written += done
        return {"UnprocessedItems": {NAME: back} if back else {}}

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        keys = RequestItems[NAME]["Keys"]
        self.batches.append(keys)
        if len(keys) > BATCH_GET_LIMIT:
            raise AssertionError(f"{len(keys)} keys in one BatchGetItem")
        keep = len(keys) if self.refuse_always else (self.refuse.pop(0) if self.refuse else 0)
        back = keys[:keep]
        answer: dict[str, Any] = {
            "Responses": {NAME: [{**k, "v": {"S": "x"}} for k in keys[keep:]]}
        }
        if back:
            answer["UnprocessedKeys"] = {NAME: {"Keys": back, "ConsistentRead": False}}
        return answer


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries wait for nothing here (the schedule is RETRY_DELAYS_S)."""
    monkeypatch.setattr(table_module.time, "sleep", lambda _: None)


@pytest.fixture
def moto_table(aws_credentials: None) -> Iterator[DynamoTable]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        create_table(client, NAME)
        yield DynamoTable(client, NAME)


# -- batch writes ------------------------------------------------------------------------------
def test_batch_write_sends_at_most_25_requests_per_call() -> None:
    client = RecordingClient()
    DynamoTable(client, NAME).batch_write([item(n) for n in range(60)])
    assert [len(b) for b in client.batches] == [25, 25, 10]
    assert len(client.written) == 60


def test_unprocessed_items_are_retried_until_written() -> None:
    client = RecordingClient(refuse=[10, 4, 1])
    DynamoTable(client, NAME).batch_write([item(n) for n in range(25)])
    assert [len(b) for b in client.batches] == [25, 10, 4, 1]
    assert sorted(from_dynamo(w["PutRequest"]["Item"])["n"] for w in client.written) == list(
        range(25)
    )


def test_unprocessed_items_raise_when_they_never_are_written() -> None:
    client = RecordingClient(refuse_always=True)
    with pytest.raises(UnprocessedItems, match="still unprocessed"):
        DynamoTable(client, NAME).batch_write([item(1)])
    assert len(client.batches) == len(RETRY_DELAYS_S) + 1


def test_a_key_given_twice_in_one_batch_is_sent_once_and_the_last_wins() -> None:
    client = RecordingClient()
    DynamoTable(client, NAME).batch_write([item(1, v="old"), item(2), item(1, v="new")])
    [batch] = client.batches
    sent = [from_dynamo(r["PutRequest"]["Item"]) for r in batch]
    assert sorted((i["n"], i.get("v")) for i in sent) == [(1, "new"), (2, None)]


def test_a_delete_after_a_put_of_one_key_is_the_request_sent() -> None:
    client = RecordingClient()
    DynamoTable(client, NAME).batch_write([item(1)], deletes=[{"pk": "P#1", "sk": "S"}])
    assert [list(r) for r in client.batches[0]] == [["DeleteRequest"]]


def test_batch_write_meters_each_item_in_its_indexes() -> None:
    table = DynamoTable(RecordingClient(), NAME)
    table.batch_write([item(1, gsi1pk="a", gsi1sk="b"), item(2)])
    assert (table.meter.writes["table"], table.meter.writes["gsi1"]) == (2, 1)


# -- batch reads -------------------------------------------------------------------------------
def test_batch_get_asks_at_most_100_keys_per_call() -> None:
    client = RecordingClient()
    found = DynamoTable(client, NAME).batch_get([{"pk": f"P#{n}", "sk": "S"} for n in range(250)])
    assert [len(b) for b in client.batches] == [100, 100, 50]
    assert len(found) == 250


def test_batch_get_retries_unprocessed_keys_and_raises_when_never_read() -> None:
    client = RecordingClient(refuse=[30])
    assert (
        len(DynamoTable(client, NAME).batch_get([{"pk": f"P#{n}", "sk": "S"} for n in range(40)]))
        == 40
    )
    assert [len(b) for b in client.batches] == [40, 30]
    with pytest.raises(UnprocessedItems, match="still unread"):
        DynamoTable(RecordingClient(refuse_always=True), NAME).batch_get([{"pk": "P#1", "sk": "S"}])


def test_batch_get_charges_every_key_on_its_own() -> None:
    # AWS: a BatchGetItem reads each item as its own GetItem (rounded up to 4 KB each).
    table = DynamoTable(RecordingClient(), NAME)
    table.batch_get([{"pk": "P#1", "sk": "S"}, {"pk": "P#2", "sk": "S"}], consistent=True)
    assert table.meter.reads["table"] == 2


# -- conditional writes (moto) -----------------------------------------------------------------
def test_a_failed_put_condition_returns_false(moto_table: DynamoTable) -> None:
    assert moto_table.put(item(1), condition="attribute_not_exists(pk)") is True
    assert moto_table.put(item(1, v="again"), condition="attribute_not_exists(pk)") is False
    assert moto_table.get(item(1)) == item(1)


def test_a_failed_update_condition_returns_none(moto_table: DynamoTable) -> None:
    moto_table.put(item(1))
    assert (
        moto_table.update(item(1), "SET v = :v", condition="n = :two", values={":v": 1, ":two": 2})
        is None
    )
    assert moto_table.update(item(1), "SET v = :v", values={":v": 1}) == item(1, v=1)


def test_a_failed_delete_condition_returns_none(moto_table: DynamoTable) -> None:
    moto_table.put(item(1))
    assert moto_table.delete(item(1), condition="n = :two", values={":two": 2}) is None
    assert moto_table.delete(item(1)) == item(1)
    assert moto_table.get(item(1)) is None


def test_a_transaction_whose_condition_fails_returns_false_and_writes_nothing(
    moto_table: DynamoTable,
) -> None:
    moto_table.put(item(1))
    actions = [
        moto_table.tx_put(item(2)),
        moto_table.tx_check(item(1), "n = :two", values={":two": 2}),
    ]
    assert moto_table.transact_write(actions) is False
    assert moto_table.get(item(2)) is None
    ok = [moto_table.tx_put(item(2)), moto_table.tx_update(item(1), "SET v = :v", values={":v": 3})]
    assert moto_table.transact_write(ok) is True
    assert (moto_table.get(item(2)), moto_table.get(item(1))) == (item(2), item(1, v=3))


def test_a_transaction_is_charged_twice(moto_table: DynamoTable) -> None:
    moto_table.transact_write([moto_table.tx_put(item(1))])
    assert moto_table.meter.writes["table"] == 2


def test_a_transaction_over_the_limit_is_refused_before_sending(moto_table: DynamoTable) -> None:
    with pytest.raises(ValueError, match=r"1\.\.100 actions"):
        moto_table.transact_write([moto_table.tx_put(item(n)) for n in range(101)])


class ConflictingClient:
    """Cancels the first ``conflicts`` transactions for contention, then accepts."""

    def __init__(self, conflicts: int, code: str = "TransactionConflict") -> None:
        self.conflicts, self.code, self.calls = conflicts, code, 0

    def transact_write_items(self, TransactItems: list[Any]) -> dict[str, Any]:
        self.calls += 1
        if self.calls <= self.conflicts:
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                    "CancellationReasons": [{"Code": self.code}, {"Code": "None"}],
                },
                "TransactWriteItems",
            )
        return {}


def test_a_transaction_cancelled_by_contention_is_retried() -> None:
    client = ConflictingClient(conflicts=2)
    table = DynamoTable(client, NAME)
    assert table.transact_write([table.tx_put(item(1))]) is True
    assert client.calls == 3


def test_a_transaction_cancelled_by_a_condition_is_not_retried() -> None:
    client = ConflictingClient(conflicts=1, code="ConditionalCheckFailed")
    table = DynamoTable(client, NAME)
    assert table.transact_write([table.tx_put(item(1))]) is False
    assert client.calls == 1


def test_a_transaction_still_contended_after_every_retry_raises() -> None:
    client = ConflictingClient(conflicts=100)
    table = DynamoTable(client, NAME)
    with pytest.raises(ClientError):
        table.transact_write([table.tx_put(item(1))])
    assert client.calls == len(RETRY_DELAYS_S) + 1


def test_attempts_give_up_with_contended() -> None:
    with pytest.raises(Contended, match="rename: the items kept changing"):
        for _ in attempts("rename"):
            pass


# -- queries (moto) ----------------------------------------------------------------------------
def test_a_query_pages_through_the_partition_and_stops_at_its_limit(
    moto_table: DynamoTable,
) -> None:
    moto_table.batch_write([{"pk": "P", "sk": f"S#{n:02d}", "n": n} for n in range(30)])
    every = moto_table.query("pk = :p", values={":p": "P"}, page_size=7)
    assert [i["n"] for i in every] == list(range(30))
    newest = moto_table.query("pk = :p", values={":p": "P"}, forward=False, limit=12, page_size=5)
    assert [i["n"] for i in newest] == list(range(29, 17, -1))


def test_index_reads_are_metered_as_eventually_consistent(moto_table: DynamoTable) -> None:
    moto_table.put(item(1, gsi1pk="A", gsi1sk="1"))
    list(moto_table.query("gsi1pk = :a", values={":a": "A"}, index="gsi1", consistent=True))
    assert moto_table.meter.reads["gsi1"] == 0.5


# -- values ------------------------------------------------------------------------------------
def test_values_round_trip_through_dynamodb_form() -> None:
    value = {
        "i": 7,
        "f": 1.5,
        "s": "x",
        "b": b"\x00\x01",
        "n": None,
        "t": True,
        "l": [1, {"k": 2.25}],
    }
    assert from_dynamo(to_dynamo(value)) == value
