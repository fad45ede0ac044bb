"""the plate index, historical hits, imported reads (issue 14)

Revision ID: 0012
Revises: 0011

- ``plate_index``: one row per distinct plate held (its confusion key, read count, newest
  read), with two covering indexes: by key (lookups, joins) and by newest read (broad
  patterns walk plates newest first); ``plate_rotations``: the permuterm rows of the
  distinct keys (``sync_protocol.plate_index``). Built here from the reads already stored.
- ``detections``: a ``(plate_norm, seq)`` index replaces the single-column ``plate_norm``
  and ``plate_key`` indexes (searches now fetch a plate's reads newest first; nothing looks
  reads up by key any more); ``local_only`` and ``imported_from`` for imported history.
- ``hits.historical``: a hit found in past reads when its entry was added.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from local_node.db.types import UTCDateTime
from sync_protocol.plate_index import rotations

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    op.create_table(
        "plate_index",
        sa.Column("plate_norm", sa.String(length=32), nullable=False),
        sa.Column("plate_key", sa.String(length=32), nullable=False),
        sa.Column("reads", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_received_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("plate_norm"),
    )
    op.create_index(
        "ix_plate_index_key",
        "plate_index",
        ["plate_key", "plate_norm", "last_seq", "last_received_at"],
    )
    op.create_index(
        "ix_plate_index_recent",
        "plate_index",
        ["last_seq", "plate_key", "plate_norm", "last_received_at"],
    )
    op.create_table(
        "plate_rotations",
        sa.Column("rotation", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("rotation"),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("detections") as batch_op:
        batch_op.add_column(
            sa.Column("local_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("imported_from", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_detections_plate_norm")
        batch_op.drop_index("ix_detections_plate_key")
        batch_op.create_index("ix_detections_plate_seq", ["plate_norm", "seq"], unique=False)
    with op.batch_alter_table("hits") as batch_op:
        batch_op.add_column(
            sa.Column("historical", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    conn = op.get_bind()
    conn.execute(
        sa.text(
            "INSERT INTO plate_index (plate_norm, plate_key, reads, last_seq, last_received_at) "
            "SELECT plate_norm, MIN(plate_key), COUNT(*), MAX(seq), MAX(received_at) "
            "FROM detections GROUP BY plate_norm"
        )
    )
    keys = conn.execute(sa.text("SELECT DISTINCT plate_key FROM plate_index")).scalars()
    insert = sa.text("INSERT INTO plate_rotations (rotation) VALUES (:rotation)")
    batch: list[dict[str, str]] = []
    for key in keys.all():
        batch.extend({"rotation": r} for r in rotations(key))
        if len(batch) >= _BATCH:
            conn.execute(insert, batch)
            batch = []
    if batch:
        conn.execute(insert, batch)


def downgrade() -> None:
    with op.batch_alter_table("hits") as batch_op:
        batch_op.drop_column("historical")
    with op.batch_alter_table("detections") as batch_op:
        batch_op.drop_index("ix_detections_plate_seq")
        batch_op.create_index("ix_detections_plate_key", ["plate_key"], unique=False)
        batch_op.create_index("ix_detections_plate_norm", ["plate_norm"], unique=False)
        batch_op.drop_column("imported_from")
        batch_op.drop_column("local_only")
    op.drop_table("plate_rotations")
    op.drop_index("ix_plate_index_recent", table_name="plate_index")
    op.drop_index("ix_plate_index_key", table_name="plate_index")
    op.drop_table("plate_index")
