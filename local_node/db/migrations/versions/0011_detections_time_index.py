"""detections' time index: BRIN on PostgreSQL; TimescaleDB detected, not used (issue 13)

Revision ID: 0011
Revises: 0010

What changes: on PostgreSQL, ``ix_detections_received_at`` becomes a BRIN index (it was a
B-tree). On SQLite nothing changes. The SQL is ``local_node.db.time_index.plan``.

Why BRIN on ``received_at``: every time-range query of the read log filters on ``received_at``
(retention's cut-offs, search and export ranges, camera health and the heartbeat's last hour);
ordering is by ``seq``, which has its own unique B-tree. ``received_at`` grows as rows are
appended, so a block-range index fits it: a range scan reads only the blocks of that span, and
the index is kilobytes where a B-tree on a 400-day log is gigabytes. This is the fallback the
issue names for native partitioning, without partitioning's cost here: a partitioned table's
unique keys must include the partition key, which is the same obstacle as below.

Why ``detections`` does not become a TimescaleDB hypertable even where the extension exists:
a hypertable needs its time column in every unique index, and the table's unique keys are what
the node's guarantees rest on:

* ``id`` is the primary key and ``hits.detection_id`` references it; a key of ``(id,
  received_at)`` would need that foreign key, and the sync records that carry it, rewritten;
* ``(camera_id, event_id)`` makes a camera's retried post a duplicate instead of a second read;
  with ``received_at`` added, a retry received a moment later would be stored twice;
* ``seq`` orders the stream the sync agent ships and the cloud acknowledges; unique per stream
  only within a time range, the cursor would no longer name one row.

And the policies it would bring do not fit either: a Timescale retention policy drops whole
chunks by age, but the node's retention job must never delete a read the cloud has not
acknowledged (``sync.store.deletable_through``), and removes a read's image file with it; the
two would fight, so the job stays the one deleter. Compression needs a hypertable. A
hypertable would need a schema change to hits, the sync records and the duplicate rule, which
no test here can run against (TimescaleDB cannot be installed on this machine); the BRIN index
gives the range scans at a fraction of the size. ``time_index.timescale_available`` still asks
the server, and the migration says in the log that the extension was seen and left unused,
so an operator who put the TimescaleDB image in place learns why nothing changed
(docs/operations/timescale.md).
"""

from __future__ import annotations

import logging

from alembic import op

from local_node.db.time_index import plan, timescale_available, undo_plan

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def upgrade() -> None:
    conn = op.get_bind()
    timescale = timescale_available(conn)
    if timescale:
        log.warning(
            "TimescaleDB is available; detections stays a plain table with a BRIN time index "
            "(see docs/operations/timescale.md)"
        )
    for statement in plan(conn.dialect.name, timescale):
        op.execute(statement)


def downgrade() -> None:
    for statement in undo_plan(op.get_bind().dialect.name):
        op.execute(statement)
