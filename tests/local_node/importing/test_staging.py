"""Staged chunks (SQLite): the same stored rows as pickled ones, and no staging file left."""

from __future__ import annotations

import io
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert, update
from sqlalchemy.engine import Engine

from local_node.db import repo
from local_node.db.engine import make_engine
from local_node.db.migrate import upgrade
from local_node.db.tables import HotlistEntry, NodeState
from local_node.importing import pipeline, staging, store
from local_node.importing.run import Importer, ImportOptions, ImportReport
from tests.local_node.importing.conftest import pr_file, pr_line

NOW = datetime.now(UTC).replace(microsecond=0)
STREAM = "5d1f0c9e-1111-4222-8333-944455556666"


def _node(path: Path) -> Engine:
    """A migrated SQLite node whose stream is ``STREAM`` and whose hotlist holds AB12CDE."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    repo.ensure_state(engine, NOW)
    with engine.begin() as conn:
        conn.execute(update(NodeState).values(stream_id=STREAM, hotlist_rev=1))
        conn.execute(
            insert(HotlistEntry.__table__).values(
                list_name="stolen",
                plate_norm="AB12CDE",
                plate="AB12CDE",
                priority=90,
                updated_at=NOW,
            )
        )
    return engine


def _import(engine: Engine, text: str, *, stage: bool, local_only: bool = False) -> ImportReport:
    options = ImportOptions(batch_size=4, stage=stage, local_only=local_only)
    importer = Importer(engine, clock=lambda: NOW, retention_days=30, options=options)
    return importer.run(io.StringIO(text))


def _text(count: int = 23, offset: int = 0) -> str:
    """Reads of a few cameras and plates (some on the hotlist), out of time order."""
    lines = []
    for i in range(offset, offset + count):
        plate = ("ab12cde", "xy98zzz", "ab12cdf", f"qq{i:02d}qqq")[i % 4]
        at = NOW - timedelta(hours=(i * 7) % 23, minutes=i)
        lines.append(pr_line(plate, at=at, camera=f"cam-{i % 3}"))
    return pr_file(*lines)


def _stored(engine: Engine) -> dict[str, list[tuple]]:
    """Every stored row an import writes, camera ids replaced by the camera's name."""
    queries = {
        "detections": "SELECT c.name, d.* FROM detections d JOIN cameras c ON c.id = d.camera_id "
        "ORDER BY d.seq",
        "plates": "SELECT * FROM plate_index ORDER BY plate_norm",
        "rotations": "SELECT * FROM plate_rotations ORDER BY rotation",
        "hits": "SELECT * FROM hits ORDER BY id",
        "state": "SELECT next_seq, stream_id FROM node_state",
        "streams": "SELECT stream_id, seq_base, acked FROM sync_streams ORDER BY stream_id",
    }
    found = {}
    with engine.connect() as conn:
        for name, sql in queries.items():
            result = conn.exec_driver_sql(sql)
            keys = list(result.keys())
            rows = [dict(zip(keys, r, strict=True)) for r in result]
            for row in rows:
                row.pop("camera_id", None)
            found[name] = [tuple(sorted(r.items())) for r in rows]
    return found


@pytest.fixture(params=["fork", "thread"])
def reader(request, monkeypatch) -> str:
    """Read ahead in a forked process, or in the thread used where fork is missing."""
    if request.param == "thread":
        monkeypatch.setattr(pipeline.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    return request.param


def _staged_and_pickled(tmp_path: Path, local_only: bool = False) -> dict[bool, dict]:
    """The same two imports (the second overlapping the first) staged and pickled: their
    reports and everything they stored."""
    found = {}
    for stage in (False, True):
        engine = _node(tmp_path / f"{stage}.db")
        first = _import(engine, _text(), stage=stage, local_only=local_only)
        # A re-run overlapping the first: chunks with some reads already there.
        second = _import(engine, _text(20, offset=10), stage=stage, local_only=local_only)
        reports = [(r.new, r.already, r.hits) for r in (first, second)]
        found[stage] = {"reports": reports, **_stored(engine)}
    return found


@pytest.mark.parametrize("local_only", [False, True])
def test_staged_chunks_store_exactly_what_pickled_ones_do(tmp_path, reader, local_only):
    found = _staged_and_pickled(tmp_path, local_only)
    assert found[True] == found[False]
    assert found[True]["reports"] == [(23, 0, 12), (7, 13, 3)]
    assert len(found[True]["detections"]) == 30 and len(found[True]["hits"]) == 15


def test_a_chunk_of_too_many_cameras_for_the_sql_is_stored_the_rows_way(tmp_path, monkeypatch):
    monkeypatch.setattr(staging, "MAX_CAMERAS", 1)
    found = _staged_and_pickled(tmp_path)
    assert found[True] == found[False]
    assert found[True]["reports"] == [(23, 0, 12), (7, 13, 3)]


def test_a_failed_detach_throws_the_connection_away(tmp_path):
    engine = _node(tmp_path / "node.db")
    with engine.connect() as conn:
        staging.detach(conn)  # nothing attached: DETACH fails
        assert conn.invalidated


def test_a_rerun_of_a_staged_import_stores_nothing(tmp_path):
    engine = _node(tmp_path / "node.db")
    _import(engine, _text(), stage=True)
    before = _stored(engine)
    again = _import(engine, _text(), stage=True)
    assert (again.new, again.already, again.hits) == (0, 23, 0)
    assert _stored(engine) == before


def test_each_staged_batch_attaches_then_begins_with_the_write_lock(tmp_path):
    # SQLite refuses ATTACH inside a transaction, and the write lock must be the
    # transaction's first statement: traced on the connections the import uses.
    engine = _node(tmp_path / "node.db")
    seen: list[str] = []

    @event.listens_for(engine, "connect")
    def trace(dbapi_conn, _record):
        dbapi_conn.set_trace_callback(seen.append)

    engine.dispose()  # new connections, traced
    _import(engine, _text(8), stage=True)
    begins = [i for i, sql in enumerate(seen) if sql.strip().upper().startswith("BEGIN")]
    attaches = [i for i, sql in enumerate(seen) if sql.startswith("ATTACH")]
    assert len(attaches) == 4  # chunks of 1, 2, 4 and 1 reads
    for at in attaches:
        begin = next(b for b in begins if b > at)
        assert seen[begin + 1].startswith("UPDATE node_state SET next_seq"), seen[at : begin + 2]
    assert sum(s.startswith("INSERT INTO main.detections") for s in seen) == 4
    assert sum(s.startswith("DETACH") for s in seen) == 4


def _entries(directory: Path) -> list[Path]:
    return list(directory.rglob("*"))


def test_no_staging_file_is_left_after_an_import_or_a_failed_one(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    engine = _node(tmp_path / "node.db")
    _import(engine, _text(), stage=True)
    assert _entries(scratch) == []

    calls = 0
    real = staging.insert_staged

    def fail_second(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(staging, "insert_staged", fail_second)
    with pytest.raises(RuntimeError, match="disk on fire"):
        _import(engine, _text(23, offset=100), stage=True)
    assert _entries(scratch) == []
    with engine.connect() as conn:  # the failed batch rolled back, the stage detached
        assert conn.exec_driver_sql("SELECT count(*) FROM detections").scalar_one() == 23 + 1
        schemas = [r[1] for r in conn.exec_driver_sql("PRAGMA database_list")]
    assert staging.SCHEMA not in schemas


@pytest.mark.parametrize("stream", [STREAM, "another-stream", STREAM + store.LOCAL_ONLY_STREAM])
def test_the_sql_id_is_id_makers(stream):
    make = store.id_maker(stream)
    edges = [0, 1, 2**32 - 1, 2**32, 2**47, 2**48 - 1, 2**48, 2**48 + 1, 2**49 - 1, 2**49]
    edges += [2**52 + 12345, 2**60, 2**61 - 1, 2**61, 2**61 + 1, 2**62 - 2, 2**62 - 1]
    edges += [k * 2**48 + j for k in (1, 7, 255, 4095) for j in (-1, 0, 1)]
    conn = sqlite3.connect(":memory:")
    sql = f"SELECT {staging.id_sql(':n')}"
    head = staging.id_head(stream)
    for n in edges:
        assert conn.execute(sql, {"head": head, "n": n}).fetchone()[0] == make(n), n
