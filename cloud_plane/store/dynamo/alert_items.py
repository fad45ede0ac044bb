"""Record dataclasses ↔ DynamoDB item attributes, and update expressions from plain changes.

Shared by the alert roles' modules. Times are stored as ``keys.time_text`` strings (fixed
width, UTC), so DynamoDB's string comparisons in conditions order them like times; a
``None`` is not stored at all (smaller items, and ``attribute_not_exists`` reads as "unset").
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any, TypeVar

from cloud_plane.store.alert_keys import parse_time
from cloud_plane.store.dynamo.table import DynamoTable, to_dynamo
from cloud_plane.store.keys import time_text

T = TypeVar("T")


def to_value(value: Any) -> Any:
    """Return ``value`` as stored (times as sortable text)."""
    return time_text(value) if isinstance(value, datetime) else value


def to_attributes(record: Any) -> dict[str, Any]:
    """Return a record dataclass's fields as item attributes, leaving out the ``None`` ones."""
    assert is_dataclass(record)
    values = ((f.name, getattr(record, f.name)) for f in fields(record))
    return {name: to_value(value) for name, value in values if value is not None}


@functools.cache
def _field_kinds(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """Return (the fields holding times, the fields that may be None) of a record class."""
    times, optional = set(), set()
    for name, hint in typing.get_type_hints(cls).items():
        args = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        if datetime in args:
            times.add(name)
        if type(None) in args:
            optional.add(name)
    return frozenset(times), frozenset(optional)


def from_item(cls: type[T], item: Mapping[str, Any], **converted: Any) -> T:
    """Build record ``cls`` from an item's attributes of the same names; ``converted`` wins.

    A missing attribute is ``None`` where the field may be None (``None`` is not stored),
    else the field's default; a required field without an attribute is a corrupt item
    (KeyError names it).
    """
    assert is_dataclass(cls)
    times, optional = _field_kinds(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):
        if f.name in converted:
            continue
        if f.name in item:
            value = item[f.name]
            values[f.name] = parse_time(value) if f.name in times else value
        elif f.name in optional:
            values[f.name] = None
        elif f.default is MISSING and f.default_factory is MISSING:
            raise KeyError(f"item {item.get('pk')}/{item.get('sk')} has no {f.name!r}")
    return cls(**values, **converted)


def update_expression(
    changes: Mapping[str, Any], *, add: Mapping[str, int] | None = None
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Return (expression, names, values) setting ``changes`` (``None`` removes) and adding ``add``.

    Every attribute name goes through a placeholder: ``status``, ``count`` and others are
    DynamoDB reserved words.
    """
    sets, removes, adds = [], [], []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    for i, (name, value) in enumerate(changes.items()):
        names[f"#u{i}"] = name
        if value is None:
            removes.append(f"#u{i}")
        else:
            sets.append(f"#u{i} = :u{i}")
            values[f":u{i}"] = to_value(value)
    for j, (name, amount) in enumerate((add or {}).items()):
        names[f"#a{j}"] = name
        adds.append(f"#a{j} :a{j}")
        values[f":a{j}"] = amount
    parts = []
    if sets:
        parts.append("SET " + ", ".join(sets))
    if removes:
        parts.append("REMOVE " + ", ".join(removes))
    if adds:
        parts.append("ADD " + ", ".join(adds))
    if not parts:
        raise ValueError("an update needs at least one change")
    return " ".join(parts), names, values


@dataclass(frozen=True)
class Action:
    """One conditional write of a group that must happen together (or alone).

    ``kind`` is DynamoDB's action name: ``Put`` (``item``), ``Update`` (``key`` and
    ``update``), ``Delete`` (``key``) or ``ConditionCheck`` (``key``; only in a group).
    """

    kind: str
    key: Mapping[str, str] | None = None
    item: Mapping[str, Any] | None = None
    update: str | None = None
    condition: str | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)

    def serialised(self, table: str) -> dict[str, Any]:
        """Return the action as one TransactWriteItems entry."""
        body: dict[str, Any] = {"TableName": table}
        if self.item is not None:
            body["Item"] = to_dynamo(self.item)
        if self.key is not None:
            body["Key"] = to_dynamo(self.key)
        if self.update is not None:
            body["UpdateExpression"] = self.update
        if self.condition is not None:
            body["ConditionExpression"] = self.condition
        if self.names:
            body["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            body["ExpressionAttributeValues"] = to_dynamo(self.values)
        return {self.kind: body}


def commit(table: DynamoTable, actions: Sequence[Action]) -> bool:
    """Apply ``actions`` all or none; False if a condition failed (nothing was written).

    One action is a plain conditional write; more are one TransactWriteItems (twice the
    units, so only where items must change together).
    """
    if not actions:
        return True
    if len(actions) > 1:
        return table.transact_write([a.serialised(table.name) for a in actions])
    [a] = actions
    names, values = a.names or None, a.values or None
    if a.kind == "Put" and a.item is not None:
        return table.put(a.item, condition=a.condition, names=names, values=values)
    if a.kind == "Update" and a.key is not None and a.update is not None:
        updated = table.update(a.key, a.update, condition=a.condition, names=names, values=values)
        return updated is not None
    if a.kind == "Delete" and a.key is not None:
        # A delete's answer does not tell "condition failed" from "nothing there": both are
        # None, and both mean nothing was deleted. Callers that must tell them apart group it.
        deleted = table.delete(a.key, condition=a.condition, names=names, values=values)
        return deleted is not None
    raise ValueError(f"cannot apply a lone {a.kind} action")
