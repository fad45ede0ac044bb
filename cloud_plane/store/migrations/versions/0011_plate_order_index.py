"""cloud_detections: a plate index in the search's whole order; the unused key index goes

Revision ID: 0011
Revises: 0010

- ``ix_cloud_detections_plate_order`` ``(plate_norm, received_at, site_id, stream_id, seq)``
  replaces ``ix_cloud_detections_plate`` ``(plate_norm, received_at)``. A search fetches a
  few dozen plates' newest reads a statement and keeps a page of them
  (``store.sql.detection_search``). With the search's whole order in the index, each plate
  is one backward index range that needs no sort, and the first pass reads the keys alone:
  only the page's rows are fetched whole (measured with ``python -m bench.search``).
- ``ix_cloud_detections_plate_key`` is dropped: since the plate dictionary (0010) no query
  reads detections by confusion key; it was one more B-tree written per read received.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ORDER = ["plate_norm", "received_at", "site_id", "stream_id", "seq"]


def upgrade() -> None:
    op.create_index("ix_cloud_detections_plate_order", "cloud_detections", _ORDER)
    op.drop_index("ix_cloud_detections_plate", table_name="cloud_detections")
    op.drop_index("ix_cloud_detections_plate_key", table_name="cloud_detections")


def downgrade() -> None:
    op.create_index("ix_cloud_detections_plate_key", "cloud_detections", ["plate_key"])
    op.create_index("ix_cloud_detections_plate", "cloud_detections", ["plate_norm", "received_at"])
    op.drop_index("ix_cloud_detections_plate_order", table_name="cloud_detections")
