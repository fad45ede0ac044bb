"""Turning SQL rows into the store's record dataclasses (one rule instead of a copy per type)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def from_row(cls: type[T], row: Mapping[str, Any], **converted: Any) -> T:
    """Build dataclass ``cls`` from the row's columns of the same names; ``converted`` wins.

    Every field must have a column or a converted value (a KeyError names the missing one).
    """
    values = {f.name: row[f.name] for f in fields(cls) if f.name not in converted}  # type: ignore[arg-type]
    return cls(**values, **converted)
