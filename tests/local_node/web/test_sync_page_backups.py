"""The Sync page shows the backups: a failing one with its (escaped) error."""

from __future__ import annotations

from sqlalchemy import insert

from local_node.db.tables import BackupRun


def test_the_sync_page_shows_a_failing_backup_with_its_error_escaped(node, client_for):
    with node.services.engine.begin() as conn:
        conn.execute(
            insert(BackupRun).values(
                started_at=node.clock(),
                finished_at=node.clock(),
                trigger="schedule",
                status="failed",
                destination="/mnt/nas",
                error="cannot write <b>node.db</b> to /mnt/nas",
            )
        )
    html = client_for("viewer").get("/sync").text
    assert "Backups" in html and "failing" in html
    assert "cannot write &lt;b&gt;node.db&lt;/b&gt; to /mnt/nas" in html
