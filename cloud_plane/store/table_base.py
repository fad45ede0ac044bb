"""The base of the SQL cloud store's tables: their own registry and metadata.

Never ``SQLModel.metadata``: the node's tables are registered there, and a process that
loads both (the test suite, the demo) must not mix the two schemas.
"""

from __future__ import annotations

from sqlalchemy import Column
from sqlalchemy.orm import registry
from sqlmodel import SQLModel

from cloud_plane.store.types import UTCDateTime

cloud_registry = registry()


class CloudTable(SQLModel, registry=cloud_registry):
    """Base of the cloud's tables (own metadata)."""


metadata = cloud_registry.metadata


def utc_column(*, nullable: bool = False, index: bool = False) -> Column:
    """A UTC timestamp column."""
    return Column(UTCDateTime(), nullable=nullable, index=index)
