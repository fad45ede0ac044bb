"""A plate search's page on DynamoDB: the matching keys' partitions merged newest first.

``PlateReads.page`` turns a normalised plate pattern into the confusion keys that can match
(``PlateDictionary.candidates``; an exact plain plate is its own key) and merges their plate
partitions with ``sync_protocol.plate_index.merge_newest``. A partition is read only when its
bound can still beat the page in hand; partitions are read in waves of 1, 2, 4... up to
``PARALLEL_QUERIES`` at once, so a page served by one key costs one Query and a page spread
over many keys few round trips. Every read is checked (``keep``: time window, retention,
site, camera, plate) while the partition is read, so each fetch returns only matches and the
page is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.detection_items import Row, plate_row
from cloud_plane.store.dynamo.plate_dictionary import PlateDictionary
from sync_protocol.plate_index import merge_newest, plan_lookup
from sync_protocol.plate_rules import confusion_key

PARALLEL_QUERIES = 16  # plate partitions read at once, at most
PAGE_ITEMS_MAX = 1000  # items one Query request of a partition evaluates, at most


class PlateReads:
    """Pages of the reads of matching plates, newest first."""

    def __init__(self, db: DynamoDb, dictionary: PlateDictionary) -> None:
        self._db = db
        self._dictionary = dictionary

    def newest(
        self,
        pattern: str,
        *,
        fuzzy: bool,
        max_edits: int,
        scope: Collection[str] | None,
        low: str,
        high: str,
        keep: Callable[[Row], bool],
        count: int,
    ) -> list[Row]:
        """Return the ``count`` newest reads in ``low <= key < high`` matching ``pattern``
        that ``keep`` keeps."""
        lookup = plan_lookup(pattern, fuzzy=fuzzy, max_edits=max_edits)
        if lookup is None:  # an exact plain plate: its key's partition, that plate's reads
            plates = [(confusion_key(pattern), high)]
            plate_ok: Callable[[str], bool] = pattern.__eq__
        else:
            plates = self._dictionary.candidates(lookup, scope, low, high)
            plate_ok = lookup.accepts_plate
        ordered = sorted(plates, key=lambda item: item[1], reverse=True)  # as merge_newest
        with ThreadPoolExecutor(max_workers=PARALLEL_QUERIES) as pool:
            waves = _Waves(
                [key for key, _ in ordered],
                lambda key, n: self._partition(
                    key, low, high, lambda r: plate_ok(r.plate_norm) and keep(r), n
                ),
                pool,
            )
            return merge_newest(ordered, waves.fetch, lambda row: row.key, count)

    def _partition(
        self, key: str, low: str, high: str, keep: Callable[[Row], bool], count: int
    ) -> list[Row]:
        """Return the ``count`` newest reads of a key's partition below ``high`` it keeps."""
        items = self._db.table.query(
            "pk = :pk AND sk BETWEEN :low AND :high",
            values={":pk": keys.plate_partition(key), ":low": low,
                    ":high": high},
            forward=False,
            page_size=min(max(count, 2), PAGE_ITEMS_MAX),
        )  # fmt: skip
        found: list[Row] = []
        for row in map(plate_row, items):
            if low <= row.key < high and keep(row):
                found.append(row)
                if len(found) >= count:
                    break
        return found


class _Waves:
    """``fetch`` for ``merge_newest`` that reads the next keys in growing parallel waves."""

    def __init__(
        self,
        ordered: Sequence[str],
        fetch: Callable[[str, int], list[Row]],
        pool: ThreadPoolExecutor,
    ) -> None:
        self._ordered = ordered
        self._at = {key: i for i, key in enumerate(ordered)}
        self._fetch = fetch
        self._pool = pool
        self._ready: dict[str, list[Row]] = {}
        self._wave = 1

    def fetch(self, key: str, count: int) -> list[Row]:
        """Return the key's rows, reading it (and the next few keys) if not read yet."""
        if key not in self._ready:
            start = self._at[key]
            wave = [k for k in self._ordered[start : start + self._wave] if k not in self._ready]
            if len(wave) == 1:  # no thread for a lone Query
                self._ready[key] = self._fetch(key, count)
            else:
                rows: Iterator[list[Row]] = self._pool.map(lambda k: self._fetch(k, count), wave)
                self._ready.update(zip(wave, rows, strict=True))
            self._wave = min(self._wave * 2, PARALLEL_QUERIES)
        return self._ready.pop(key)
