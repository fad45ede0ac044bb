"""Imported reads travel like live ones; reads imported --local-only never leave the node."""

from __future__ import annotations

from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import insert, update

from edgesync.cli import main
from local_node.db.tables import HotlistEntry, NodeState
from tests.local_node.importing.conftest import pr_file, pr_line
from tests.local_node.sync.conftest import post


def _import(node, tmp_path, text: str, *args: str) -> None:
    path = tmp_path / f"import-{len(list(tmp_path.glob('import-*')))}.csv"
    path.write_text(text)
    argv = ["node", "import", str(path), "--quiet", *args, "--data-dir"]
    argv += [str(node.settings.data_dir), "--database-url", node.settings.resolved_database_url]
    result = CliRunner().invoke(main, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def _on_hotlist(node, plate: str) -> None:
    with node.services.engine.begin() as conn:
        conn.execute(
            insert(HotlistEntry.__table__).values(
                list_name="stolen",
                plate_norm=plate,
                plate=plate,
                updated_at=datetime.now(UTC),
                version=1,
                owner="cloud",
            )
        )
        conn.execute(update(NodeState).values(hotlist_rev=NodeState.hotlist_rev + 1))


def _drain(s) -> None:
    for _ in range(10):
        if not s.agent.has_work():
            return
        s.agent.exchange()
    raise AssertionError("the agent still has work after 10 exchanges")


def test_local_only_reads_and_their_hits_are_never_sent(synced, tmp_path):
    s = synced()
    _on_hotlist(s.node, "LO11AAA")
    post(s.node, "LIVE001")
    _import(s.node, tmp_path, pr_file(pr_line("lo11aaa"), pr_line("lo22bbb")), "--local-only")
    _import(s.node, tmp_path, pr_file(pr_line("im33ccc")))
    post(s.node, "LIVE002")

    _drain(s)

    sent = s.cloud.records[s.stream_id]
    assert sorted(sent) == [1, 2, 3]  # contiguous: the local-only reads took no seq of it
    assert sorted(r.plate for r in sent.values()) == ["IM33CCC", "LIVE001", "LIVE002"]
    assert s.cloud.hits == {}
    with s.node.services.engine.connect() as conn:
        kept = conn.exec_driver_sql(
            "SELECT plate_norm, seq <= 0, has_hit FROM detections WHERE local_only ORDER BY 1"
        ).all()
    assert kept == [("LO11AAA", True, True), ("LO22BBB", True, False)]


def test_imported_reads_sync_in_the_stream_like_live_ones(synced, tmp_path):
    s = synced()
    _import(s.node, tmp_path, pr_file(pr_line("im33ccc"), pr_line("im44ddd")))
    _drain(s)
    assert s.cloud.seqs(s.stream_id) == [1, 2]
    assert {r.plate for r in s.cloud.records[s.stream_id].values()} == {"IM33CCC", "IM44DDD"}
