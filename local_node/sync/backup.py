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

from sqlalchemy.engine import Engine

from local_node.db import repo
from local_node.sync import store


def start_new_stream(engine: Engine, now: datetime) -> str:
    """Register the restored database's streams, then start a new one for new reads."""
    with engine.begin() as conn:
        store.ensure_streams(conn, now)  # the old stream, if the backup never synced
    stream_id = repo.start_new_stream(engine)
    with engine.begin() as conn:
        store.ensure_streams(conn, now)  # the new one starts after every restored row
    return stream_id
