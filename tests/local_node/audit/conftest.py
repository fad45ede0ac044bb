"""The audit module's own tests: an auditor on the migrated node database (``engine``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine

from local_node.audit.recorder import Auditor


class StepClock:
    """Each call a second later than the last: entries get distinct, ordered times."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        return datetime(2026, 12, 5, 0, 0, self.calls % 60, tzinfo=UTC)


@pytest.fixture
def auditor(engine: Engine) -> Auditor:
    return Auditor(engine=engine, actor="user:ann", source="10.0.0.9", clock=StepClock())
