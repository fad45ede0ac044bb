"""Pure key builders of the single-table DynamoDB layout (no I/O; unit-tested).

One table, partition key ``pk`` and sort key ``sk``; every ``CloudStore`` call
maps to GetItem/Query/conditional writes on keys built here:

=====================  ==============================  ===================================
item                   pk                              sk
=====================  ==============================  ===================================
meta (epoch, counters) ``META``                        ``META#<name>``
site                   ``SITES``                       ``SITE#<site_id>``
live site's name       ``SITENAME#<name>``             ``SITENAME``
site key               ``SITE#<site_id>``              ``KEY#<key_id>``
stream (high-water)    ``SITE#<site_id>``              ``STREAM#<stream_id>``
enrolment code         ``ENROLL#<code_hash>``          ``ENROLL``
nonce (TTL)            ``NONCE#<key>``                 ``NONCE``
detection              ``DET#<site_id>#<stream_id>``   ``SEQ#<seq, 19 digits>``
detection by plate     ``PLATE#<confusion key>``       ``time_sort_key`` (whole record)
detection chunk        ``DETS#<site_id>#<yyyy-mm-dd>``  ``<newest time>#<stream>#<first seq>``
key rotation           ``PLATEROT#<first character>``  ``<rotation>`` (permuterm row; the
                                                       one starting ``Z`` is the key's item)
sites with detections  ``DETSITES``                    ``SITE#<site_id>``
reads per hour         ``READS#<site_id>``             ``<hour time_text>``
hit                    ``HIT#<detection_id>``          ``ENTRY#<list>#<plate_norm>``
"detection has a hit"  ``HIT#<detection_id>``          ``HIT``
hotlist entry          ``HOTLIST``                     ``ENTRY#<list>#<plate_norm>``
hotlist change         ``HOTLISTVER``                  ``VER#<version, 19 digits>``
hotlist op result      ``HOTLISTOP#<op_id>``           ``OP``
user                   ``USERS``                       ``USER#<username>``
rate-limit bucket      ``RATE#<bucket>``               ``RATE`` (TTL once refilled)
sites' own retention   ``RETENTION``                   ``SITES`` (an attribute per site)
retention run record   ``RETENTIONRUNS``               ``<started time>#<site_id>#<run id>``
audit entry            ``AUDIT``                       ``<time_text>#<entry uuid>``
=====================  ==============================  ===================================

Small collections that the SQL store lists with one SELECT (sites, users, hotlist
entries) live in one partition each (``SITES``, ``USERS``, ``HOTLIST``), so listing them
is one strongly consistent Query, never a Scan. A site's keys and streams stay in the
site's own partition ``SITE#<site_id>`` (they are read one by one, and streams are hot).

Secondary indexes (``gsiNpk``/``gsiNsk``, sparse): detections by time
(``DETDAY#<yyyy-mm-dd>``, ``time_sort_key``) and by plate (``PLATE#<plate_norm>``,
``time_sort_key``); hits by time (gsi1 ``HITS``, gsi2 ``HITSITE#<site_id>``, both
``hit_sort_key``); refused hotlist ops (gsi1 ``HOTLISTREFUSED``, ``<time>#<op_id>``);
a site's audit entries (gsi1 ``AUDITSITE#<site_id>``, the entry's sort key).
Numbers are zero-padded so string order is numeric order; ids may not contain ``#``
(names and usernames may: they are always the last part of their key).
Rate-limit buckets get a partition each, so the limiter's transactions on one
recipient's bucket never contend with another's.
"""

from __future__ import annotations

from datetime import UTC, datetime

SEP = "#"
NUMBER_WIDTH = 19  # 2**62 has 19 digits


def _id(value: str, what: str) -> str:
    if not value or SEP in value:
        raise ValueError(f"{what} {value!r} must be non-empty and must not contain {SEP!r}")
    return value


def pad(number: int) -> str:
    """Return ``number`` zero-padded so that string order equals numeric order."""
    if not 0 <= number < 10**NUMBER_WIDTH:
        raise ValueError(f"{number} outside 0..10**{NUMBER_WIDTH}-1")
    return f"{number:0{NUMBER_WIDTH}d}"


def unpad(text: str) -> int:
    """Return the number ``pad`` encoded."""
    if len(text) != NUMBER_WIDTH or not text.isdigit():
        raise ValueError(f"{text!r} is not a padded number")
    return int(text)


TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def time_text(at: datetime) -> str:
    """Return a UTC time as fixed-width ISO text (sorts chronologically as a string)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime")
    return at.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time_text(text: str) -> datetime:
    """Return the aware UTC time ``time_text`` wrote."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def _name(value: str, what: str) -> str:
    """Check a name that ends its key (``#`` allowed: nothing is parsed after it)."""
    if not value:
        raise ValueError(f"{what} must be non-empty")
    return value


def meta(name: str) -> dict[str, str]:
    """Return the key of a meta item (epoch, hotlist counter)."""
    return {"pk": "META", "sk": f"META{SEP}{_id(name, 'meta name')}"}


SITES = "SITES"


def site(site_id: str) -> dict[str, str]:
    """Return the key of a site item (every site in the ``SITES`` partition)."""
    return {"pk": SITES, "sk": f"SITE{SEP}{_id(site_id, 'site_id')}"}


def site_partition(site_id: str) -> str:
    """Return the partition of a site's own items (its nodes' keys, its streams)."""
    return f"SITE{SEP}{_id(site_id, 'site_id')}"


def site_name(name: str) -> dict[str, str]:
    """Return the key of the claim a live site holds on its name (names are unique)."""
    return {"pk": f"SITENAME{SEP}{_name(name, 'site name')}", "sk": "SITENAME"}


def site_key(site_id: str, key_id: str) -> dict[str, str]:
    """Return the key of a node's public key item."""
    return {"pk": site_partition(site_id), "sk": f"KEY{SEP}{_id(key_id, 'key_id')}"}


def stream(site_id: str, stream_id: str) -> dict[str, str]:
    """Return the key of a stream item (its high-water mark)."""
    return {"pk": site_partition(site_id), "sk": f"STREAM{SEP}{_id(stream_id, 'stream_id')}"}


def enrollment(code_hash: str) -> dict[str, str]:
    """Return the key of an enrolment code item."""
    return {"pk": f"ENROLL{SEP}{_id(code_hash, 'code_hash')}", "sk": "ENROLL"}


def nonce(key: str) -> dict[str, str]:
    """Return the key of a replay-cache item (expires by TTL)."""
    if not key:
        raise ValueError("nonce key must be non-empty")
    return {"pk": f"NONCE{SEP}{key}", "sk": "NONCE"}


def detection(site_id: str, stream_id: str, seq: int) -> dict[str, str]:
    """Return the key of a detection item."""
    pk = f"DET{SEP}{_id(site_id, 'site_id')}{SEP}{_id(stream_id, 'stream_id')}"
    return {"pk": pk, "sk": f"SEQ{SEP}{pad(seq)}"}


def time_sort_key(received_at: datetime, site_id: str, stream_id: str, seq: int) -> str:
    """Return the index sort key that orders detections by (received_at, site, stream, seq)."""
    parts = (time_text(received_at), _id(site_id, "site_id"), _id(stream_id, "stream_id"))
    return SEP.join((*parts, pad(seq)))


def parse_time_sort_key(key: str) -> tuple[datetime, str, str, int]:
    """Return the (received_at, site, stream, seq) of a ``time_sort_key``."""
    at, site_id, stream_id, seq = key.split(SEP)
    return parse_time_text(at), site_id, stream_id, unpad(seq)


def detections_by_day(received_at: datetime) -> str:
    """Return the time index partition of a detection (one per UTC day)."""
    return f"DETDAY{SEP}{time_text(received_at)[:10]}"


def detections_by_plate(plate_norm: str) -> str:
    """Return the plate index partition of a detection."""
    return f"PLATE{SEP}{_id(plate_norm, 'plate_norm')}"


def plate_detection(
    plate_key: str, received_at: datetime, site_id: str, stream_id: str, seq: int
) -> dict[str, str]:
    """Return the key of a detection's plate item (newest first by a reverse Query)."""
    return {
        "pk": plate_partition(plate_key),
        "sk": time_sort_key(received_at, site_id, stream_id, seq),
    }


def plate_partition(plate_key: str) -> str:
    """Return the partition of the reads of every plate with confusion key ``plate_key``."""
    return f"PLATE{SEP}{_id(plate_key, 'plate_key')}"


def plate_rotation_partition(first: str) -> str:
    """Return the partition of the permuterm rotations starting with ``first``."""
    if len(first) != 1 or first == SEP:
        raise ValueError(f"a rotation partition is named by one character, not {first!r}")
    return f"PLATEROT{SEP}{first}"


def plate_rotation(rotation: str) -> dict[str, str]:
    """Return the key of a permuterm rotation item (range lookups within its partition)."""
    _id(rotation, "rotation")
    return {"pk": plate_rotation_partition(rotation[0]), "sk": rotation}


def detection_chunk(
    site_id: str, newest: datetime, stream_id: str, first_seq: int
) -> dict[str, str]:
    """Return the key of a chunk of one batch's detections, in the day of its newest read."""
    newest_text = time_text(newest)
    return {
        "pk": detection_chunk_partition(site_id, newest_text[:10]),
        "sk": SEP.join((newest_text, _id(stream_id, "stream_id"), pad(first_seq))),
    }


def detection_chunk_partition(site_id: str, day: str) -> str:
    """Return the partition of a site's chunks whose newest read is in UTC ``day``."""
    return f"DETS{SEP}{_id(site_id, 'site_id')}{SEP}{day}"


def detection_site(site_id: str) -> dict[str, str]:
    """Return the key of the item that says a site has detections (and since which day)."""
    return {"pk": "DETSITES", "sk": f"SITE{SEP}{_id(site_id, 'site_id')}"}


def hourly_reads(site_id: str, hour: datetime) -> dict[str, str]:
    """Return the key of a site's read counters for one hour (one attribute per camera)."""
    return {"pk": f"READS{SEP}{_id(site_id, 'site_id')}", "sk": time_text(hour)}


def hit(detection_id: str, list_name: str, plate_norm: str) -> dict[str, str]:
    """Return the key of a hit item: one per (detection, entry), the dedup key."""
    entry = hotlist_entry(list_name, plate_norm)["sk"]
    return {"pk": f"HIT{SEP}{_id(detection_id, 'detection_id')}", "sk": entry}


def hit_marker(detection_id: str) -> dict[str, str]:
    """Return the key of the item saying "this detection has a hit" (one BatchGet answers)."""
    return {"pk": f"HIT{SEP}{_id(detection_id, 'detection_id')}", "sk": "HIT"}


HITS = "HITS"


def hits_of_site(site_id: str) -> str:
    """Return the index partition of one site's hits."""
    return f"HITSITE{SEP}{_id(site_id, 'site_id')}"


def hit_sort_key(created_at: datetime, detection_id: str, list_name: str, plate_norm: str) -> str:
    """Return the index sort key ordering hits by (created_at, detection, list, plate)."""
    parts = (time_text(created_at), _id(detection_id, "detection_id"))
    return SEP.join((*parts, _id(list_name, "list_name"), _id(plate_norm, "plate_norm")))


def hits_of_entry(list_name: str, plate_norm: str) -> str:
    """Return the index partition of one hotlist entry's hits (live and historical)."""
    return f"HITENTRY{SEP}{hotlist_entry(list_name, plate_norm)['sk']}"


def entry_hit_sort_key(captured_at: datetime, detection_id: str) -> str:
    """Return the index sort key ordering an entry's hits by (captured_at, detection)."""
    return SEP.join((time_text(captured_at), _id(detection_id, "detection_id")))


def hotlist_entry(list_name: str, plate_norm: str) -> dict[str, str]:
    """Return the key of a hotlist entry item."""
    sk = f"ENTRY{SEP}{_id(list_name, 'list_name')}{SEP}{_id(plate_norm, 'plate_norm')}"
    return {"pk": "HOTLIST", "sk": sk}


HOTLIST_CHANGES = "HOTLISTVER"


def hotlist_change(version: int) -> dict[str, str]:
    """Return the key of the change item of the entry state stored at ``version``."""
    return {"pk": HOTLIST_CHANGES, "sk": f"VER{SEP}{pad(version)}"}


def hotlist_op(op_id: str) -> dict[str, str]:
    """Return the key of a hotlist op result item."""
    return {"pk": f"HOTLISTOP{SEP}{_id(op_id, 'op_id')}", "sk": "OP"}


def hotlist_refused_index(refused_at: datetime, op_id: str) -> dict[str, str]:
    """Return the index keys listing a refused op, newest first by a descending Query."""
    sk = f"{time_text(refused_at)}{SEP}{_id(op_id, 'op_id')}"
    return {"gsi1pk": "HOTLISTREFUSED", "gsi1sk": sk}


USERS = "USERS"


def username(name: str) -> str:
    """Return the stored form of a username (case-insensitive: trimmed, lower case)."""
    return _name(name.strip().lower(), "username")


def user(name: str) -> dict[str, str]:
    """Return the key of a user item (every user in the ``USERS`` partition)."""
    return {"pk": USERS, "sk": f"USER{SEP}{username(name)}"}


def rate_bucket(bucket: str) -> dict[str, str]:
    """Return the key of a rate-limit bucket item (its GCRA TAT; expires by TTL)."""
    return {"pk": f"RATE{SEP}{_name(bucket, 'bucket')}", "sk": "RATE"}


def retention_overrides() -> dict[str, str]:
    """Return the key of the one item holding every site's own read retention (in days)."""
    return {"pk": "RETENTION", "sk": "SITES"}


RETENTION_ATTRIBUTE = f"days{SEP}"  # the prefix of a site's attribute on that item


def retention_attribute(site_id: str) -> str:
    """Return the attribute of the site's days on the ``retention_overrides`` item."""
    return RETENTION_ATTRIBUTE + _id(site_id, "site_id")


RETENTION_RUNS = "RETENTIONRUNS"


def retention_run(started_at: datetime, site_id: str, run_id: str) -> dict[str, str]:
    """Return the key of a retention run's record (all in one partition, newest last)."""
    parts = (time_text(started_at), _id(site_id, "site_id"), _id(run_id, "run_id"))
    return {"pk": RETENTION_RUNS, "sk": SEP.join(parts)}


AUDIT = "AUDIT"


def audit_entry(at: datetime, entry_id: str) -> dict[str, str]:
    """Return the key of an audit entry: one partition, newest first by a descending Query."""
    return {"pk": AUDIT, "sk": f"{time_text(at)}{SEP}{_id(entry_id, 'entry_id')}"}


def audit_of_site(site_id: str) -> str:
    """Return the index partition (gsi1) of one site's audit entries."""
    return f"AUDITSITE{SEP}{_id(site_id, 'site_id')}"
