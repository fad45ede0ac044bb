"""hotlist priority: the node's 0-10 values onto the shared 0-100 scale

Revision ID: 0005
Revises: 0004

Until now the node's API took priorities 0-10 (default 1) while the wire and the cloud use
0-100 (default 50), and the sync agent sent the node's number unchanged: a site's "9 of 10"
arrived as 9, below the cloud's default. Now there is one scale (``sync_protocol.hotlist_rules``).

Which rows hold node-scale values: those whose last edit was made through a node's API.
Their ``updated_by`` is ``token:<subject>``; the cloud keeps an op's ``made_by`` as the
entry's ``updated_by``, so another site's edit pulled from the cloud carries it too, and
holds that site's 0-10 number as well. Staff edits in the cloud (a username) are already
on the 0-100 scale and stay as they are. A node-scale value is also at most 10, which
guards against touching anything else.

Mapping: multiply by 10. It is the only linear map that keeps 0 at 0 and 10 at 100 (the
top of the node's scale meant "highest"), it keeps the order of every entry, and it is
what an admin reading the old scale as tenths would expect. The old default 1 becomes 10
(not the new default 50): a stored 1 cannot be told apart from a chosen 1.

Hits copy their entry's priority when they are stored (the offline fallback filters on
it), so hits of a node-scale entry whose priority equals the entry's are rescaled too.

The cloud holds the same node-made numbers for entries it received from sites; it needs
the same rule (``updated_by LIKE 'token:%' AND priority <= 10``) in its own migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

FACTOR = 10
NODE_SCALE_MAX = 10
NODE_EDIT = "token:%"  # updated_by of an edit made through a node's API


def upgrade() -> None:
    # Hits first: they are found through the entries' old values.
    op.execute(
        sa.text(
            "UPDATE hits SET priority = priority * :factor WHERE priority <= :top AND EXISTS ("
            " SELECT 1 FROM hotlist h WHERE h.list_name = hits.list_name"
            " AND h.plate_norm = hits.entry_plate AND h.updated_by LIKE :node_edit"
            " AND h.priority = hits.priority)"
        ).bindparams(factor=FACTOR, top=NODE_SCALE_MAX, node_edit=NODE_EDIT)
    )
    op.execute(
        sa.text(
            "UPDATE hotlist SET priority = priority * :factor"
            " WHERE updated_by LIKE :node_edit AND priority <= :top"
        ).bindparams(factor=FACTOR, top=NODE_SCALE_MAX, node_edit=NODE_EDIT)
    )


def downgrade() -> None:
    # Lossy for values set after the upgrade (e.g. 85 becomes 8); the old API allowed no more.
    op.execute(
        sa.text(
            "UPDATE hits SET priority = priority / :factor WHERE EXISTS ("
            " SELECT 1 FROM hotlist h WHERE h.list_name = hits.list_name"
            " AND h.plate_norm = hits.entry_plate AND h.updated_by LIKE :node_edit"
            " AND h.priority = hits.priority)"
        ).bindparams(factor=FACTOR, node_edit=NODE_EDIT)
    )
    op.execute(
        sa.text(
            "UPDATE hotlist SET priority = priority / :factor WHERE updated_by LIKE :node_edit"
        ).bindparams(factor=FACTOR, node_edit=NODE_EDIT)
    )
