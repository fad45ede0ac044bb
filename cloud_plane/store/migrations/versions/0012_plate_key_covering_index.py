"""cloud_plate_index: the key index covers what the wildcard join reads

Revision ID: 0012
Revises: 0011

``ix_cloud_plate_index_key`` ``(plate_key, plate_norm, last_received_at, site_id)`` replaces
``ix_cloud_plate_index_plate_key`` ``(plate_key)``, as on the node (``ix_plate_index_key``).
A wildcard whose rotation range holds thousands of keys joins them to the dictionary by key
(``store.sql.plate_recency``); with the key index alone, every probe read the table's page of
the plate for its name, newest read and site: at 10 sites of 7 days (20 M reads, 5.7 M
dictionary rows), ``*754*``'s 3,862 probes read 10,002 pages, 72 ms. Covered, the probes
read the index only (``python -m bench.search``).
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COVERING = ["plate_key", "plate_norm", "last_received_at", "site_id"]


def upgrade() -> None:
    op.create_index("ix_cloud_plate_index_key", "cloud_plate_index", _COVERING)
    op.drop_index("ix_cloud_plate_index_plate_key", table_name="cloud_plate_index")


def downgrade() -> None:
    op.create_index("ix_cloud_plate_index_plate_key", "cloud_plate_index", ["plate_key"])
    op.drop_index("ix_cloud_plate_index_key", table_name="cloud_plate_index")
