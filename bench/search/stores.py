"""The product side of a build: migrate, register cameras or sites, then the plate dictionary.

Migrations, cameras, sites and the node's state go through the products' own helpers; the
reads then go in by bulk (``bulk.Loader``), and the dictionary is built from them with one
GROUP BY and the rotations of ``sync_protocol.plate_index.rotations`` (as node migration
0012 builds it from existing reads).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bench.search.bulk import Loader, postgres_time, sqlite_time
from bench.search.rows import Stream

Progress = Callable[[str], None]
CAMERAS = 20
DICTIONARY_TABLES = {
    "node": ("plate_index", "plate_rotations"),
    "cloud": ("cloud_plate_index", "cloud_plate_rotations"),
}


def prepare_node(url: str) -> list[Stream]:
    """A node database at head with its state row and 20 cameras: its one stream."""
    from local_node.db import repo
    from local_node.db.access import create_camera
    from local_node.db.engine import make_engine
    from local_node.db.migrate import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        now = datetime.now(UTC)
        state = repo.ensure_state(engine, now)
        cameras = tuple(
            create_camera(engine, f"bench-cam-{i + 1:02d}", now).id for i in range(CAMERAS)
        )
    finally:
        engine.dispose()
    return [Stream(None, state.stream_id, cameras, first_seq=state.next_seq)]


def prepare_cloud(url: str, sites: int) -> list[Stream]:
    """A cloud database at head (``SqlStore.open``) with ``sites`` sites: one stream each."""
    from cloud_plane.store.sql import SqlStore

    store = SqlStore.open(url)
    try:
        now = datetime.now(UTC)
        return [
            Stream(
                store.sites.create_site(f"bench-site-{i + 1:02d}", now=now).site_id,
                uuid.uuid4().hex,
                tuple(uuid.uuid4().hex for _ in range(CAMERAS)),
            )
            for i in range(sites)
        ]
    finally:
        store.db.engine.dispose()


def finish_stream(loader: Loader, stream: Stream, last_seq: int) -> None:
    """Record where the stream ends: the node's next seq, or the cloud's high-water mark."""
    with loader.transaction():
        if stream.site_id is None:
            loader.execute("UPDATE node_state SET next_seq = ? WHERE id = 1", (last_seq + 1,))
            return
        when = postgres_time if loader.postgres else sqlite_time
        now = when(int(time.time() * 1e6))
        loader.execute(
            "INSERT INTO cloud_streams (site_id, stream_id, high_water, updated_at) "
            "VALUES (?, ?, ?, ?)",
            (stream.site_id, stream.stream_id, last_seq, now),
        )


def build_dictionary(loader: Loader, plane: str, progress: Progress) -> tuple[int, int, int]:
    """Fill the plane's plate dictionary from its reads: (plates, keys, rotations)."""
    progress("  plate dictionary: GROUP BY plate, then the rotations of each key")
    index, rotations = DICTIONARY_TABLES[plane]
    with loader.transaction():
        if plane == "node":
            loader.execute(
                "INSERT INTO plate_index "
                "(plate_norm, plate_key, reads, last_seq, last_received_at) "
                "SELECT plate_norm, MIN(plate_key), COUNT(*), MAX(seq), MAX(received_at) "
                "FROM detections GROUP BY plate_norm"
            )
        else:
            loader.execute(
                "INSERT INTO cloud_plate_index "
                "(site_id, plate_norm, plate_key, reads, last_received_at) "
                "SELECT site_id, plate_norm, MIN(plate_key), COUNT(*), MAX(received_at) "
                "FROM cloud_detections GROUP BY site_id, plate_norm"
            )
    plates = loader.execute(f"SELECT COUNT(*) FROM {index}")[0][0]
    keys = loader.execute(f"SELECT COUNT(DISTINCT plate_key) FROM {index}")[0][0]
    total = loader.build_rotations(f"SELECT DISTINCT plate_key FROM {index}", rotations, progress)
    return plates, keys, total
