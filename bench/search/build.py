"""Building (once) and finding (every run) the databases a size needs, node or cloud.

A database is built under a name that says it is partial and renamed when complete, so a
cached one is always whole: a SQLite file ``<key>.db`` under the data dir, or a PostgreSQL
database ``bench_search_<key>`` beside the one the URL names (the tests' own is untouched).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.search.bulk import Loader
from bench.search.population import DAY_US, Model, Population, site_reads
from bench.search.rows import CLOUD_COLUMNS, NODE_COLUMNS, make_rows
from bench.search.stores import (
    DICTIONARY_TABLES,
    build_dictionary,
    finish_stream,
    prepare_cloud,
    prepare_node,
)

Progress = Callable[[str], None]
VERSION = 1  # bump when the data model changes: cached databases of other versions are ignored
END = datetime(2026, 11, 30, tzinfo=UTC)  # every size ends here (fixed: caches reproduce)
BATCH = 50_000


@dataclass(frozen=True)
class Size:
    """What one database holds: ``sites`` x ``days`` x ``reads_per_day`` reads."""

    plane: str  # node | cloud
    sites: int
    days: int
    reads_per_day: int
    pool: int
    seed: int = 14

    @property
    def reads(self) -> int:
        return self.sites * self.days * self.reads_per_day

    @property
    def key(self) -> str:
        return (
            f"{self.plane}-{self.sites}s-{self.days}d-{self.reads_per_day}r-{self.pool}p-"
            f"{self.seed}x-v{VERSION}"
        )

    @property
    def label(self) -> str:
        where = (
            f"{self.sites} site{'s' if self.sites > 1 else ''} x " if self.plane == "cloud" else ""
        )
        return f"{where}{self.days} d ({self.reads / 1e6:.2f} M reads)"


@dataclass(frozen=True)
class Built:
    """A database ready to search, and what building it took (zero when it was cached)."""

    url: str
    size: Size
    cached: bool
    reads: int = 0
    plates: int = 0
    keys: int = 0
    rotations: int = 0
    load_s: float = 0.0
    index_s: float = 0.0
    dictionary_s: float = 0.0

    def summary(self) -> dict:
        out = asdict(self)
        out["size"] = self.size.key
        out["load_per_s"] = round(self.reads / self.load_s) if self.load_s else None
        return out


def ensure(
    size: Size, backend: str, data_dir: Path, pg_url: str | None, progress: Progress
) -> Built:
    """The database of ``size`` on ``backend``: the cached one, or built now."""
    if backend == "sqlite":
        data_dir.mkdir(parents=True, exist_ok=True)
        final = data_dir / f"{size.key}.db"
        if final.exists():
            return Built(f"sqlite:///{final.resolve()}", size, cached=True)
        partial = data_dir / f"{size.key}.partial.db"
        for stale in data_dir.glob(f"{size.key}.partial.db*"):
            stale.unlink()
        built = _build(size, f"sqlite:///{partial.resolve()}", str(partial), False, progress)
        os.replace(partial, final)
        return Built(**{**asdict(built), "size": size, "url": f"sqlite:///{final.resolve()}"})
    if not pg_url:
        raise SystemExit("--backend postgres needs --postgres-url or EDGESYNC_TEST_POSTGRES_URL")
    name = "bench_search_" + size.key.replace("-", "_")
    admin = _psycopg_conninfo(pg_url, None)
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        names = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        if name in names:
            return Built(url, size, cached=True)
        conn.execute(f'DROP DATABASE IF EXISTS "{name}_partial"')
        conn.execute(f'CREATE DATABASE "{name}_partial"')
    partial_url = make_url(pg_url).set(database=f"{name}_partial")
    built = _build(
        size,
        partial_url.render_as_string(hide_password=False),
        _psycopg_conninfo(pg_url, f"{name}_partial"),
        True,
        progress,
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}_partial" RENAME TO "{name}"')
    return Built(**{**asdict(built), "size": size, "url": url})


def _psycopg_conninfo(sa_url: str, database: str | None) -> str:
    url = make_url(sa_url).set(drivername="postgresql")
    if database:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


def _build(size: Size, sa_url: str, target: str, postgres: bool, progress: Progress) -> Built:
    progress(f"building {size.plane} {size.label} on {'PostgreSQL' if postgres else 'SQLite'}")
    pop = Population(Model(pool=size.pool), size.seed)
    start_us = int(END.timestamp() * 1e6) - size.days * DAY_US
    node = size.plane == "node"
    streams = prepare_node(sa_url) if node else prepare_cloud(sa_url, size.sites)
    table, columns = ("detections", NODE_COLUMNS) if node else ("cloud_detections", CLOUD_COLUMNS)
    loader = Loader(target, postgres=postgres)
    try:
        ddl = loader.drop_indexes(table)
        started = time.perf_counter()
        done = 0
        for site, stream in enumerate(streams):
            reads = site_reads(
                pop, site=site, start_us=start_us, days=size.days, reads_per_day=size.reads_per_day
            )
            rows = make_rows(reads, stream, postgres=postgres)
            for batch in _batches(rows, BATCH):
                with loader.transaction():
                    loader.insert(table, columns, batch)
                done += len(batch)
                if done % (BATCH * 10) < BATCH or done == size.reads:
                    rate = done / (time.perf_counter() - started)
                    left = (size.reads - done) / rate
                    progress(
                        f"  {done:,} / {size.reads:,} reads, {rate:,.0f}/s, ~{left:,.0f} s left"
                    )
            finish_stream(loader, stream, stream.first_seq + size.days * size.reads_per_day - 1)
        load_s = time.perf_counter() - started
        t = time.perf_counter()
        loader.create_indexes(ddl, progress)
        index_s = time.perf_counter() - t
        t = time.perf_counter()
        plates_n, keys, rot = build_dictionary(loader, size.plane, progress)
        loader.analyze([table, *DICTIONARY_TABLES[size.plane]])
        dictionary_s = time.perf_counter() - t
    finally:
        loader.close()
    progress(
        f"  built: {done:,} reads in {load_s:,.1f} s ({done / load_s:,.0f}/s), indexes "
        f"{index_s:,.1f} s, dictionary {dictionary_s:,.1f} s ({plates_n:,} plates, "
        f"{keys:,} keys, {rot:,} rotations)"
    )
    return Built(
        sa_url, size, False, done, plates_n, keys, rot,
        round(load_s, 1), round(index_s, 1), round(dictionary_s, 1),
    )  # fmt: skip


def _batches(rows: Iterator[tuple], n: int) -> Iterator[list[tuple]]:
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) == n:
            yield batch
            batch = []
    if batch:
        yield batch
