"""hotlist priority: site-made 0-10 values onto the shared 0-100 scale

Revision ID: 0003
Revises: 0002

The node's API used to take priorities 0-10 and its agent sent them unchanged, so the cloud
holds site edits such as "9 of 10" as 9, below staff entries' default of 50. The node's own
migration (local_node 0005) rescales the same rows the same way; this keeps the cloud in
step, since entries are pulled by version and a rescale bumps no version.

Which rows: an edit made through a node's API carries ``made_by`` ``token:<subject>``, which
the cloud stores as ``updated_by``; staff edits carry a username and are already on the
0-100 scale. Mapping x10 (10 -> 100, order kept), as on the node.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

FACTOR = 10
NODE_SCALE_MAX = 10
NODE_EDIT = "token:%"


def upgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE cloud_hotlist SET priority = priority * :factor"
            " WHERE updated_by LIKE :node_edit AND priority <= :top"
        ).bindparams(factor=FACTOR, top=NODE_SCALE_MAX, node_edit=NODE_EDIT)
    )


def downgrade() -> None:
    # Lossy for values set after the upgrade (e.g. 85 becomes 8); the old API allowed no more.
    op.execute(
        sa.text(
            "UPDATE cloud_hotlist SET priority = priority / :factor"
            " WHERE updated_by LIKE :node_edit"
        ).bindparams(factor=FACTOR, node_edit=NODE_EDIT)
    )
