"""After a restore: the node's detections go on in a new stream.

The backups themselves are made and checked by ``local_node.backups``. A restore puts a
backup in place with the node stopped and starts a NEW stream, so the cloud can never take
the restored database's reused seqs for duplicates of rows it already holds. The restored
rows keep their ids and seqs under their old stream: the cloud holds that stream up to its
own mark and the agent sends only what lies beyond it (the rows the backup has but the
cloud lacks); rows the cloud got after the backup was taken stay in the cloud untouched
(nothing is overwritten: ids of the new stream are new). New reads go to the new stream,
whose wire seqs start at 1.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from local_node.db import repo
from local_node.db.tables import Detection, SyncStream
from local_node.sync import store


def start_new_stream(engine: Engine, now: datetime) -> str:
    """Register the restored database's streams, then start a new one for new reads."""
    with engine.begin() as conn:
        known = store.ensure_streams(conn, now)  # the old stream, if the backup never synced
        _drop_empty_newest(conn, known)
    stream_id = repo.start_new_stream(engine)
    with engine.begin() as conn:
        store.ensure_streams(conn, now)  # the new one starts after every restored row
    return stream_id


def _drop_empty_newest(conn: Connection, known: list[store.StreamMark]) -> None:
    """Forget the newest stream if it never held a read nor an ack (e.g. a fresh node's).

    The new stream starts after every row stored, which is that stream's own base: two
    streams cannot share a base, and one that carried nothing has nothing the cloud could
    confuse, so the new stream takes its place.
    """
    newest = known[-1] if known else None
    if newest is None or newest.acked:
        return
    held = conn.execute(
        select(func.count()).select_from(Detection).where(col(Detection.seq) > newest.seq_base)
    ).scalar_one()
    if not held:
        conn.execute(delete(SyncStream).where(col(SyncStream.stream_id) == newest.stream_id))
