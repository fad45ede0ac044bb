"""A node database (migrated, SQLite file or PostgreSQL) holding reads stored as ingest does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import Engine

from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.plate_dictionary import record_reads
from local_node.db.tables import Camera, Detection
from local_node.search import DetectionQuery, search
from sync_protocol.plate_rules import confusion_key, normalize_plate
from tests.search_contract import ContractRead

CAMERA = "cam-1"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated node database with one camera."""
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(Camera.__table__).values(
                id=CAMERA, name="gate", key_hash="0" * 64, created_at=datetime.now(UTC)
            )
        )
    yield engine
    engine.dispose()


class NodeHarness:
    """The node's search under the shared contract (tests/search_contract.py)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seq = 0

    def store(self, reads: Sequence[ContractRead]) -> None:
        """Store reads as detections of one camera, and in the dictionary, as ingest does."""
        rows = []
        for read in reads:
            self.seq += 1
            norm = normalize_plate(read.plate)
            rows.append(
                {
                    "id": str(uuid.uuid4()),
                    "seq": self.seq,
                    "event_id": read.token,
                    "camera_id": CAMERA,
                    "captured_at": read.at,
                    "received_at": read.at,
                    "plate": read.plate,
                    "plate_norm": norm,
                    "plate_key": confusion_key(norm),
                }
            )
        with self.engine.begin() as conn:
            for start in range(0, len(rows), 500):
                chunk = rows[start : start + 500]
                conn.execute(insert(Detection.__table__), chunk)
                record_reads(conn, chunk)

    def search(
        self,
        plate: str,
        *,
        fuzzy: bool,
        max_edits: int,
        limit: int,
        cursor: str | None,
        since: datetime | None,
    ) -> tuple[list[str], str | None]:
        """One page of event ids, newest first, and the next cursor."""
        query = DetectionQuery(
            plate=plate, fuzzy=fuzzy, max_edits=max_edits, limit=limit, cursor=cursor, since=since
        )
        rows, next_cursor = search(self.engine, query)
        return [r.event_id or "" for r in rows], next_cursor


@pytest.fixture
def harness(engine: Engine) -> NodeHarness:
    """An empty node database under the contract harness."""
    return NodeHarness(engine)
