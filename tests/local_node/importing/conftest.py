"""A node database to import into, the command run as the CLI runs it, and sample files.

Where the sample layouts come from:

* ``PR_DOC_LINE``: Plate Recognizer's own sample of the CSV file Stream writes, copied
  from "Webhooks and Outputs" (https://guides.platerecognizer.com/docs/stream/results, the
  CSV section): the header and its first line, as published (2021). ``pr_line`` is the
  same line with a recent time (the published one is older than any retention).
* The node's own export is made by the real ``node export`` of a real node
  (``exported``), not written by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine

from edgesync.cli import main
from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade

PR_HEADER = (
    "timestamp,plate,score,dscore,file,box,model_make,color,vehicle,region,orientation,"
    "candidates,source_url,position_sec,direction"
)
PR_DOC_LINE = (
    "2021-10-27 06:20:43.970337+00:00,sjubi1,0.781,0.441,"
    "/camera-1_screenshots/21-10-27/06-20-43.970337.jpg,"
    "\"{'xmin': 847, 'ymin': 80, 'xmax': 944, 'ymax': 105}\","
    "\"[{'make': 'Volkswagen', 'model': 'Golf', 'score': 0.009}, "
    "{'make': 'Opel', 'model': 'Corsa', 'score': 0.006}, "
    "{'make': 'Citroen', 'model': 'C3', 'score': 0.006}]\","
    "\"[{'color': 'white', 'score': 0.672}, {'color': 'silver', 'score': 0.201}, "
    "{'color': 'yellow', 'score': 0.028}]\","
    "\"{'score': 0.267, 'type': 'Big Truck', 'box': {'xmin': 387, 'ymin': 23, 'xmax': 1493, "
    "'ymax': 577}}\","
    "\"{'code': '', 'score': 0}\","
    "\"[{'orientation': 'Front', 'score': 0.623}, {'orientation': 'Unknown', 'score': 0.244}, "
    "{'orientation': 'Rear', 'score': 0.133}]\","
    "\"[{'plate': 'sjubi1'}, {'plate': 'sju809'}]\","
    "/user-data/video.mp4,4,"
)
PR_DOC_TIME = "2021-10-27 06:20:43.970337+00:00"


def recent(days: float = 1) -> datetime:
    """A time ``days`` ago, well inside retention."""
    return datetime.now(UTC) - timedelta(days=days)


def pr_line(
    plate: str = "sjubi1", *, at: datetime | None = None, camera: str = "camera-1", score="0.781"
) -> str:
    """The documented line with another time, plate, camera or score."""
    when = (at or recent()).isoformat(sep=" ")
    line = PR_DOC_LINE.replace(PR_DOC_TIME, when, 1).replace("sjubi1,0.781", f"{plate},{score}", 1)
    return line.replace("/camera-1_screenshots/", f"/{camera}_screenshots/", 1)


@dataclass
class NodeDb:
    """A migrated node database and its data dir."""

    engine: Engine
    url: str
    data_dir: Path

    def rows(self, sql: str) -> list:
        with self.engine.connect() as conn:
            return list(conn.exec_driver_sql(sql).all())

    def scalar(self, sql: str):
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(sql).scalar_one()


@pytest.fixture
def node_db(tmp_path: Path, database_url: str) -> NodeDb:
    engine = make_engine(database_url)
    upgrade(engine)
    repo.ensure_state(engine, datetime.now(UTC))
    return NodeDb(engine, database_url, tmp_path / "data")


@pytest.fixture
def import_file(node_db: NodeDb, tmp_path: Path) -> Callable[..., Result]:
    """Write ``text`` to a file and run `edgesync node import` on it with ``args``."""
    count = 0

    def run(text: str, *args: str, name: str = "reads.csv") -> Result:
        nonlocal count
        count += 1
        path = tmp_path / f"{count}-{name}"
        path.write_text(text, encoding="utf-8")
        where = ["--data-dir", str(node_db.data_dir), "--database-url", node_db.url]
        argv = ["node", "import", str(path), *where, "--quiet", *args]
        return CliRunner().invoke(main, argv, catch_exceptions=False)

    return run


def pr_file(*lines: str) -> str:
    """A Stream CSV file of these lines."""
    return "\n".join([PR_HEADER, *lines]) + "\n"
