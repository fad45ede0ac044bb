"""A thin, metered layer over one DynamoDB table: typed items in, typed items out.

Items are plain dicts of Python values (str, int, Decimal, bool, None, bytes, list, dict);
numbers come back as ``int`` when whole. Every call counts its capacity on the table's
``CapacityMeter`` (``capacity.py``). Conditional failures are answers, not errors: ``put``
and ``update`` return False / None for them. ``batch_write`` keeps DynamoDB's limits itself
(25 requests per call; moto accepts more, AWS does not; a key given twice is sent once, as
DynamoDB refuses duplicates in one request) and retries unprocessed items with backoff, so a
throttled batch is finished, not half-written. ``transact_write`` takes actions built by
``tx_put``/``tx_update``/``tx_delete``/``tx_check``, answers False when a condition failed
and retries cancellations caused only by contention (``TransactionConflict``, throttling).
Read-modify-write loops in the roles give up after ``ATTEMPTS`` tries with ``Contended``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from cloud_plane.errors import ServiceUnavailable
from cloud_plane.store.dynamo.capacity import CapacityMeter, item_size
from cloud_plane.store.dynamo.schema import PK, SK, indexes_of

BATCH_WRITE_LIMIT = 25
BATCH_GET_LIMIT = 100
TRANSACT_LIMIT = 100  # actions in one TransactWriteItems
RETRY_DELAYS_S = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2)
ATTEMPTS = 8  # read-modify-write rounds a role tries before it gives up (``Contended``)
_CONTENTION = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class UnprocessedItems(RuntimeError):
    """DynamoDB kept refusing part of a batch after every retry (throttling)."""


class Contended(ServiceUnavailable):
    """The items a read-modify-write reads kept changing under it; it gave up (nothing written)."""


def attempts(what: str) -> Iterator[int]:
    """Yield the rounds of a read-modify-write, then raise Contended naming ``what``."""
    yield from range(ATTEMPTS)
    raise Contended(f"{what}: the items kept changing under it; gave up after {ATTEMPTS} tries")


def to_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``item`` in DynamoDB's attribute-value form (floats become Decimals)."""
    return {k: _serializer.serialize(_decimals(v)) for k, v in item.items()}


def from_dynamo(item: Mapping[str, Any]) -> dict[str, Any]:
    """Return an attribute-value item as plain Python values (whole numbers as int)."""
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if isinstance(value, bytes | bytearray) or type(value).__name__ == "Binary":
        return bytes(value.value if hasattr(value, "value") else value)
    return value


def is_conditional_failure(exc: ClientError) -> bool:
    """Return True if the error is a failed ConditionExpression."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


class DynamoTable:
    """One table, its client and its capacity meter."""

    def __init__(self, client: Any, name: str, *, meter: CapacityMeter | None = None) -> None:
        self.client = client
        self.name = name
        self.meter = meter or CapacityMeter()

    # -- single items --------------------------------------------------------------------------
    def get(self, key: Mapping[str, str], *, consistent: bool = True) -> dict[str, Any] | None:
        """Return the item at ``key`` or None (strongly consistent unless told otherwise)."""
        answer = self.client.get_item(TableName=self.name, Key=_key(key), ConsistentRead=consistent)
        raw = answer.get("Item")
        item = from_dynamo(raw) if raw else None
        self.meter.read("table", item_size(item) if item else 0, consistent=consistent)
        return item

    def put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Write ``item`` (if ``condition`` holds); return False when the condition failed."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Item": to_dynamo(item)}
        _add_expression(kwargs, condition=condition, names=names, values=values)
        try:
            self.client.put_item(**kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                self.meter.wrote(item)  # a refused conditional write is still charged
                return False
            raise
        self.meter.wrote(item, indexes_of(dict(item)))
        return True

    def update(
        self,
        key: Mapping[str, str],
        expression: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Apply an UpdateExpression; return the whole item after it, or None if ``condition``
        failed."""
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "Key": _key(key),
            "UpdateExpression": expression,
            "ReturnValues": "ALL_NEW",
        }
        _add_expression(kwargs, condition=condition, names=names, values=values)
        try:
            answer = self.client.update_item(**kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                self.meter.wrote(key)
                return None
            raise
        item = from_dynamo(answer.get("Attributes", {}))
        # DynamoDB charges the larger of the item before and after; only "after" comes back,
        # which is the larger for every update here (they add or replace, never shrink much).
        self.meter.wrote(item, indexes_of(item))
        return item

    def delete(
        self,
        key: Mapping[str, str],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Delete the item at ``key``; return what was deleted (None: nothing, or the
        condition failed)."""
        kwargs: dict[str, Any] = {"TableName": self.name, "Key": _key(key)}
        kwargs["ReturnValues"] = "ALL_OLD"
        _add_expression(kwargs, condition=condition, names=names, values=values)
        try:
            answer = self.client.delete_item(**kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                self.meter.wrote(key)
                return None
            raise
        old = from_dynamo(answer["Attributes"]) if answer.get("Attributes") else None
        self.meter.wrote(old or key, indexes_of(old or {}))
        return old

    # -- many items ----------------------------------------------------------------------------
    def query(
        self,
        key_condition: str,
        *,
        values: Mapping[str, Any],
        names: Mapping[str, str] | None = None,
        index: str | None = None,
        forward: bool = True,
        limit: int | None = None,
        start_key: Mapping[str, Any] | None = None,
        filter: str | None = None,
        consistent: bool = False,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the items of a Query in key order, page after page, up to ``limit`` items.

        ``page_size`` caps the items each request evaluates (DynamoDB's ``Limit``); the
        iterator stops early when the caller stops consuming it.
        """
        kwargs: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": key_condition,
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        elif consistent:
            kwargs["ConsistentRead"] = True
        if filter:
            kwargs["FilterExpression"] = filter
        _add_expression(kwargs, condition=None, names=names, values=values)
        if start_key:
            kwargs["ExclusiveStartKey"] = to_dynamo(start_key)
        given = 0
        while True:
            if page_size or limit:
                kwargs["Limit"] = min(x for x in (page_size, limit and limit - given) if x)
            answer = self.client.query(**kwargs)
            items = [from_dynamo(i) for i in answer.get("Items", [])]
            # Indexes cannot be read strongly consistently (the request says so only for the
            # table), so their pages are counted at the eventually consistent rate.
            self.meter.read(
                index or "table",
                sum(item_size(i) for i in items),
                consistent=consistent and not index,
            )
            for item in items:
                yield item
                given += 1
                if limit is not None and given >= limit:
                    return
            last = answer.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def batch_get(
        self, keys: Sequence[Mapping[str, str]], *, consistent: bool = False
    ) -> list[dict[str, Any]]:
        """Return the items found at ``keys`` (any order; missing keys are left out).

        Metered as DynamoDB charges a BatchGetItem: each key as its own GetItem, every
        item rounded up to 4 KB on its own, and a key that finds nothing still charged.
        """
        found: list[dict[str, Any]] = []
        unique = list({(k[PK], k[SK]): {PK: k[PK], SK: k[SK]} for k in keys}.values())
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            chunk = unique[start : start + BATCH_GET_LIMIT]
            request: dict[str, Any] = {
                self.name: {"Keys": [to_dynamo(k) for k in chunk], "ConsistentRead": consistent}
            }
            got: list[dict[str, Any]] = []
            for delay in (*RETRY_DELAYS_S, None):
                answer = self.client.batch_get_item(RequestItems=request)
                got += [from_dynamo(i) for i in answer.get("Responses", {}).get(self.name, [])]
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                if delay is None:
                    raise UnprocessedItems(
                        f"{len(request[self.name]['Keys'])} keys of {self.name} still unread"
                        f" after {len(RETRY_DELAYS_S) + 1} tries (throttled)"
                    )
                time.sleep(delay)
            for item in got:
                self.meter.read("table", item_size(item), consistent=consistent)
            for _ in range(len(chunk) - len(got)):
                self.meter.read("table", 0, consistent=consistent)
            found += got
        return found

    def batch_write(
        self,
        puts: Sequence[Mapping[str, Any]] = (),
        deletes: Sequence[Mapping[str, str]] = (),
    ) -> None:
        """Write and delete items unconditionally, 25 per request, retrying unprocessed ones.

        A key given more than once is sent once, its last request winning (deletes come
        after puts), because DynamoDB refuses a request that names one key twice. Returns
        when every item is durable; raises UnprocessedItems if DynamoDB still refused some
        after every retry (the caller must not acknowledge them).
        """
        by_key: dict[tuple[Any, Any], tuple[str, Mapping[str, Any]]] = {}
        for item in puts:
            by_key.pop((item[PK], item[SK]), None)  # re-inserted last: the later request wins
            by_key[(item[PK], item[SK])] = ("put", item)
        for key in deletes:
            by_key.pop((key[PK], key[SK]), None)
            by_key[(key[PK], key[SK])] = ("delete", key)
        requests = [
            {"PutRequest": {"Item": to_dynamo(body)}}
            if kind == "put"
            else {"DeleteRequest": {"Key": to_dynamo({PK: body[PK], SK: body[SK]})}}
            for kind, body in by_key.values()
        ]
        for start in range(0, len(requests), BATCH_WRITE_LIMIT):
            pending = requests[start : start + BATCH_WRITE_LIMIT]
            for delay in (*RETRY_DELAYS_S, None):
                answer = self.client.batch_write_item(RequestItems={self.name: pending})
                pending = (answer.get("UnprocessedItems") or {}).get(self.name, [])
                if not pending:
                    break
                if delay is None:
                    raise UnprocessedItems(
                        f"{len(pending)} writes to {self.name} still unprocessed after"
                        f" {len(RETRY_DELAYS_S) + 1} tries (throttled); nothing was acknowledged"
                    )
                time.sleep(delay)
        for kind, body in by_key.values():
            self.meter.wrote(body, indexes_of(dict(body)) if kind == "put" else ())

    # -- transactions --------------------------------------------------------------------------
    def tx_put(
        self,
        item: Mapping[str, Any],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return a transaction's Put of ``item`` (if ``condition`` holds)."""
        body: dict[str, Any] = {"TableName": self.name, "Item": to_dynamo(item)}
        _add_expression(body, condition=condition, names=names, values=values)
        return {"Put": body}

    def tx_update(
        self,
        key: Mapping[str, str],
        expression: str,
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return a transaction's Update of the item at ``key``."""
        body: dict[str, Any] = {
            "TableName": self.name,
            "Key": _key(key),
            "UpdateExpression": expression,
        }
        _add_expression(body, condition=condition, names=names, values=values)
        return {"Update": body}

    def tx_delete(
        self,
        key: Mapping[str, str],
        *,
        condition: str | None = None,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return a transaction's Delete of the item at ``key``."""
        body: dict[str, Any] = {"TableName": self.name, "Key": _key(key)}
        _add_expression(body, condition=condition, names=names, values=values)
        return {"Delete": body}

    def tx_check(
        self,
        key: Mapping[str, str],
        condition: str,
        *,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Return a transaction's ConditionCheck on the item at ``key`` (writes nothing)."""
        body: dict[str, Any] = {"TableName": self.name, "Key": _key(key)}
        _add_expression(body, condition=condition, names=names, values=values)
        return {"ConditionCheck": body}

    def transact_write(self, actions: Sequence[Mapping[str, Any]]) -> bool:
        """Run a TransactWriteItems of ``tx_*`` actions; False if one of its conditions failed.

        A cancellation caused only by contention (another transaction on one of the items,
        throttling) is retried with backoff: nothing was written, and the conditions still
        decide. Transactions cost twice the units of plain writes: use them only where items
        must change together (never per read).
        """
        if not 0 < len(actions) <= TRANSACT_LIMIT:
            raise ValueError(f"a transaction takes 1..{TRANSACT_LIMIT} actions, not {len(actions)}")
        for delay in (*RETRY_DELAYS_S, None):
            try:
                self.client.transact_write_items(TransactItems=list(actions))
                break
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                    raise
                codes = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
                if "ConditionalCheckFailed" in codes:
                    self._meter_transaction(actions)  # a refused transaction is still charged
                    return False
                if delay is None or not codes & _CONTENTION:
                    raise
                time.sleep(delay)
        self._meter_transaction(actions)
        return True

    def _meter_transaction(self, actions: Sequence[Mapping[str, Any]]) -> None:
        for action in actions:
            body = next(iter(action.values()))
            item = from_dynamo(body.get("Item") or body.get("Key") or {})
            # Twice: a transaction prepares and commits every item it touches.
            self.meter.wrote(item, indexes_of(item))
            self.meter.wrote(item, indexes_of(item))


def _key(key: Mapping[str, Any]) -> dict[str, Any]:
    """Return the primary key of ``key`` in DynamoDB form (a whole item may be passed)."""
    return to_dynamo({PK: key[PK], SK: key[SK]})


def _add_expression(
    kwargs: dict[str, Any],
    *,
    condition: str | None,
    names: Mapping[str, str] | None,
    values: Mapping[str, Any] | None,
) -> None:
    if condition:
        kwargs["ConditionExpression"] = condition
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    if values:
        kwargs["ExpressionAttributeValues"] = to_dynamo(values)
