"""The single table's definition: keys, secondary indexes and TTL (one source for setup and CDK).

Every item has ``pk``/``sk`` (strings, built by ``store/keys.py`` and the role modules).
Three generic, sparse global secondary indexes serve the access patterns a key cannot:
an item appears in ``gsiN`` only when it carries both ``gsiNpk`` and ``gsiNsk``, so each
index costs writes only for the items that need it. ``expires_at`` (epoch seconds) is the
TTL attribute: DynamoDB deletes such items some time after it passes, so readers must also
skip items whose ``expires_at`` is in the past.
"""

from __future__ import annotations

from typing import Any

PK = "pk"
SK = "sk"
TTL_ATTRIBUTE = "expires_at"
INDEXES: dict[str, tuple[str, str]] = {
    "gsi1": ("gsi1pk", "gsi1sk"),
    "gsi2": ("gsi2pk", "gsi2sk"),
    "gsi3": ("gsi3pk", "gsi3sk"),
}


def indexes_of(item: dict[str, Any]) -> list[str]:
    """Return the indexes ``item`` appears in (it carries both of their key attributes)."""
    return [name for name, (hk, rk) in INDEXES.items() if hk in item and rk in item]


def create_table_request(table_name: str) -> dict[str, Any]:
    """Return the CreateTable parameters of the store's table (on-demand billing)."""
    attributes = [PK, SK, *(a for keys in INDEXES.values() for a in keys)]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [
            {"AttributeName": PK, "KeyType": "HASH"},
            {"AttributeName": SK, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": hk, "KeyType": "HASH"},
                    {"AttributeName": rk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, (hk, rk) in INDEXES.items()
        ],
    }


def create_table(client: Any, table_name: str) -> bool:
    """Create the table with TTL on ``expires_at`` and wait for it; False if it existed."""
    try:
        client.create_table(**create_table_request(table_name))
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=table_name)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
    )
    return True
