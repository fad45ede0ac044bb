"""The plate dictionary on DynamoDB: which confusion keys hold reads, found by range queries.

The DynamoDB form of ``sync_protocol.plate_index`` (its docstring explains the idea). It is
written with each batch, before the stream's cursor moves (so an acknowledged read can always
be found; a resent batch writes the same facts again), as **rotation items**: rotations of
``key + END`` in a partition per first character (``keys.plate_rotation``), the rotation as
sort key, so a permuterm range is one Query in one partition. Every other rotation is kept
(``stored_rotations``: a write unit each, the cost that matters), which a lookup makes up for
by reading two ranges for one (``sampled_ranges``). Of a key's items:

- the one starting with END (where prefix searches look) is the **key item**: the plates seen
  under the key (``p``, a string set), per site the receive time of a recent read there
  (``n#<site>``, rewritten only when a read is more than ``NEWEST_STEP`` newer: a plate seen
  in a burst costs one write, and ``n#<site> + NEWEST_STEP`` bounds the site's newest read of
  the key), a version for optimistic writes (``ver``), the TTL of the newest read it bounds
  at any site (``expires_at``) and the TTL the other rotations were written with (``re``).
  About 100 bytes plus ~40 per site: one write unit up to a dozen sites;
- the others hold nothing but their TTL. Written when the key is new and again when its
  reads would outlive them: they expire ``ROTATION_SLACK`` after the newest read known when
  they were written, so a key read every day rewrites them once a week, not once a read.

A batch costs an eventually consistent BatchGet of its distinct keys' items (half a read unit
each), then nothing more for a key already seen at the site within ``NEWEST_STEP`` under a
known plate, one write (the key item) for a key seen again later or under a new plate, and
``ceil((len(key) + 1) / 2)`` writes for a new key (4 for 7 characters; a full permuterm with
a separate key item would take 9). Concurrent writers of one key item meet on ``ver``: the
loser reads again and merges.

Everything expires after the reads it points to (TTL from the site's retention, ``db.py``).
The retention job leaves these items to their TTL (a key item may serve several sites): after
a retention is shortened, searches may still visit a key whose reads are then skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cloud_plane.store import keys
from cloud_plane.store.dynamo.db import DynamoDb
from cloud_plane.store.dynamo.table import attempts
from sync_protocol.detections import DetectionRecord
from sync_protocol.plate_index import END, KeyLookup, RotationRange, key_of_rotation, rotations
from sync_protocol.plate_rules import KEY_ALPHABET, confusion_key

NEWEST_STEP = timedelta(minutes=15)  # how stale a key item's newest read time may be
ROTATION_SLACK = timedelta(days=7)  # how long rotations outlive the newest read they know
NEWEST_PREFIX = f"n{keys.SEP}"  # a key item's attribute per site: n#<site_id>
ABOVE = "~"  # sorts above the separator: time_text + ABOVE is above every key at that time
PARALLEL_RANGES = 8  # rotation ranges queried at once (a fuzzy search of 2 edits has dozens)
_PARTITIONS = "".join(sorted(KEY_ALPHABET)) + END  # every character a rotation holds


@dataclass(frozen=True, slots=True)
class Sighting:
    """What one batch says about one confusion key at one site."""

    newest: datetime
    plates: frozenset[str]


def sightings(records: Iterable[DetectionRecord]) -> dict[str, Sighting]:
    """Return, per confusion key of ``records``, its newest read and its plates."""
    newest: dict[str, datetime] = {}
    plates: dict[str, set[str]] = {}
    for record in records:
        key = confusion_key(record.plate_norm)
        if key not in newest or record.received_at > newest[key]:
            newest[key] = record.received_at
        plates.setdefault(key, set()).add(record.plate_norm)
    return {key: Sighting(newest[key], frozenset(plates[key])) for key in newest}


def ttl_due(item: Mapping[str, Any], now: int) -> bool:
    """Tell whether DynamoDB's TTL may delete ``item`` by now (its ``expires_at`` passed)."""
    expires = item.get("expires_at")
    return expires is not None and int(expires) <= now


@dataclass(frozen=True)
class EntryWrite:
    """The key item to put (conditional on ``ver``) and the rotations to write before it."""

    item: dict[str, Any]
    previous_ver: int | None  # None: only if no item is there
    rotations: list[dict[str, Any]]


def next_entry(
    key: str,
    stored: Mapping[str, Any] | None,
    site_id: str,
    seen: Sighting,
    *,
    expires: Callable[[datetime], int | None],
    now: int,
) -> EntryWrite | None:
    """Return what to write so the key item covers ``seen`` (None: it already does).

    ``expires(at)`` is the TTL of the site's reads received at ``at`` (None: kept). The item
    expires with the newest read its ``n#<site>`` bounds, so its TTL moves only when that
    does. An item TTL may delete by now is started afresh (its facts are about expired reads).
    """
    base: Mapping[str, Any] = {} if stored is None or ttl_due(stored, now) else stored
    item: dict[str, Any] = {k: v for k, v in base.items() if k not in ("pk", "sk")}
    changed = not base
    plates = set(base.get("p", ())) | seen.plates
    if plates != set(base.get("p", ())):
        item["p"], changed = plates, True
    name = NEWEST_PREFIX + site_id
    known = base.get(name)
    if known is None or seen.newest > keys.parse_time_text(str(known)) + NEWEST_STEP:
        item[name], changed = keys.time_text(seen.newest), True
    expires_at = expires(keys.parse_time_text(str(item[name])) + NEWEST_STEP)
    kept_forever = expires_at is None or (bool(base) and "expires_at" not in base)
    expiry = None if kept_forever else max(int(base.get("expires_at", 0)), expires_at or 0)
    if expiry != base.get("expires_at"):
        item.pop("expires_at", None)
        if expiry is not None:
            item["expires_at"] = expiry
        changed = True
    rotation_ttl = None if expiry is None else expiry + int(ROTATION_SLACK.total_seconds())
    rewrite = not base or ("re" in base and (expiry is None or int(base["re"]) < expiry))
    if rewrite:
        item.pop("re", None)
        if rotation_ttl is not None:
            item["re"] = rotation_ttl
        changed = True
    if not changed:
        return None
    previous = None if stored is None else int(stored.get("ver", 0))
    item.update(entry_key(key), ver=(previous or 0) + 1)
    return EntryWrite(item, previous, rotation_items(key, rotation_ttl) if rewrite else [])


def stored_rotations(key: str) -> list[str]:
    """Return the rotations of ``key + END`` the table keeps: every other one, from END back.

    The rotation starting at position ``p`` is kept when ``len(key) - p`` is even, so the one
    starting with END (prefix searches) is, and every rotation not kept is followed by one
    that is: a rotation starting with ``P`` is found as one kept starting with ``P`` or with
    ``P[1:]`` (``sampled_ranges``). Half the items of a full permuterm, twice the Queries.
    """
    return [r for i, r in enumerate(rotations(key)) if (len(key) - i) % 2 == 0]


def sampled_ranges(span: RotationRange) -> list[RotationRange]:
    """Return ranges of kept rotations holding a kept rotation of every key ``span`` holds.

    A key's rotation starting with ``span.low`` at ``p`` is kept or the one at ``p + 1`` is,
    which starts with ``span.low[1:]``; when ``span.low`` holds END, which one is known.
    """
    at = span.low.find(END)
    if at >= 0:  # one rotation holds END there: kept, or the next one is (its END at at - 1)
        return [span if at % 2 == 0 else RotationRange.starting(span.low[1:], span.length)]
    found = [span]
    if len(span.low) >= 2:
        found.append(RotationRange.starting(span.low[1:], span.length))
    else:  # the kept rotation before the wanted one starts with any character, then it
        found += [RotationRange.starting(c + span.low, span.length) for c in _PARTITIONS]
    return found


def entry_key(key: str) -> dict[str, str]:
    """Return the key of a confusion key's item: its rotation starting with END."""
    return keys.plate_rotation(END + key)


def rotation_items(key: str, expires_at: int | None) -> list[dict[str, Any]]:
    """Return the bare rotation items of one confusion key (``stored_rotations`` but the
    one starting with END: that is the key item)."""
    extra = {} if expires_at is None else {"expires_at": expires_at}
    return [{**keys.plate_rotation(r), **extra} for r in stored_rotations(key) if r[0] != END]


def newest_bound(item: Mapping[str, Any], scope: Collection[str] | None) -> str | None:
    """Return a sort key above every read of the key at the sites in ``scope`` (None: none)."""
    times = [
        str(value)
        for name, value in item.items()
        if name.startswith(NEWEST_PREFIX) and (scope is None or name[len(NEWEST_PREFIX) :] in scope)
    ]
    if not times:
        return None
    return keys.time_text(keys.parse_time_text(max(times)) + NEWEST_STEP) + ABOVE


def covering(ranges: Iterable[RotationRange]) -> list[RotationRange]:
    """Return the ranges no other range of ``ranges`` already covers (fewer Queries)."""
    kept: list[RotationRange] = []
    for span in sorted(set(ranges), key=lambda r: (len(r.low), r.low)):
        if not any(
            span.low.startswith(k.low)
            and k.length in (None, span.length)
            and k == RotationRange.starting(k.low, k.length)
            for k in kept
        ):
            kept.append(span)
    return kept


class PlateDictionary:
    """The key and rotation items of one table: noted per batch, looked up per search."""

    def __init__(self, db: DynamoDb) -> None:
        self._db = db

    # -- writing ---------------------------------------------------------------------------
    def note(self, site_id: str, records: Sequence[DetectionRecord]) -> None:
        """Make the dictionary cover ``records`` of ``site_id`` (idempotent)."""
        seen = sightings(records)
        if not seen:
            return
        found = self._db.table.batch_get([entry_key(k) for k in seen])
        stored = {key_of_rotation(str(item["sk"])): item for item in found}
        now = self._now()
        writes = {}
        for key, sighting in sorted(seen.items()):
            write = self._plan(key, stored.get(key), site_id, sighting, now)
            if write is not None:
                writes[key] = write
        # The rotations before the key items that claim them (``re``).
        self._db.table.batch_write([r for w in writes.values() for r in w.rotations])
        for key, write in writes.items():
            self._put(key, write, site_id, seen[key])

    def _plan(
        self,
        key: str,
        stored: Mapping[str, Any] | None,
        site_id: str,
        seen: Sighting,
        now: int,
    ) -> EntryWrite | None:
        def expires(at: datetime) -> int | None:
            return self._db.expires_at(at, site_id)

        return next_entry(key, stored, site_id, seen, expires=expires, now=now)

    def _put(self, key: str, write: EntryWrite | None, site_id: str, seen: Sighting) -> None:
        """Put the key item; on a lost race read it again (strongly) and merge."""
        for _ in attempts(f"dictionary item of plate key {key!r}"):
            if write is None:
                return
            if write.previous_ver is None:
                condition, values = "attribute_not_exists(pk)", None
            else:
                condition, values = "ver = :ver", {":ver": write.previous_ver}
            if self._db.table.put(write.item, condition=condition, values=values):
                return
            stored = self._db.table.get(entry_key(key), consistent=True)
            write = self._plan(key, stored, site_id, seen, self._now())
            if write is not None and write.rotations:
                self._db.table.batch_write(write.rotations)

    def _now(self) -> int:
        return int(self._db.clock().timestamp())

    # -- looking up --------------------------------------------------------------------------
    def candidates(
        self, lookup: KeyLookup, scope: Collection[str] | None, low: str, high: str
    ) -> list[tuple[str, str]]:
        """Return the keys whose reads may match, each with a sort key above all of them.

        Only keys with a read at a site of ``scope`` (None: any) and a bound above ``low``;
        bounds are at most ``high``. Reads still need checking one by one (time, site,
        plate and retention): a key item knows its plates, not which read holds which.
        """
        entries: dict[str, Mapping[str, Any]] = {}  # key items the ranges returned
        found = set(lookup.exact_keys)
        for item in self._rotations(lookup.ranges):
            key = key_of_rotation(str(item["sk"]))
            found.add(key)
            if str(item["sk"])[0] == END:
                entries[key] = item
        wanted = sorted(k for k in found - entries.keys() if lookup.accepts_key(k))
        for item in self._db.table.batch_get([entry_key(k) for k in wanted]):
            entries[key_of_rotation(str(item["sk"]))] = item
        now = self._now()
        chosen: list[tuple[str, str]] = []
        for key, entry in sorted(entries.items()):
            if (
                ttl_due(entry, now)
                or not lookup.accepts_key(key)
                or not any(map(lookup.accepts_plate, entry.get("p", ())))
            ):
                continue
            bound = newest_bound(entry, scope)
            if bound is not None and bound >= low:
                chosen.append((key, min(bound, high)))
        return chosen

    def _rotations(self, ranges: Iterable[RotationRange]) -> list[dict[str, Any]]:
        """Return the rotation items (and key items) in the ranges, read in parallel."""
        spans = covering(wider for span in ranges for wider in sampled_ranges(span))
        if len(spans) <= 1:
            return [item for span in spans for item in self._range(span)]
        with ThreadPoolExecutor(max_workers=PARALLEL_RANGES) as pool:
            return [item for found in pool.map(self._range, spans) for item in found]

    def _range(self, span: RotationRange) -> list[dict[str, Any]]:
        """Return the items of the rotations in one range (a Query per partition it spans)."""
        firsts = [span.low[0]] if span.low else list(_PARTITIONS)
        found: list[dict[str, Any]] = []
        for first in firsts:
            values = {":pk": keys.plate_rotation_partition(first), ":low": span.low or first}
            condition = "pk = :pk AND sk >= :low"
            if span.high is not None and span.high[:1] == first:
                condition = "pk = :pk AND sk BETWEEN :low AND :high"
                values[":high"] = span.high
            items = self._db.table.query(condition, values=values, page_size=1000)
            found += [i for i in items if span.holds(str(i["sk"]))]
        return found
