"""A node database with reads in it (SQLite, or PostgreSQL when configured) to back up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from local_node.config import NodeSettings
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.images.store import FileImageStore
from local_node.ingest.models import DetectionIn
from local_node.ingest.writer import IngestWriter


class StepClock:
    """A clock tests move; starts at a fixed instant."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class BackupNode:
    """A node's settings and database holding a few reads."""

    settings: NodeSettings
    engine: Engine
    clock: StepClock

    def count(self, table: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()

    def with_settings(self, **backup: object) -> NodeSettings:
        """The node's settings with these backup settings changed."""
        group = self.settings.backup.model_copy(update=backup)
        return self.settings.model_copy(update={"backup": group})


def add_reads(settings: NodeSettings, engine: Engine, count: int) -> None:
    """Store ``count`` reads through the real writer."""
    now = datetime.now(UTC)
    camera = repo.create_camera(engine, f"gate-{now.timestamp()}", now)
    writer = IngestWriter(
        engine=engine, images=FileImageStore(settings.images_dir), clock=lambda: datetime.now(UTC)
    )
    writer.start()
    try:
        for i in range(count):
            writer.submit(
                camera_id=camera.id,
                detection=DetectionIn(plate=f"AB{i:05d}", captured_at=now),
                image=None,
                image_kind=None,
            ).result(10)
    finally:
        writer.stop()


@pytest.fixture
def backup_node(tmp_path: Path, database_url: str) -> Iterator[BackupNode]:
    """A node (SQLite and PostgreSQL) with 12 reads, backing up to tmp_path/backups."""
    settings = NodeSettings(
        data_dir=tmp_path / "node",
        database_url=database_url,
        min_free_bytes=0,
        timezone="Europe/London",
        backup_destination=str(tmp_path / "backups"),
    )
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    repo.ensure_state(engine, datetime.now(UTC))
    add_reads(settings, engine, 12)
    try:
        yield BackupNode(settings, engine, StepClock(datetime(2026, 3, 2, 2, 30, tzinfo=UTC)))
    finally:
        engine.dispose()
