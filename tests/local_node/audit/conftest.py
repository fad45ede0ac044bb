"""A migrated node database (SQLite and PostgreSQL) for the audit module's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from local_node.audit.recorder import Auditor
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade


class StepClock:
    """Each call a second later than the last: entries get distinct, ordered times."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return datetime(2026, 12, 5, 0, 0, self.calls % 60, tzinfo=UTC)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    upgrade(made)
    yield made
    made.dispose()


@pytest.fixture
def auditor(engine: Engine) -> Auditor:
    return Auditor(engine=engine, actor="user:ann", source="10.0.0.9", clock=StepClock())
