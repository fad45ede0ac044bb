"""drop detections' has_hit index (issue 14: one B-tree fewer on every read stored)

Revision ID: 0013
Revises: 0012

``ix_detections_has_hit`` indexed a boolean that is false for almost every read. No query
picks it: its only readers are retention's prunable-image queries, which filter
``has_hit IS false`` inside an OR beside a ``received_at`` range and an order by ``seq``, and
are answered by the time and seq indexes. Kept, it was one more B-tree written per read:
0.8-1.7 s of SQLite's 10.4-10.9 s of statement time per 500,000 imported reads
(``bench.importing``), and the same on every camera post.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_detections_has_hit", table_name="detections")


def downgrade() -> None:
    op.create_index("ix_detections_has_hit", "detections", ["has_hit"], unique=False)
