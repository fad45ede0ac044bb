"""`edgesync node import`: idempotence, per-line errors, retention, hits, search, --help."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner
from sqlalchemy import func, insert, select, update

from edgesync.cli import main
from local_node.alerts import ledger
from local_node.db.tables import Detection, HotlistEntry, NodeState, PlateIndexEntry
from local_node.importing import store
from local_node.search import DetectionQuery, search
from tests.local_node.importing.conftest import PR_DOC_LINE, pr_file, pr_line


def test_a_rerun_stores_nothing_twice(import_file, node_db):
    text = pr_file(pr_line("aa11aaa"), pr_line("bb22bbb"), pr_line("cc33ccc"))
    first = import_file(text)
    again = import_file(text)
    assert "3 new, 0 already there, 0 errors" in first.stderr
    assert "0 new, 3 already there, 0 errors" in again.stderr
    assert node_db.scalar("SELECT count(*) FROM detections") == 3


def test_seqs_of_a_rerun_are_not_spent(import_file, node_db):
    text = pr_file(pr_line("aa11aaa"), pr_line("bb22bbb"))
    import_file(text)
    import_file(text)
    assert node_db.scalar("SELECT next_seq FROM node_state") == 3


def test_a_bad_line_in_the_middle_is_reported_and_the_others_imported(import_file, node_db):
    bad_plate = pr_line("--")
    good = pr_line("dd44ddd")
    bad_time = good.replace(good.split(",")[0], "yesterday", 1)
    text = pr_file(pr_line("aa11aaa"), bad_plate, bad_time, pr_line("bb22bbb"))
    result = import_file(text)
    assert result.exit_code == 1
    assert "line 3: plate: has no letters or digits" in result.stderr
    assert "line 4: timestamp: 'yesterday' is not an ISO 8601 time" in result.stderr
    assert "2 new, 0 already there, 2 errors" in result.stderr
    assert "errors by column: " in result.stderr
    assert node_db.scalar("SELECT count(*) FROM detections") == 2


def test_max_errors_gives_up_with_its_own_exit_code(import_file):
    text = pr_file(pr_line("aa11aaa"), pr_line("--"), pr_line("!!"), pr_line("bb22bbb"))
    result = import_file(text, "--max-errors", "1")
    assert result.exit_code == 2
    assert "gave up after more than 1 errors" in result.stderr


def test_a_score_beyond_a_percent_is_an_error_naming_the_column(import_file):
    result = import_file(pr_file(pr_line(score="150")))
    assert result.exit_code == 1
    assert "line 2: score: '150' is outside 0..1 and 0..100" in result.stderr


def test_an_unknown_header_is_refused_before_anything_is_stored(import_file, node_db):
    result = import_file("plate,when\nAB12CDE,2026-12-01\n")
    assert result.exit_code == 1
    assert "name the format with --format" in result.stderr
    assert node_db.scalar("SELECT count(*) FROM detections") == 0


def test_reads_older_than_retention_are_skipped_and_counted(import_file, node_db):
    result = import_file(pr_file(PR_DOC_LINE, pr_line()))  # the published line is from 2021
    assert result.exit_code == 0, result.stderr
    assert "1 new, 0 already there, 0 errors, 1 older than retention (skipped)" in result.stderr


def test_imported_reads_keep_their_original_time(import_file, node_db):
    at = datetime(2026, 11, 30, 7, 15, tzinfo=UTC)
    import_file(pr_file(pr_line(at=at)))
    [read], _ = search(node_db.engine, DetectionQuery(plate="SJUBI1"))
    assert read.received_at == at and read.captured_at == at


def test_imported_reads_are_found_by_plate_wildcard_and_fuzzy_search(import_file, node_db):
    import_file(pr_file(pr_line("ab12cde"), pr_line("xy98zzz")))
    assert node_db.rows("SELECT plate_norm, reads FROM plate_index ORDER BY plate_norm") == [
        ("AB12CDE", 1),
        ("XY98ZZZ", 1),
    ]
    for query in ("AB12CDE", "AB12*", "*98ZZ*"):
        found, _ = search(node_db.engine, DetectionQuery(plate=query))
        assert len(found) == 1, query
    fuzzy, _ = search(node_db.engine, DetectionQuery(plate="AB12CDF", fuzzy=True))
    assert [r.plate_norm for r in fuzzy] == ["AB12CDE"]


def test_local_only_reads_page_through_search(import_file, node_db):
    import_file(pr_file(*(pr_line(f"ab12cd{c}") for c in "xyz")), "--local-only")
    seen, cursor = [], None
    while True:
        page, cursor = search(
            node_db.engine, DetectionQuery(plate="AB12CD*", limit=1, cursor=cursor)
        )
        seen += [r.plate_norm for r in page]
        if cursor is None:
            break
    assert sorted(seen) == ["AB12CDX", "AB12CDY", "AB12CDZ"]


def _hotlist(node_db, plate: str) -> None:
    now = datetime.now(UTC)
    with node_db.engine.begin() as conn:
        conn.execute(
            insert(HotlistEntry.__table__).values(
                list_name="stolen", plate_norm=plate, plate=plate, priority=90, updated_at=now
            )
        )
        conn.execute(update(NodeState).values(hotlist_rev=NodeState.hotlist_rev + 1))


def test_a_read_on_the_hotlist_becomes_a_historical_hit(import_file, node_db):
    _hotlist(node_db, "AB12CDE")
    result = import_file(pr_file(pr_line("ab12cde"), pr_line("xy98zzz")))
    assert "1 historical hits" in result.stderr
    assert node_db.rows("SELECT entry_plate, historical FROM hits") == [("AB12CDE", True)]
    assert node_db.rows("SELECT plate_norm FROM detections WHERE has_hit") == [("AB12CDE",)]


def test_the_fallback_alerter_does_not_alert_historical_hits(import_file, node_db):
    _hotlist(node_db, "AB12CDE")
    import_file(pr_file(pr_line("ab12cde")))
    with node_db.engine.connect() as conn:
        waiting = ledger.candidates(
            conn,
            after_hit_id=0,
            min_priority=0,
            not_before=datetime(2000, 1, 1, tzinfo=UTC),
            targets=[("smtp", "ops@example.com")],
        )
    assert waiting == []


def test_help_names_the_formats_and_the_flags():
    result = CliRunner().invoke(main, ["node", "import", "--help"])
    assert result.exit_code == 0
    for word in ("node-csv", "platerecognizer-csv", "--local-only", "--timezone", "--max-errors"):
        assert word in result.stdout


def test_a_forced_format_names_the_columns_the_header_lacks(import_file, node_db):
    result = import_file("timestamp,plate\n2026-12-01,AB12CDE\n", "--format", "platerecognizer-csv")
    assert result.exit_code == 1
    assert "lacks the platerecognizer-csv column(s): score, file" in result.stderr


def test_a_line_that_is_not_json_is_a_line_error(import_file, node_db):
    at = datetime.now(UTC).isoformat()
    record = {"id": "a1", "camera_id": "cam", "captured_at": at, "received_at": at}
    good = json.dumps({**record, "plate": "AB12CDE"})
    result = import_file(f"{good}\n{{not json\n", name="reads.jsonl")
    assert result.exit_code == 1
    assert "line 2: line: is not JSON" in result.stderr
    assert "1 new, 0 already there, 1 errors" in result.stderr


def test_the_plate_dictionary_counts_every_read_and_keeps_the_last_seq(import_file, node_db):
    older, newer = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
    import_file(pr_file(pr_line("ab12cde", at=newer), pr_line("ab12cde", at=older)))
    import_file(pr_file(pr_line("ab12cde", at=datetime(2026, 11, 19, tzinfo=UTC))))
    with node_db.engine.connect() as conn:
        entry = conn.execute(select(PlateIndexEntry)).one()
        newest = conn.execute(select(func.max(Detection.seq))).scalar_one()
    assert (entry.reads, entry.last_seq) == (3, newest)


def test_a_read_repeated_in_a_later_batch_is_counted_as_already_there(import_file, node_db):
    first = pr_line("aa11aaa")
    lines = [first, pr_line("bb22bbb"), pr_line("cc33ccc"), first, pr_line("dd44ddd")]
    result = import_file(pr_file(*lines), "--batch-size", "2")
    assert "4 new, 1 already there, 0 errors" in result.stderr
    seqs = [s for (s,) in node_db.rows("SELECT seq FROM detections ORDER BY seq")]
    assert seqs == [1, 2, 3, 4]


def test_standard_input_is_read_by_the_reading_process(node_db):
    text = pr_file(pr_line("aa11aaa"), pr_line("bb22bbb"))
    where = ["--data-dir", str(node_db.data_dir), "--database-url", node_db.url]
    result = CliRunner().invoke(
        main, ["node", "import", "-", *where, "--quiet"], input=text, catch_exceptions=False
    )
    assert "2 new, 0 already there, 0 errors" in result.stderr
    assert node_db.scalar("SELECT count(*) FROM detections") == 2


def test_a_stored_read_between_the_ids_of_a_batch_is_found_already_there(import_file, node_db):
    import_file(pr_file(pr_line("bb22bbb")))
    with node_db.engine.connect() as conn:
        camera_id, stored = conn.execute(select(Detection.camera_id, Detection.event_id)).one()
        around = [(camera_id, stored[:-1]), (camera_id, stored), (camera_id, stored + "~")]
        beside = [(camera_id, stored + "a"), (camera_id, stored + "b")]
        assert store.existing(conn, around) == {(camera_id, stored)}
        assert store.existing(conn, beside) == set()
