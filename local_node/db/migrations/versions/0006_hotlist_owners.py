"""hotlist owners: who may change each entry, and the cloud's refusals of this site's edits

Revision ID: 0006
Revises: 0005

Each entry now has an owner: ``cloud`` (only staff change it) or ``site:<id>``; the node's
API refuses at once an edit of an entry it knows this site does not own, and keeps the
cloud's refusal (``refused_reason``, ``refused_at``) when it did not know yet.

Owners of existing rows, guessed from what the node holds (the cloud's migration 0004 gives
every entry a new version, so the next pull replaces each guess with the cloud's owner):

* a pending edit (``version`` NULL) was made here: this site's;
* ``updated_by`` ``token:<subject>``: an edit made through a node's API, most likely this
  node's (another site's edit carried the same form; if so the cloud refuses this site's
  next edit of it, and the node shows the refusal and takes the cloud's state);
* anything else was made by staff: ``cloud``.

"This site" is ``site:<sync_state.site_id>``, or NULL on a node not enrolled yet (NULL reads
as "made here": the cloud stamps the site's owner when the edit reaches it).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import local_node.db.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OWN_SITE = "(SELECT 'site:' || site_id FROM sync_state WHERE id = 1)"


def upgrade() -> None:
    with op.batch_alter_table("hotlist") as batch:
        batch.add_column(sa.Column("owner", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("refused_reason", sa.String(length=500), nullable=True))
        batch.add_column(
            sa.Column("refused_at", local_node.db.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE hotlist SET owner = CASE"
        f" WHEN version IS NULL OR updated_by LIKE 'token:%' THEN {OWN_SITE}"
        " ELSE 'cloud' END"
    )


def downgrade() -> None:
    with op.batch_alter_table("hotlist") as batch:
        batch.drop_column("refused_at")
        batch.drop_column("refused_reason")
        batch.drop_column("owner")
